"""Form widgets."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _


class LongSelect(forms.Select):
    """A select whose options are written in Python rather than one template render each: a county's list of
    three hundred schools in a filter otherwise costs a hundred milliseconds a page (bench/work/inbox.py). The same
    markup as Django's Select for flat choices; optgroups are written as such. For long lists of fixed choices; rows
    of a pickable model (pupils, staff, schools, classes, divisions) get PickerSelect instead, which renders only
    the chosen rows."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in context["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], " selected" if option["selected"] else "", option["label"]) for option in options),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name else rendered
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(context["attrs"]),
            format_html_join("", "{}", ((p,) for p in parts)),
        )


class PickerSelect(forms.Select):
    """The search-as-you-type picker's select (emis.core.pickers): it renders only the chosen row(s), so a form
    choosing among a county's hundred thousand pupils stays a few kilobytes. static/js/picker.js draws a text box
    over it that asks ``url`` (the model's picker endpoint) as the user types and adds the chosen row as an
    option. Without the script the select still submits the chosen row; the form's own validation reads the scoped
    queryset whatever is posted.

    ``pickers.use_picker`` sets ``pickable``, ``url``, ``filter`` and ``forward``."""

    pickable = None
    plain_up_to: int | None = None  # a plain select of every row while there are no more than this many
    url = ""
    filter = ""
    forward: dict[str, str] = {}  # noqa: RUF012 (replaced, never changed in place)

    def _chosen(self, value) -> list:
        values = [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")]
        values = [v for v in values if v.isdigit() and int(v) < 2**63]  # a database id; larger overflows the query
        queryset = getattr(self.choices, "queryset", None)
        if not values or queryset is None:
            return []
        if self.pickable is not None and self.pickable.select_related:
            queryset = queryset.select_related(*self.pickable.select_related)
        found = {str(obj.pk): obj for obj in queryset.filter(pk__in=values)}
        field = getattr(self.choices, "field", None)
        return [
            (v, field.label_from_instance(found[v]) if field else str(found[v]), found[v]) for v in values if v in found
        ]

    def render(self, name, value, attrs=None, renderer=None):
        from .pickers import describe

        queryset = getattr(self.choices, "queryset", None)
        if self.plain_up_to is not None and queryset is not None and queryset.count() <= self.plain_up_to:
            plain = LongSelect(attrs=self.attrs, choices=self.choices)
            plain.allow_multiple_selected = self.allow_multiple_selected
            return plain.render(name, value, attrs, renderer)
        context_attrs = self.build_attrs(self.attrs, attrs)
        context_attrs.update(
            {
                "data-picker": self.url,
                "data-picker-filter": self.filter or None,
                "data-picker-forward": ",".join(f"{k}={v}" for k, v in self.forward.items()) or None,
                "data-picker-min": str(self.pickable.min_chars if self.pickable else 0),
                "data-picker-placeholder": _("输入姓名、拼音首字母、证件号或学籍号搜索")
                if self.pickable is not None and self.pickable.id_fields
                else _("输入名称或代码搜索")
                if self.pickable is not None and self.pickable.prefix_fields
                else _("输入名称搜索"),
                "data-picker-searching": _("正在查找……"),
                "data-picker-more": _("仅显示前20条，请继续输入以缩小范围。"),
                "data-picker-clear": _("清除"),
                "data-picker-remove": _("移除"),
                "data-picker-failed": _("查找失败，请重试。"),
            }
        )
        context_attrs = {k: v for k, v in context_attrs.items() if v is not None}
        if self.allow_multiple_selected:
            context_attrs["multiple"] = True
        options = []
        if not self.allow_multiple_selected:
            # The field's own unset label, read now: 「全部」 in a list filter, 「请选择」 in a form.
            field = getattr(self.choices, "field", None)
            options.append(format_html('<option value="">{}</option>', getattr(field, "empty_label", None) or ""))
        for pk, label, obj in self._chosen(value):
            hint = describe(self.pickable, obj) if self.pickable is not None else ""
            options.append(format_html('<option value="{}" data-hint="{}" selected>{}</option>', pk, hint, label))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(context_attrs),
            format_html_join("", "{}", ((o,) for o in options)),
        )


class PickerSelectMultiple(PickerSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        try:
            getter = data.getlist
        except AttributeError:
            getter = data.get
        return getter(name)

    def value_omitted_from_data(self, data, files, name):
        return False
