"""Base FilterSet: choices from the user's scope, and a `q` search that also matches pinyin initials."""

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from . import search
from .access import VIEW
from .forms import style_form
from .models import ChangeAction, ChangeSource, ObjectChange
from .pickers import use_pickers


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        model = obj.model_class()
        return str(model._meta.verbose_name) if model else obj.model


class ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ContentTypeChoiceField


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or unset; anything else is an error rather than silently "unset" (a typo would widen the list)."""

    TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")

    def to_python(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("“%(value)s”应为 true 或 false。"), code="invalid", params={"value": value})

    def validate(self, value):
        pass


# The range of an integer column on every backend: a larger number in a filter would overflow SQLite's binding.
INTEGER_MAX = 2**31 - 1


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": INTEGER_MAX})
class IntegerFilter(django_filters.NumberFilter):
    """A whole, non-negative number (a year, a head count), refused (400) outside what a column holds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", INTEGER_MAX)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None


def yes_no(queryset, condition: Q, value: bool | None):
    """A yes/no filter on a condition: the rows meeting it, the others, or all when the filter is unset."""
    if value is None:
        return queryset
    return queryset.filter(condition) if value else queryset.exclude(condition)


def all_choice(field) -> None:
    """One convention for every filter: the empty choice of a select reads 「全部」 (never "---------")."""
    if getattr(field, "empty_label", None) is not None:
        field.empty_label = _("全部")  # model choices and django-filter's choices read it when listing options
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] in ("", None):
            field.choices = [("", _("全部")), *choices[1:]]


class ScopedFilterSet(django_filters.FilterSet):
    """Subclasses set `search_fields` (icontains) and optionally `initials_field`.

    `q` never matches ID numbers or 学籍号: a GET parameter ends up in access logs and browser histories, and a
    role that sees them masked could confirm a guess. Exact lookup by ID number is a POST (ModelUI.id_lookup_fields).
    """

    search_fields: tuple[str, ...] = ("name",)
    # The search fields with a character index on PostgreSQL (emis.core.search): a province's names are searched
    # through it rather than read whole.
    indexed_search_fields: tuple[str, ...] = ()
    initials_field: str | None = None
    # A stored full-pinyin key ("zhangsanfeng", emis.common.text.pinyin_key): `q` in latin letters matches it from the
    # start, spaces and apostrophes ignored ("zhangsan", "zhang san", "xi'an").
    pinyin_field: str | None = None
    # What `q` searches, shown in the search box (the list page adds the exact ID lookup where the role has it);
    # None: "姓名或拼音首字母" where there is an initials field, else "名称".
    search_hint = None
    # {filter: value} applied when the request does not name the filter at all (page, API and export alike); a
    # request naming it with an empty value asks for everything.
    defaults: dict[str, str] = {}

    q = django_filters.CharFilter(method="search", label=_("搜索"))

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if self.defaults:
            data = data.copy() if data is not None else QueryDict(mutable=True)
            for name, value in self.defaults.items():
                key = f"{prefix}-{name}" if prefix else name
                if key not in data:
                    data[key] = value
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.BooleanFilter):
                filter_.field_class = StrictNullBooleanField
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
                else:
                    all_choice(field)
            # A school or a class is picked by typing: the filter renders only the chosen row.
            use_pickers(form, filters=True)
            style_form(form)
        return self._form

    def is_valid(self):
        """Valid, or only naming rows by an id the user cannot see (or that does not exist), which matches nothing.

        Picking a school outside the scope is not a malformed request: it answers an empty list, exactly like a
        school that does not exist, so that neither the API (no 400) nor the page tells the two apart. Any other
        invalid value (not a number, an unknown choice, a bad date) stays an error.
        """
        return super().is_valid() or (self.is_bound and self._only_unknown_rows())

    def _only_unknown_rows(self) -> bool:
        errors = self.form.errors
        for name, field_errors in errors.items():
            raw = self.form.data.get(self.form.add_prefix(name))
            if (
                not isinstance(self.filters.get(name), django_filters.ModelChoiceFilter)
                or any(error.code != "invalid_choice" for error in field_errors.as_data())
                or not str(raw).strip().lstrip("-").isdigit()
            ):
                return False
        return bool(errors)

    def filter_queryset(self, queryset):
        if self.form.errors and self._only_unknown_rows():
            return queryset.none()
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        conditions = self.search_conditions(value)
        return queryset.filter(reduce(or_, conditions)) if conditions else queryset

    def search_conditions(self, value) -> list[Q]:
        """What ``q`` matches, one condition per way of matching (any of them): a part of a name, the pinyin
        initials, the full pinyin from the start. Empty for an empty ``q``."""
        value = (value or "").strip()
        if not value:
            return []
        conditions = [
            search.contains(field, value, indexed=field in self.indexed_search_fields) for field in self.search_fields
        ]
        if self.initials_field and value.isascii() and value.isalpha():
            conditions.append(Q(**{f"{self.initials_field}__startswith": value.lower()}))
        latin = "".join(value.lower().replace("'", " ").split())
        if self.pinyin_field and latin.isascii() and latin.isalpha() and len(latin) > 1:
            conditions.append(Q(**{f"{self.pinyin_field}__startswith": latin}))
        return conditions

    def is_searching(self) -> bool:
        """A search (``q``) is part of the request."""
        if not self.is_bound or not self.is_valid():
            return False
        return bool((self.form.cleaned_data.get("q") or "").strip())

    def exact_count_limit(self) -> int:
        """Above how many rows (as PostgreSQL's planner expects them) the list shows an estimate: a search's limit is
        lower (EMIS_SEARCH_EXACT_COUNT_LIMIT), since counting its matches reads every one (emis.core.counts)."""
        limit = settings.EMIS_LIST_EXACT_COUNT_LIMIT
        if self.is_searching() and limit:
            return min(limit, settings.EMIS_SEARCH_EXACT_COUNT_LIMIT) or limit
        return limit

    @classmethod
    def describe_search(cls) -> str:
        if cls.search_hint is not None:
            return str(cls.search_hint)
        return str(_("姓名或拼音首字母") if cls.initials_field else _("名称"))


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
