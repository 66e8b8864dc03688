"""The draft's structure: sections of paragraphs, tables and figures, the area it covers, and the evaluations it
was drawn from. Built by emis.reports.annual.draft.build_draft; read by the page preview and both writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from emis.indicators.engine import Evaluation
from emis.orgs.models import Division

from ..charts import Chart
from .wording import cn_date


@dataclass
class Paragraph:
    text: str
    lead: str = ""  # the bold opening phrase of a 二级 paragraph: "（一）学前教育普及普惠水平稳步提高。"

    @property
    def full_text(self) -> str:
        return self.lead + self.text


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    unit: str = ""
    notes: list[str] = field(default_factory=list)
    total_rows: int = 0  # the last n rows are totals (shown bold)


@dataclass
class Figure:
    key: str
    title: str
    chart: Chart


@dataclass
class Section:
    heading: str
    blocks: list = field(default_factory=list)


# Areas whose bureau issues the report, and how each is broken down in the tables and the annex.
BUREAU_KINDS = ("county", "city", "province")
ABOVE_COUNTY_KINDS = ("city", "province")


@dataclass
class Area:
    """What the report covers: a county, a city or a province (its bureau issues it), a township, or schools."""

    name: str
    kind: str  # county / city / province / township / schools
    issuer: str
    whole: str  # how the prose says "all of it": 全县, 全市, 全省, 全镇, 全乡, 辖区, 本校
    division: Division | None = None

    @property
    def label(self) -> str:
        return f"{self.name}{self.whole}" if self.kind in BUREAU_KINDS else self.name

    @property
    def part(self) -> str:
        """The breakdown of the tables and the annex: by county for a city or a province, else by township."""
        return "county" if self.kind in ABOVE_COUNTY_KINDS else "township"

    @property
    def part_label(self) -> str:
        """乡镇, or 县（市、区） for a city or a province."""
        return "县（市、区）" if self.part == "county" else "乡镇"


@dataclass
class AnnualDraft:
    title: str
    subtitle: str
    year: int
    baseline: int | None
    census_date: dt.date
    area: Area
    sections: list[Section]
    now: Evaluation
    then: Evaluation | None
    generated_at: dt.datetime

    @property
    def meta_line(self) -> str:
        parts = [f"统计时点：{cn_date(self.census_date)}", f"统计范围：{self.area.label}"]
        if self.baseline:
            parts.append(f"对比基准：{self.baseline}年")
        return "　".join(parts)

    def paragraphs(self) -> list[str]:
        return [
            block.full_text for section in self.sections for block in section.blocks if isinstance(block, Paragraph)
        ]

    def tables(self) -> list[Table]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Table)]

    def figures(self) -> list[Figure]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Figure)]

    @property
    def file_stem(self) -> str:
        return f"{self.title}（草稿）"
