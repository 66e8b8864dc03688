"""Where the records behind each figure are listed: a list page of the registry with its filters set."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse

from emis.population.selectors import born_by

# code -> (list url name, filters); "{year}" is replaced by the school year's primary key.
_LINKS = {
    "kg_count": ("orgs:school_list", {"category": "kindergarten"}),
    "kg_public_count": ("orgs:school_list", {"category": "kindergarten", "ownership": "public"}),
    "kg_private_count": ("orgs:school_list", {"category": "kindergarten", "ownership": "private"}),
    "kg_inclusive_count": ("orgs:school_list", {"category": "kindergarten", "inclusive": "true"}),
    "primary_school_count": ("orgs:school_list", {"category": "primary"}),
    "teaching_point_count": ("orgs:school_list", {"category": "teaching_point"}),
    "kg_children": ("students:enrollment_list", {"level": "preschool", "school_year": "{year}", "is_current": "true"}),
    "primary_pupils": ("students:enrollment_list", {"level": "primary", "school_year": "{year}", "is_current": "true"}),
    "junior_students": ("students:enrollment_list", {"level": "junior", "school_year": "{year}", "is_current": "true"}),
    "upper_secondary_students": (
        "students:enrollment_list",
        {"level": "senior", "school_year": "{year}", "is_current": "true"},
    ),
    "vocational_students": (
        "students:enrollment_list",
        {"level": "vocational", "school_year": "{year}", "is_current": "true"},
    ),
    "large_class_ratio": (
        "students:schoolclass_list",
        {"school_year": "{year}", "compulsory": "true", "size_min": "{large}"},
    ),
    "super_large_class_ratio": (
        "students:schoolclass_list",
        {"school_year": "{year}", "compulsory": "true", "size_min": "{super_large}"},
    ),
}
# Rates over an age group link to the population register of that group.
_AGE_GROUPS = {
    "preschool_ger": "preschool",
    "primary_ner": "primary",
    "primary_ger": "primary",
    "junior_ner": "junior",
    "junior_ger": "junior",
    "upper_secondary_ger": "upper_secondary",
    "vocational_ger": "upper_secondary",
}


def records_url(code: str, school_year, rules: dict) -> str | None:
    """The list of records behind `code` for `school_year`, or None when no list page shows them."""
    if code in _LINKS:
        name, params = _LINKS[code]
        values = {
            "year": school_year.pk,
            "large": rules["large_class_min"],
            "super_large": rules["super_large_class_min"],
        }
        return f"{reverse(name)}?{urlencode({k: v.format(**values) for k, v in params.items()})}"
    group = _AGE_GROUPS.get(code)
    if group:
        low, high = rules["age_bands"][group]
        census = school_year.census_date
        params = {
            "school_year": school_year.pk,
            "born_after": (born_by(census, high + 1) + dt.timedelta(days=1)).isoformat(),
            "born_before": born_by(census, low).isoformat(),
        }
        return f"{reverse('population:populationrecord_list')}?{urlencode(params)}"
    return None
