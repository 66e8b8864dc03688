"""Where the records behind each figure are listed: a list page of the registry with its filters set.

Every indicator links its numerator and, for a rate or ratio, its denominator to the rows they count, for
the same school year, census date and township as the figure. The lists apply the user's scope themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from emis.orgs.models import Division, SchoolYear
from emis.population.selectors import born_by

from .queries import COHORT_YEARS

SCHOOLS = "orgs:school_list"
ENROLMENTS = "students:enrollment_list"
CLASSES = "students:schoolclass_list"
POSTINGS = "staff:posting_list"
POPULATION = "population:populationrecord_list"
INDICATOR = "indicators:detail"

# The filter that narrows each list to one township.
_TOWNSHIP_PARAM = {
    SCHOOLS: "township",
    ENROLMENTS: "township",
    CLASSES: "township",
    POSTINGS: "township",
    POPULATION: "hukou_township",
}


def _schools(**params) -> tuple[str, dict]:
    return SCHOOLS, {"existing_on": "{census}", **params}


def _pupils(level: str = "", **params) -> tuple[str, dict]:
    level_param = {"level": level} if level else {}
    return ENROLMENTS, {"school_year": "{year}", "is_current": "true", "on_roll": "true", **level_param, **params}


def _in_post(**params) -> tuple[str, dict]:
    return POSTINGS, {"in_post_on": "{census}", **params}


def _age_group(group: str) -> tuple[str, dict]:
    return POPULATION, {"school_year": "{year}", "age_group": group}


_BY_SCHOOL = (INDICATOR, {"by": "school"})

# code -> (numerator records, denominator records); None where no list shows them.
_LINKS: dict[str, tuple] = {
    "kg_count": (_schools(category="kindergarten"), None),
    "kg_public_count": (_schools(category="kindergarten", ownership="public"), None),
    "kg_private_count": (_schools(category="kindergarten", ownership="private"), None),
    "kg_inclusive_count": (_schools(category="kindergarten", public_or_inclusive="true"), None),
    "kg_children": (_pupils("preschool"), None),
    "preschool_ger": (_pupils("preschool"), _age_group("preschool")),
    "inclusive_kg_coverage": (_pupils("preschool", school_public_or_inclusive="true"), _pupils("preschool")),
    "public_kg_share": (_pupils("preschool", school_ownership="public"), _pupils("preschool")),
    "primary_school_count": (_schools(category="primary"), None),
    "teaching_point_count": (_schools(category="teaching_point"), None),
    "primary_pupils": (_pupils("primary"), None),
    "junior_school_count": (_schools(offers="junior"), None),
    "junior_students": (_pupils("junior"), None),
    # Net rates: the numerator is a match of the register against the roll, which no list shows.
    "primary_ner": (None, _age_group("primary")),
    "primary_ger": (_pupils("primary"), _age_group("primary")),
    "junior_ner": (None, _age_group("junior")),
    "junior_ger": (_pupils("junior"), _age_group("junior")),
    "compulsory_enrolment_rate": (None, _age_group("compulsory")),
    "compulsory_retention": (
        _pupils(grade="J3"),
        (ENROLMENTS, {"school_year": "{cohort_year}", "grade": "P1", "is_current": "true"}),
    ),
    "compulsory_retention_aggregate": (
        _pupils(grade="J3"),
        (ENROLMENTS, {"school_year": "{cohort_year}", "grade": "P1", "is_current": "true"}),
    ),
    "large_class_ratio": (
        (CLASSES, {"school_year": "{year}", "compulsory": "true", "size_min": "{large}"}),
        (CLASSES, {"school_year": "{year}", "compulsory": "true", "size_min": "1"}),
    ),
    "super_large_class_ratio": (
        (CLASSES, {"school_year": "{year}", "compulsory": "true", "size_min": "{super_large}"}),
        (CLASSES, {"school_year": "{year}", "compulsory": "true", "size_min": "1"}),
    ),
    "upper_secondary_students": (_pupils(level_group="upper_secondary"), None),
    "vocational_students": (_pupils("vocational"), None),
    "upper_secondary_ger": (_pupils(level_group="upper_secondary"), _age_group("upper_secondary")),
    "vocational_ger": (_pupils("vocational"), _age_group("upper_secondary")),
    "general_vocational_ratio": (_pupils("senior"), _pupils("vocational")),
    "pupil_teacher_ratio_primary": (_pupils("primary"), _in_post(school_offers="primary")),
    "pupil_teacher_ratio_junior": (_pupils("junior"), _in_post(school_offers="junior")),
    "pupil_teacher_ratio_senior": (_pupils("senior"), _in_post(school_offers="senior")),
    # The 编制 need is worked out per school: its rows are the indicator's own by-school table.
    "staffing_gap": (_BY_SCHOOL, _in_post(school_ownership="public")),
    "place_utilisation": (_pupils(school_has_places="true"), _schools(has_places="true")),
}


@dataclass
class RecordLinks:
    """The record lists behind the figures of one school year, optionally inside one township.

    The lists narrow to a township by their filter and to the user's scope by themselves; they have no filter for
    a county, so ``whole_scope`` False (a county shown to a city's user, whose lists hold every county of the city)
    leaves out the links a list would answer with more rows than the figure counts."""

    school_year: SchoolYear
    rules: dict
    division: str | None = None
    whole_scope: bool = True

    def __post_init__(self):
        census = self.school_year.census_date
        cohort = SchoolYear.objects.filter(start_year=self.school_year.start_year - COHORT_YEARS).first()
        self._values = {
            "year": self.school_year.pk,
            "census": census.isoformat(),
            "large": self.rules["large_class_min"],
            "super_large": self.rules["super_large_class_min"],
            "cohort_year": cohort.pk if cohort else "",
        }
        self._township = (
            Division.objects.filter(code=self.division, level="township").values_list("pk", flat=True).first()
            if self.division
            else None
        )

    def numerator(self, code: str) -> str | None:
        return self._url(code, _LINKS.get(code, (None, None))[0])

    def denominator(self, code: str) -> str | None:
        return self._url(code, _LINKS.get(code, (None, None))[1])

    def primary(self, code: str) -> str | None:
        """The one link a figure's value carries: its numerator's records, else its denominator's."""
        return self.numerator(code) or self.denominator(code)

    def _url(self, code: str, link) -> str | None:
        if link is None:
            return None
        name, params = link
        values = {key: str(value).format(**self._values) for key, value in params.items()}
        if "" in values.values():  # e.g. no school year N-8 for a cohort
            return None
        if name == INDICATOR:
            values = {"year": self.school_year.start_year, **values}
            if self.division:
                values["division"] = self.division
            return f"{reverse(name, args=[code])}?{urlencode(values)}#breakdown-school"
        if not self._township and not self.whole_scope:
            return None
        if name == POPULATION:
            values = self._age_filter(values)
        if self._township and name in _TOWNSHIP_PARAM:
            values[_TOWNSHIP_PARAM[name]] = self._township
        return f"{reverse(name)}?{urlencode(values)}"

    def _age_filter(self, values: dict) -> dict:
        group = values.pop("age_group")
        bands = self.rules["age_bands"]
        if group == "compulsory":
            low, high = bands["primary"][0], bands["junior"][1]
        else:
            low, high = bands[group]
        census = self.school_year.census_date
        return {
            **values,
            "born_after": (born_by(census, high + 1) + dt.timedelta(days=1)).isoformat(),
            "born_before": born_by(census, low).isoformat(),
        }


def has_records(code: str) -> bool:
    numerator, denominator = _LINKS.get(code, (None, None))
    return bool(numerator or denominator)
