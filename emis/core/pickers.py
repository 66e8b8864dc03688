"""The search-as-you-type picker: forms choose a pupil, a staff member, a school, a class or a division by typing,
never from a dropdown of every row.

- Apps declare their pickable models (``registry.Pickable``) in their plugin: the fields searched and how.
- ``use_pickers(form)`` gives every model-choice field of such a model the picker widget (``widgets.PickerSelect``),
  which renders only the chosen rows; ScopedModelForm and ScopedFilterSet call it, other forms may.
- ``pick`` (POST ``/core/pick/<name>/``) answers the widget's script (static/js/picker.js) with at most ``LIMIT``
  rows of ``for_user(user)`` matching the text. Posted, so that a typed ID number is in no URL and no access log.
- The form's own validation still reads the field's scoped queryset: an id posted from outside it is refused with
  the field's Chinese message (``invalid_choice``), whatever the endpoint offered.
"""

from __future__ import annotations

import itertools
from functools import reduce
from operator import or_

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from emis.common.idnumbers import ID_PATTERN, STUDENT_NO_PATTERN, normalize_id_number

from . import access, registry
from .registry import Pickable

LIMIT = 20  # results per answer
MAX_QUERY = 40  # characters of search text read
MAX_INITIALS = 16  # readings of a typed Chinese prefix tried (polyphonic characters)


def model_of(pickable: Pickable):
    return apps.get_model(pickable.model)


def describe(pickable: Pickable, obj) -> str:
    return import_string(pickable.hint)(obj) if pickable.hint else ""


def _is_chinese(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in text)


def _initials_readings(text: str) -> list[str]:
    """The pinyin initials a typed Chinese prefix may have (a polyphonic character gives several)."""
    from pypinyin import Style, pinyin

    letters = [
        sorted({reading[:1].lower() for reading in readings if reading}) or [""]
        for readings in pinyin(text, style=Style.FIRST_LETTER, heteronym=True, errors="default")
    ]
    readings = []
    for combination in itertools.product(*letters):
        readings.append("".join(combination))
        if len(readings) >= MAX_INITIALS:
            break
    return readings


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def looks_like_id(text: str) -> bool:
    value = normalize_id_number(text)
    return bool(ID_PATTERN.match(value) or STUDENT_NO_PATTERN.match(value))


def text_condition(pickable: Pickable, text: str) -> Q | None:
    """The condition for a typed text (not an ID number), or None when nothing can match."""
    parts: list[Q] = []
    if pickable.name_field:
        if _is_chinese(text) and pickable.initials_field:
            # Along the initials' index: the name's start and the initials that start allows.
            readings = [r for r in _initials_readings(text) if r]
            initials = reduce(or_, [Q(**{f"{pickable.initials_field}__startswith": r}) for r in readings], Q())
            parts.append(Q(**{f"{pickable.name_field}__startswith": text}) & initials)
        else:
            parts.append(Q(**{f"{pickable.name_field}__startswith": text}))
    if text.isascii() and text.isalpha():
        lowered = text.lower()
        if pickable.initials_field:
            parts.append(Q(**{f"{pickable.initials_field}__startswith": lowered}))
        if pickable.pinyin_field and _has_field(model_of(pickable), pickable.pinyin_field):
            parts.append(Q(**{f"{pickable.pinyin_field}__startswith": lowered}))
    if text.isdigit():
        parts += [Q(**{f"{name}__startswith": text}) for name in pickable.prefix_fields]
    parts += [Q(**{f"{name}__icontains": text}) for name in pickable.contains_fields]
    return reduce(or_, parts) if parts else None


# Schools of a scope written out as a list up to this many (the planner counts them), else a subquery.
SCHOOL_LIST = 1000


def schools_in_scope(model, pickable: Pickable, user):
    """The schools of the user's scope, as ids (or a subquery for a province's many)."""
    school_model = model._meta.get_field(pickable.school_field).related_model
    schools = school_model.objects.for_user(user, access.VIEW).values("pk")
    ids = [row["pk"] for row in schools[: SCHOOL_LIST + 1]]
    return ids if len(ids) <= SCHOOL_LIST else schools


def narrowed(pickable: Pickable, queryset, data):
    """The queryset narrowed by the named filter and the forwarded values of other fields."""
    name = data.get("filter", "")
    if name:
        if name not in pickable.filters:
            raise Http404
        queryset = queryset.filter(pickable.filters[name])
    for parameter, lookup in pickable.forward.items():
        value = (data.get(f"f_{parameter}") or "").strip()
        if value:
            if lookup.endswith("_id") and not value.isdigit():
                return queryset.none()
            queryset = queryset.filter(**{lookup: value})
    return queryset


def search(pickable: Pickable, user, text: str, data=None, *, request=None) -> dict:
    """{"results": [{"id", "text", "hint"}], "more": bool, "message": str}: rows of the user's scope matching."""
    model = model_of(pickable)
    queryset = model.objects.for_user(user, access.VIEW)
    if pickable.school_field and not access.sees_everything(user):
        queryset = queryset.filter(**{f"{pickable.school_field}__in": schools_in_scope(model, pickable, user)})
    queryset = narrowed(pickable, queryset, data or {})
    text = " ".join((text or "").split())[:MAX_QUERY]
    if pickable.id_fields and looks_like_id(text):
        # A whole ID number or 学籍号: matched by its hash, for the roles that see numbers in full (as the lookup
        # pages), counted against the same rate; never matched in part.
        from .ratelimits import id_lookup_limited
        from .selectors import find_by_id_number

        if not access.may_see_full_ids(user):
            return {"results": [], "more": False, "message": _("您的角色不能按证件号查找，请输入姓名或拼音首字母。")}
        if request is not None and id_lookup_limited(request):
            return {"results": [], "more": False, "message": _("证件号查找过于频繁，请稍后再试。")}
        queryset = find_by_id_number(queryset, pickable.id_fields, text)
    elif len(text) < pickable.min_chars:
        return {"results": [], "more": False, "message": ""}
    elif text:
        condition = text_condition(pickable, text)
        if condition is None:
            return {"results": [], "more": False, "message": ""}
        queryset = queryset.filter(condition)
    if pickable.select_related:
        queryset = queryset.select_related(*pickable.select_related)
    queryset = queryset.order_by(*pickable.order_by) if pickable.order_by else queryset.order_by()
    rows = list(queryset[: LIMIT + 1])
    more = len(rows) > LIMIT
    rows = rows[:LIMIT]
    if not pickable.order_by:
        rows.sort(key=lambda obj: (str(obj), obj.pk))
    results = [{"id": obj.pk, "text": str(obj), "hint": describe(pickable, obj)} for obj in rows]
    return {"results": results, "more": more, "message": "" if results else _("在您的管辖范围内没有找到。")}


@login_required
@require_POST
def pick(request, name: str):
    """The picker's answer: JSON, at most LIMIT rows of the user's scope. POST only (the text may be an ID number)."""
    pickable = registry.pickables().get(name)
    if pickable is None or not access.role_may(request.user, getattr(model_of(pickable), "domain", None), access.VIEW):
        raise Http404
    answer = search(pickable, request.user, request.POST.get("q", ""), request.POST, request=request)
    response = JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# Forms ---------------------------------------------------------------------------------------------------------------


def invalid_choice_message(model) -> str:
    return gettext_lazy("所选%(model)s不存在或不在您的管辖范围内，请重新选择。") % {"model": model._meta.verbose_name}


def implied_filter(pickable: Pickable, queryset) -> str:
    """The name of the Pickable's filter that ``queryset`` already applies (a form's senior schools, a list filter
    over townships), or "": the picker then offers the same."""
    applied = queryset.query.where.children
    for name, condition in pickable.filters.items():
        wanted = queryset.model._base_manager.filter(condition).query.where.children
        if wanted and all(part in applied for part in wanted):
            return name
    return ""


def use_picker(field: forms.ModelChoiceField, *, filter: str = "", forward: dict[str, str] | None = None) -> bool:
    """Give a model-choice field the picker widget when its model is pickable; True if it was given one.

    ``filter``: a named narrowing the model's Pickable declares (by default the one the field's queryset or its
    ``limit_choices_to`` already applies, if any). ``forward``: {parameter of the Pickable's ``forward``: name of
    the form field whose value narrows the search}. The field's queryset should say the same: the form validates
    against it."""
    from .widgets import PickerSelect, PickerSelectMultiple

    model = field.queryset.model
    pickable = registry.pickable_for(model)
    if pickable is None:
        return False
    widget_class = PickerSelectMultiple if isinstance(field, forms.ModelMultipleChoiceField) else PickerSelect
    widget = field.widget
    if not isinstance(widget, widget_class):
        attrs = {k: v for k, v in widget.attrs.items() if k not in ("size",)}
        widget = widget_class(attrs=attrs)
        field.widget = widget
    widget.choices = field.choices
    widget.is_required = field.required
    widget.pickable = pickable
    widget.url = reverse("core:pick", args=[pickable.name])
    if not filter:
        filter = implied_filter(pickable, field.queryset)
    limit = field.get_limit_choices_to() if hasattr(field, "get_limit_choices_to") else None
    if not filter and limit:
        limit = limit if isinstance(limit, Q) else Q(**limit)
        filter = next((name for name, condition in pickable.filters.items() if condition == limit), "")
    if filter:
        if filter not in pickable.filters:
            raise LookupError(f"picker {pickable.name} has no filter {filter}")
        widget.filter = filter
    if forward:
        unknown = set(forward) - set(pickable.forward)
        if unknown:
            raise LookupError(f"picker {pickable.name} forwards no {sorted(unknown)}")
        widget.forward = dict(forward)
    field.error_messages = {**field.error_messages, "invalid_choice": invalid_choice_message(model)}
    if isinstance(field, forms.ModelMultipleChoiceField):
        field.error_messages["invalid_pk_value"] = invalid_choice_message(model)
    return True


def use_pickers(form: forms.BaseForm, *, filters: bool = False) -> None:
    """The picker for every model-choice field of a pickable model (``filters``: a list page's filter form, where a
    Pickable may ask for a plain select)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            pickable = registry.pickable_for(field.queryset.model)
            if pickable is None or (filters and pickable.in_filters is False):
                continue
            use_picker(field)
            if filters and pickable.in_filters is not True:
                # Counted when the page is drawn (never for the API, which reads the same filter forms).
                field.widget.plain_up_to = pickable.in_filters
