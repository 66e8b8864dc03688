import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet, yes_no
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division

from .models import Campaign, Finding, Inspection, Purpose, Result, Severity, Target, Template, open_finding
from .workflows import INSPECTION

STATE_CHOICES = [(state.code, state.label) for state in INSPECTION.states]
TARGET_STATES = [("pending", _("未检查")), *STATE_CHOICES]
FINDING_STATES = [("open", _("整改中")), ("closed", _("已整改"))]


def _township(path: str):
    return django_filters.ModelChoiceFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        label=_("乡镇"),
        method=lambda qs, name, value: qs.filter(**{f"{path}__startswith": value.code}) if value else qs,
    )


class TemplateFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "note")
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("用途"))

    class Meta:
        model = Template
        fields = ("q", "purpose")


class CampaignFilterSet(ScopedFilterSet):
    search_fields = ("name", "note")
    kind = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("类型"))
    year = django_filters.NumberFilter(
        field_name="starts_on__year", label=_("年度"), min_value=1900, max_value=2100, decimal_places=0
    )

    class Meta:
        model = Campaign
        fields = ("q", "kind", "year")


class TargetFilterSet(ScopedFilterSet):
    search_fields = ("name", "campaign__name")
    campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.all(), label=_("检查活动"))
    township = _township("division_code")
    state = django_filters.ChoiceFilter(choices=TARGET_STATES, label=_("状态"), method="filter_state")
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("我的待检任务"))

    class Meta:
        model = Target
        fields = ("q", "mine", "campaign", "township", "state")

    def filter_mine(self, queryset, name, value):
        """The targets naming the user an inspector, not yet inspected, in campaigns running today (or the others)."""
        from .selectors import my_pending_targets

        return yes_no(queryset, Q(pk__in=my_pending_targets(self.request.user).values("pk")), value)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from .selectors import campaigns_for

            self.filters["campaign"].queryset = campaigns_for(user)

    def filter_state(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(inspection__isnull=True)
        if value:
            return queryset.filter(inspection__case__state=value)
        return queryset


class InspectionFilterSet(ScopedFilterSet):
    search_fields = ("target__name", "target__campaign__name")
    campaign = django_filters.ModelChoiceFilter(
        field_name="target__campaign", queryset=Campaign.objects.all(), label=_("检查活动")
    )
    township = _township("target__division_code")
    state = django_filters.ChoiceFilter(field_name="case__state", choices=STATE_CHOICES, label=_("状态"))
    result = django_filters.ChoiceFilter(choices=Result.choices, label=_("结论"))

    class Meta:
        model = Inspection
        fields = ("q", "campaign", "township", "state", "result")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from .selectors import campaigns_for

            self.filters["campaign"].queryset = campaigns_for(user)


class FindingFilterSet(ScopedFilterSet):
    search_fields = ("text", "inspection__target__name")
    campaign = django_filters.ModelChoiceFilter(
        field_name="inspection__target__campaign", queryset=Campaign.objects.all(), label=_("检查活动")
    )
    township = _township("inspection__target__division_code")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("严重程度"))
    state = django_filters.ChoiceFilter(choices=FINDING_STATES, label=_("整改状态"), method="filter_state")

    class Meta:
        model = Finding
        fields = ("q", "campaign", "township", "severity", "state")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from .selectors import campaigns_for

            self.filters["campaign"].queryset = campaigns_for(user)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(open_finding())
        if value == "closed":
            return queryset.exclude(open_finding())
        return queryset
