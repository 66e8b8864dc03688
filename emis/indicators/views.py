"""Dashboards: the overview (drill-down city → county → township → school), one indicator's page, and the 大屏
screen.

Views are thin: figures come from emis.indicators.selectors (snapshot or live, always in the user's scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from emis.core import access
from emis.orgs.models import SchoolYear
from emis.orgs.selectors import requested_school_year

from .apps import DOMAIN
from .definitions import REGISTRY
from .engine import evaluate
from .links import RecordLinks
from .queries import DIMENSIONS
from .rules import get_rules
from .selectors import (
    ENROLMENT_RATES,
    breakdown_rows,
    child_dimension,
    dashboard_codes,
    heading,
    school_scoped,
    scope_division,
    target_progress,
    trail,
    trend,
    year_figures,
)
from .services import SnapshotRefused, snapshot_publish


def _year(request) -> SchoolYear:
    year = requested_school_year(request)
    if year is None:
        raise Http404("no school year")
    return year


def _dimension_labels() -> dict:
    return {
        "county": _("县（市、区）"),
        "township": _("乡镇"),
        "category": _("办学类型"),
        "ownership": _("办别"),
        "urban_rural": _("城乡分类"),
        "gender": _("性别"),
        "school": _("学校"),
    }


def _division(request) -> str:
    asked = request.GET.get("division", "").strip() or None
    division = scope_division(request.user, asked)
    if asked and division != asked:
        raise Http404("division out of scope")
    return division


def _links(request, school_year, rules, division: str) -> RecordLinks:
    """The record lists behind the figures; they cover the user's whole scope or narrow to a township."""
    return RecordLinks(school_year, rules, division, whole_scope=division == scope_division(request.user))


def _cards(figures, links: RecordLinks, codes, progress_by_code):
    cards = []
    for code in codes:
        item = figures.total(code)
        if item is None:
            continue
        cards.append(
            {
                "code": code,
                "name": item.name,
                "value": item.value,
                "unit": REGISTRY[code].unit,
                "numerator": item.numerator,
                "denominator": item.denominator,
                "records": links.primary(code),
                "numerator_records": links.numerator(code),
                "denominator_records": links.denominator(code),
                "progress": progress_by_code.get(code),
            }
        )
    return cards


@require_GET
@login_required
def dashboard(request):
    school_year = _year(request)
    division = _division(request)
    figures = year_figures(request.user, school_year.start_year, division, live=request.GET.get("live") == "1")
    rules = get_rules(on=school_year.census_date)
    progress = target_progress(request.user, school_year.start_year, division)
    by_code = {p.target.indicator: p for p in progress}
    count_codes, rate_codes = dashboard_codes(request.user, figures)
    chart_code = request.GET.get("chart") or (rate_codes[0] if rate_codes else "preschool_ger")
    if chart_code not in REGISTRY:
        raise Http404("unknown indicator")
    # The places one level down (counties of a city, townships of a county, schools of a township): a table of
    # the key rates and a chart of the chosen one, each place linking to its own dashboard.
    breakdown = child_dimension(division, request.user)
    columns = [chart_code, *(code for code in rate_codes if code != chart_code)]
    places = breakdown_rows(figures, breakdown, columns)
    for place in places:
        if place["url"] is None and breakdown != "school":
            place["url"] = f"?year={school_year.start_year}&division={place['code']}&chart={chart_code}"
        place["cells"] = [place["values"].get(code) for code in columns]
    chart = [
        {"code": place["code"], "name": place["name"], "value": place["values"][chart_code].value, "url": place["url"]}
        for place in places
        if chart_code in place["values"]
    ]
    links = _links(request, school_year, rules, division)
    area_view = not school_scoped(request.user)
    enrolment_rates = _cards(figures, links, ENROLMENT_RATES if area_view else (), by_code)
    for card in enrolment_rates:
        card["formula"] = REGISTRY[card["code"]].formula_text(rules)
    context = {
        "year": school_year,
        "years": SchoolYear.objects.for_user(request.user).order_by("-start_year"),
        "division": division,
        "heading": heading(request.user, division),
        "trail": trail(request.user, division),
        "breakdown": breakdown,
        "breakdown_label": _dimension_labels()[breakdown],
        "places": places,
        "columns": [(code, REGISTRY[code].name, REGISTRY[code].unit) for code in columns],
        "total_cells": [figures.total(code) for code in columns],
        "figures": figures,
        "rate_cards": _cards(figures, links, rate_codes, by_code),
        "count_cards": _cards(figures, links, count_codes, by_code),
        "enrolment_rates": enrolment_rates,
        "revised": [REGISTRY[code].name for code in sorted(figures.revised)],
        "progress": progress,
        "chart_code": chart_code,
        "chart_name": REGISTRY[chart_code].name,
        "chart_choices": [(code, REGISTRY[code].name) for code in rate_codes],
        "township_chart": chart,
        "trend": trend(request.user, chart_code, division),
        "may_publish": access.role_may(request.user, DOMAIN, access.ADD),
        # An account scoped by schools has no area: no plan targets or published snapshots of its own to show.
        "area_view": area_view,
        "gauges": [
            {"name": str(p.target.get_indicator_display()), "value": float(p.actual), "target": float(p.target.value)}
            for p in progress
            if p.actual is not None and REGISTRY[p.target.indicator].unit == "percent"
        ],
    }
    return render(request, "indicators/dashboard.html", context)


@require_GET
@login_required
def indicator_detail(request, code: str):
    if code not in REGISTRY:
        raise Http404("unknown indicator")
    indicator = REGISTRY[code]
    school_year = _year(request)
    division = _division(request)
    figures = year_figures(request.user, school_year.start_year, division, live=request.GET.get("live") == "1")
    rules = get_rules(on=school_year.census_date)
    links = _links(request, school_year, rules, division)
    breakdowns = []
    # The breakdowns the figures hold (the places one level down and the schools' attributes), and the schools.
    for dimension in DIMENSIONS:
        if dimension not in indicator.dimensions:
            continue
        if dimension == "school":
            rows = [
                item.as_dict()
                for item in evaluate(request.user, school_year, codes=[code], by="school", division=division).rows(
                    code, "school"
                )
            ]
        else:
            rows = figures.rows(code, dimension)
        if rows:
            breakdowns.append({"dimension": dimension, "rows": rows})
    context = {
        "indicator": indicator,
        "code": code,
        "year": school_year,
        "division": division,
        "figures": figures,
        "total": figures.total(code),
        "formula": indicator.formula_text(rules),
        "numerator_text": indicator.numerator_text(rules),
        "denominator_text": indicator.denominator_text(rules),
        "thresholds": indicator.thresholds(rules),
        "breakdowns": breakdowns,
        "trend": trend(request.user, code, division),
        "records": links.numerator(code),
        "denominator_records": links.denominator(code),
        "progress": [
            p for p in target_progress(request.user, school_year.start_year, division) if p.target.indicator == code
        ],
        "heading": heading(request.user, division),
        "dimension_labels": _dimension_labels(),
    }
    return render(request, "indicators/detail.html", context)


@require_GET
@login_required
def screen(request):
    school_year = _year(request)
    division = _division(request)
    figures = year_figures(request.user, school_year.start_year, division)
    progress = target_progress(request.user, school_year.start_year, division)
    links = _links(request, school_year, get_rules(on=school_year.census_date), division)
    breakdown = child_dimension(division, request.user)
    count_codes, rate_codes = dashboard_codes(request.user, figures)
    # The screen's bar chart: the county's 毛入园率 by township, or a school account's first figure by school.
    screen_chart = "preschool_ger" if "preschool_ger" in rate_codes or not rate_codes else rate_codes[0]
    trend_code = "upper_secondary_ger" if "upper_secondary_ger" in rate_codes or not rate_codes else rate_codes[0]
    context = {
        "year": school_year,
        "heading": heading(request.user, division),
        "rate_cards": _cards(figures, links, rate_codes, {p.target.indicator: p for p in progress}),
        "count_cards": _cards(figures, links, count_codes, {}),
        "figures": figures,
        "breakdown_label": _dimension_labels()[breakdown],
        "townships": [
            {"name": place["name"], "value": place["values"][screen_chart].value}
            for place in breakdown_rows(figures, breakdown, [screen_chart])
        ],
        "area_view": not school_scoped(request.user),
        "screen_chart_name": REGISTRY[screen_chart].name,
        "trend_name": REGISTRY[trend_code].name,
        "trend": trend(request.user, trend_code, division),
        "gauges": [
            {"name": str(p.target.get_indicator_display()), "value": float(p.actual), "target": float(p.target.value)}
            for p in progress
            if p.actual is not None and REGISTRY[p.target.indicator].unit == "percent"
        ],
    }
    return render(request, "indicators/screen.html", context)


@require_POST
@login_required
def publish(request):
    school_year = _year(request)
    division = _division(request)
    if not access.role_may(request.user, DOMAIN, access.ADD):
        raise Http404("not allowed")
    try:
        snapshot = snapshot_publish(school_year=school_year, acting_user=request.user, division_code=division)
    except SnapshotRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("已发布 {year} 指标快照（第 {version} 版）。").format(year=school_year, version=snapshot.version)
        )
    return redirect(f"{reverse('indicators:dashboard')}?year={school_year.start_year}&division={division}")
