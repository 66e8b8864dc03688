"""Every figure links to the records behind it, and those lists hold what the figure counts.

On the hand-made county of .county: each numerator and denominator link is followed as a user would, and the
number of rows the list page shows is compared with the figure.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from emis.indicators.definitions import CODES
from emis.indicators.engine import evaluate
from emis.indicators.links import RecordLinks, has_records
from emis.indicators.rules import get_rules
from emis.orgs.models import SchoolYear

pytestmark = pytest.mark.django_db

# Parts whose list is the set the figure is drawn from rather than the counted set itself, and why.
NOT_A_COUNT_OF_THE_LIST = {
    # The cohort is followed student by student: transfers in are listed in 九年级 but are not in the cohort.
    ("compulsory_retention", "numerator"),
    ("compulsory_retention", "denominator"),
    # Flows (转入, 转出, 死亡) adjust the 一年级 entrants.
    ("compulsory_retention_aggregate", "denominator"),
    # Staff of multi-level schools are apportioned between levels; the list shows everyone in post there.
    ("pupil_teacher_ratio_primary", "denominator"),
    ("pupil_teacher_ratio_junior", "denominator"),
    ("pupil_teacher_ratio_senior", "denominator"),
    # The 编制 need is computed per school (its by-school table); staff in post include kindergartens'.
    ("staffing_gap", "numerator"),
    ("staffing_gap", "denominator"),
    # 学位 are summed, not counted: the list shows the schools that report them.
    ("place_utilisation", "denominator"),
}


def listed(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["table"].paginator.count


def test_every_indicator_links_to_records():
    assert [code for code in CODES if not has_records(code)] == []


def test_each_linked_list_holds_what_the_figure_counts(ic):
    admin = ic.users["admin"]
    client = Client()
    client.force_login(admin)
    year = SchoolYear.objects.get(start_year=2020)
    links = RecordLinks(year, get_rules())
    compared = 0
    for code, item in evaluate(admin, 2020).totals().items():
        for part, url, expected in (
            ("numerator", links.numerator(code), item.numerator),
            ("denominator", links.denominator(code), item.denominator),
        ):
            if url is None or (code, part) in NOT_A_COUNT_OF_THE_LIST or "#" in url:
                continue
            assert listed(client, url) == expected, (code, part, url)
            compared += 1
    assert compared >= 40


def test_links_follow_the_township_the_figure_is_for(ic):
    admin = ic.users["admin"]
    client = Client()
    client.force_login(admin)
    year = SchoolYear.objects.get(start_year=2020)
    township = ic.township_a
    links = RecordLinks(year, get_rules(), township.code)
    figures = evaluate(admin, 2020, division=township.code).totals()
    for code in ("kg_children", "primary_pupils", "large_class_ratio", "preschool_ger"):
        url = links.numerator(code) if code != "preschool_ger" else links.denominator(code)
        params = parse_qs(urlsplit(url).query)
        assert str(township.pk) in (params.get("township") or params.get("hukou_township")), url
        expected = figures[code].numerator if code != "preschool_ger" else figures[code].denominator
        assert listed(client, url) == expected, code


def test_staff_links_list_the_postings_in_force_on_the_census_date(ic):
    admin = ic.users["admin"]
    client = Client()
    client.force_login(admin)
    year = SchoolYear.objects.get(start_year=2020)
    url = RecordLinks(year, get_rules()).denominator("pupil_teacher_ratio_primary")
    response = client.get(url)
    postings = [row.record for row in response.context["table"].paginated_rows]
    assert postings
    census = year.census_date
    assert all(p.start_date <= census and (p.end_date is None or p.end_date > census) for p in postings)
    assert {p.kind for p in postings} <= {"recruitment", "transfer"}


def test_a_cohort_link_needs_the_cohorts_first_year(ic):
    rules = get_rules()
    cohort_start = ic.years[2012]
    denominator = RecordLinks(ic.years[2020], rules).denominator("compulsory_retention")
    assert parse_qs(urlsplit(denominator).query)["school_year"] == [str(cohort_start.pk)]
    later = SchoolYear.objects.create(start_year=2030, census_date=ic.years[2020].census_date.replace(year=2030))
    links = RecordLinks(later, rules)
    assert links.denominator("compulsory_retention") is None  # no school year 2022
    assert links.numerator("compulsory_retention") is not None
