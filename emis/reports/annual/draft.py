"""build_draft: the pure part of the annual report. It turns indicator evaluations (emis.indicators.engine) into a
structured draft (emis.reports.annual.blocks) and reads nothing from the database, so that the writers and the
page share one draft and the wording is testable on hand-made evaluations."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from emis.indicators.engine import Evaluation
from emis.indicators.figures import Figures

from .blocks import AnnualDraft, Area, Section
from .prose import achievements, notes
from .tables import indicator_tables, part_blocks
from .wording import CN_NUMBERS

# Indicators whose baseline is not compared: they mix every level's pupils and staff, so a baseline year whose
# records hold only some levels (the demo county's 2015) gives a figure that means nothing.
NOT_COMPARED = {"staffing_gap", "place_utilisation"}


def build_draft(
    now: Evaluation,
    then: Evaluation | None,
    *,
    area: Area,
    junior_kinds: dict[str, int] | None = None,
    generated_at: dt.datetime | None = None,
) -> AnnualDraft:
    """The structured draft from the year's evaluation (`now`, broken down by `area.part`: township, or county for a
    city or a province) and the baseline's
    (`then`, totals; None: no comparison). `junior_kinds` is {category: schools offering 初中} for the year."""
    f = Figures(now, then, not_compared=NOT_COMPARED)
    year = now.year
    title = f"{area.issuer}{year}年度工作报告"
    subtitle = f"——{year}年教育事业发展主要成就（数据稿）"
    sections = [
        Section(f"一、{year}年教育事业发展主要成就", achievements(f, area, junior_kinds or {})),
        Section("二、主要指标完成情况", indicator_tables(f, area)),
    ]
    parts = part_blocks(f, area)
    if parts:
        sections.append(Section(f"三、分{area.part_label}情况", parts))
    sections.append(Section(f"{CN_NUMBERS[len(sections)]}、有关说明", notes(f, area)))
    return AnnualDraft(
        title=title,
        subtitle=subtitle,
        year=year,
        baseline=f.baseline,
        census_date=now.census_date,
        area=area,
        sections=sections,
        now=now,
        then=then,
        generated_at=generated_at or timezone.now(),
    )
