"""Base FilterSet: choices from the user's scope, and a `q` search that also matches pinyin initials."""

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .access import VIEW
from .forms import style_form
from .models import ChangeAction, ChangeSource, ObjectChange


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        model = obj.model_class()
        return str(model._meta.verbose_name) if model else obj.model


class ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ContentTypeChoiceField


def yes_no(queryset, condition: Q, value: bool | None):
    """A yes/no filter on a condition: the rows meeting it, the others, or all when the filter is unset."""
    if value is None:
        return queryset
    return queryset.filter(condition) if value else queryset.exclude(condition)


class ScopedFilterSet(django_filters.FilterSet):
    """Subclasses set `search_fields` (icontains) and optionally `initials_field`.

    `q` never matches ID numbers or 学籍号: a GET parameter ends up in access logs and browser histories, and a
    role that sees them masked could confirm a guess. Exact lookup by ID number is a POST (ModelUI.id_lookup_fields).
    """

    search_fields: tuple[str, ...] = ("name",)
    initials_field: str | None = None

    q = django_filters.CharFilter(method="search", label=_("搜索"))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            field_queryset = filter_.extra.get("queryset")
            if field_queryset is not None and hasattr(field_queryset, "for_user") and user is not None:
                filter_.extra["queryset"] = field_queryset.for_user(user, VIEW)
                # ModelChoiceFilter builds its field from `.queryset`, overwriting extra["queryset"].
                filter_.queryset = filter_.extra["queryset"]

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, field in form.fields.items():
                if isinstance(self.filters.get(name), django_filters.BooleanFilter):
                    # "Any" rather than django-filter's "unknown" for an unset yes/no filter.
                    field.widget = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])
            style_form(form)
        return self._form

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        conditions = [Q(**{f"{field}__icontains": value}) for field in self.search_fields]
        if self.initials_field and value.isascii() and value.isalpha():
            conditions.append(Q(**{f"{self.initials_field}__startswith": value.lower()}))
        return queryset.filter(reduce(or_, conditions))


class ObjectChangeFilterSet(ScopedFilterSet):
    search_fields = ("object_repr", "username")
    username = django_filters.CharFilter(lookup_expr="iexact", label=_("操作人账号"))
    action = django_filters.ChoiceFilter(choices=ChangeAction.choices, label=_("操作"))
    source = django_filters.ChoiceFilter(choices=ChangeSource.choices, label=_("来源"))
    content_type = ContentTypeFilter(queryset=ContentType.objects.none(), label=_("对象类型"))
    time_after = django_filters.DateFilter(field_name="time", lookup_expr="date__gte", label=_("日期起"))
    time_before = django_filters.DateFilter(field_name="time", lookup_expr="date__lte", label=_("日期止"))

    class Meta:
        model = ObjectChange
        fields = ("q", "username", "action", "source", "content_type", "time_after", "time_before")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .views import REGISTRY

        models = [ui.model for ui in REGISTRY if ui.model is not ObjectChange]
        ids = [ct.pk for ct in ContentType.objects.get_for_models(*models).values()]
        self.filters["content_type"].extra["queryset"] = ContentType.objects.filter(pk__in=ids)
        self.filters["content_type"].queryset = self.filters["content_type"].extra["queryset"]
