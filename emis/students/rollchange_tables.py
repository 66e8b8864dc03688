"""The 异动记录 (roll change history): the one FilterSet of its page and export, and its table with the 撤销 button (or
the Chinese reason the change may not be undone). The ModelUI is in rollchange_ui.py."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.core.tables import BaseTable
from emis.orgs.models import School, SchoolYear

from .models import RollChange, RollChangeKind, RollChangeState
from .rollchanges import undo_refusals


class RollChangeFilterSet(ScopedFilterSet):
    search_fields = ("student__name", "area_name", "destination_name", "school__name", "to_school__name")
    kind = django_filters.ChoiceFilter(choices=RollChangeKind.choices, label=_("异动类型"))
    state = django_filters.ChoiceFilter(choices=RollChangeState.choices, label=_("状态"))
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(parent=None), method="filter_school", label=_("学校（转出或转入）")
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("异动日期起"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("异动日期止"))

    class Meta:
        model = RollChange
        fields = ("q", "kind", "state", "school_year", "school", "date_from", "date_to")

    def filter_school(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(school=value) | Q(to_school=value)) if value else queryset


class RollChangeTable(BaseTable):
    created_at = tables.DateTimeColumn(verbose_name=_("办理时间"), format="Y-m-d H:i", linkify=True)
    who = tables.Column(verbose_name=_("学生或范围"), empty_values=(), orderable=False)
    school = tables.Column(verbose_name=_("学校"))
    where = tables.Column(verbose_name=_("去向"), empty_values=(), orderable=False)
    undo = tables.Column(verbose_name=_("撤销"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = RollChange
        fields = ("created_at", "kind", "who", "school", "where", "pupils", "date", "state", "created_by", "undo")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.request = request

    def render_who(self, record):
        if record.student_id:
            return format_html('<a href="{}">{}</a>', record.student.get_absolute_url(), record.student.name)
        return record.area_name or "—"

    def render_where(self, record):
        if record.kind == RollChangeKind.TRANSFER and record.to_school_id:
            return format_html("{} {}", _("转入"), record.to_school.name)
        if record.kind == RollChangeKind.TRANSFER_OUT:
            return f"{record.destination_region} {record.destination_name}".strip()
        if record.kind == RollChangeKind.PROMOTE and record.to_school_year_id:
            return format_html("{} {}", _("升入"), record.to_school_year)
        return "—"

    def render_undo(self, record):
        refusals = self._refusals()
        reason = refusals.get(record.pk)
        if record.state == RollChangeState.UNDONE:
            return _("已撤销")
        if reason:
            return format_html('<span class="text-secondary small" data-testid="undo-refused">{}</span>', reason)
        return format_html(
            '<form method="post" action="{}" class="d-inline" data-confirm="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button class="btn btn-sm btn-outline-danger" type="submit" data-testid="undo">{}</button></form>',
            reverse("students:rollchange_undo", args=[record.pk]),
            _("确定撤销这次学籍异动？撤销后学生的学籍恢复到异动前。"),
            get_token(self.request) if self.request is not None else "",
            _("撤销"),
        )

    def _refusals(self) -> dict:
        """Why each row of the page may not be undone, worked out once for the page (three queries)."""
        if not hasattr(self, "_undo_refusals"):
            page = getattr(self, "page", None)
            rows = list(page.object_list) if page is not None else list(self.data)
            user = getattr(self.request, "user", None)
            self._undo_refusals = undo_refusals([getattr(r, "record", r) for r in rows], user)
        return self._undo_refusals
