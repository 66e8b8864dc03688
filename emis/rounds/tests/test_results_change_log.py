"""Finding 3 of issue 10: the change log must not hand out 中考 results before the round is published.

A solved round's results are for the county level to review; a school sees its applicants without them until
publication. The change log (its page, the object histories, /api/changes/ and the export) used to show the
solve's records (录取学校, 录取批次类别) to the junior and senior schools' administrators all the same.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import ChangeAction, ObjectChange
from emis.rounds.choices import RoundStatus
from emis.rounds.models import AdmissionRound, Applicant, QuotaAllocation, RoundSchool
from emis.testing import api_token_for, build_county, build_rounds, csv_rows, make_user, module_db, xlsx_rows

RESULT_FIELDS = {
    Applicant: {"result_school", "result_phase", "result_preference_rank"},
    RoundSchool: {"quota_admitted", "open_capacity", "open_admitted", "open_cutoff"},
    QuotaAllocation: {"admitted", "cutoff"},
}
RESULT_LABELS = ("录取学校", "录取批次类别", "录取志愿序号", "统招录取线", "统招录取人数", "指标到校录取人数")


@pytest.fixture(scope="module")
def county_data(django_db_setup, django_db_blocker):
    def build():
        county = build_county()
        build_rounds(county)
        return county

    with module_db(django_db_blocker, build) as data:
        yield data


@pytest.fixture
def solved(county):
    """The module's round taken back to "solved, not published": its results computed, not yet public."""
    AdmissionRound.objects.filter(pk=county.admission_round.pk).update(status=RoundStatus.SOLVED)
    return county.admission_round


@pytest.fixture
def schools(county):
    """Administrators of the applicants' junior school (A2) and of the senior school (H1), with API tokens."""

    users = {
        "A2": make_user("a2_admin", Role.SCHOOL, schools=[county.school_a2]),
        "H1": make_user("h1_admin", Role.SCHOOL, schools=[county.senior_school]),
    }
    return {key: (user, api_token_for(user)) for key, user in users.items()}


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(token) -> Client:
    return Client(headers={"authorization": f"Token {token}"})


def result_records():
    """The solve's update records of results (the ones that tell who was admitted where)."""
    records = []
    for model, fields in RESULT_FIELDS.items():
        content_type = ContentType.objects.get_for_model(model)
        for change in ObjectChange.objects.filter(content_type=content_type, action=ChangeAction.UPDATE):
            if set(change.changes) & fields:
                records.append(change)
    assert records
    return records


def leaked(items) -> list:
    """(model, field) of every result value in API change items."""
    found = []
    for item in items:
        for model, fields in RESULT_FIELDS.items():
            if item["model"] == model._meta.model_name:
                found += [(item["model"], name) for name in set(item["changes"]) & fields]
    return found


def api_items(client, **params) -> list[dict]:
    response = client.get("/api/changes/", {"page_size": 500, **params})
    assert response.status_code == 200
    items = response.json()["results"]
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        items += response.json()["results"]
    return items


def test_schools_read_no_results_in_the_change_log_before_publication(county, solved, schools):
    records = result_records()
    for key, (user, token) in schools.items():
        client, api_client = web(user), api(token)
        # The API list, searched as in the attack, by applicant and in full.
        for params in ({"q": "考生"}, {"q": "李雷"}, {}):
            assert leaked(api_items(api_client, **params)) == [], (key, params)
        # The records themselves are out of reach, page and API alike, as if they did not exist.
        for record in records:
            assert client.get(reverse("core:objectchange_detail", args=[record.pk])).status_code == 404, key
            assert api_client.get(f"/api/changes/{record.pk}/").status_code == 404, key
        # The export names no result field and no record of the solve.
        rows = xlsx_rows(client.get(reverse("core:objectchange_export", args=["xlsx"])))
        rows += csv_rows(client.get(reverse("core:objectchange_export", args=["csv"])))
        text = str(rows)
        assert not any(name in text for fields in RESULT_FIELDS.values() for name in fields), key
        # The list page shows none of those records either.
        page = client.get(reverse("core:objectchange_list"), {"per_page": 200})
        assert not {row.record.pk for row in page.context["table"].paginated_rows} & {r.pk for r in records}, key
    # The applicant's own page: its change history says nothing of the result either.
    response = web(schools["A2"][0]).get(county.applicants["李雷"].get_absolute_url())
    assert response.status_code == 200
    shown = {str(row["field"]) for entry in response.context["history"] for row in entry["rows"]}
    assert shown and not shown & set(RESULT_LABELS)
    assert not {entry["change"].pk for entry in response.context["history"]} & {r.pk for r in records}


def test_a_deleted_applicants_results_stay_hidden(county, solved, schools):
    """Deleting a solved applicant writes its values into the delete record; its results stay out of sight."""
    applicant = county.applicants["韩梅梅"]
    with audit_context(user=county.users[Role.ADMIN]):
        Applicant.objects.filter(pk=applicant.pk).delete()
    content_type = ContentType.objects.get_for_model(Applicant)
    deleted = ObjectChange.objects.get(content_type=content_type, object_id=applicant.pk, action=ChangeAction.DELETE)
    assert deleted.changes["result_school"][0] == county.senior_school.pk
    user, token = schools["A2"]
    body = api(token).get(f"/api/changes/{deleted.pk}/").json()
    assert body["changes"]["name"] == ["韩梅梅", None]
    assert not set(body["changes"]) & RESULT_FIELDS[Applicant]
    detail = web(user).get(reverse("core:objectchange_detail", args=[deleted.pk]))
    assert not {str(row["field"]) for row in detail.context["change_detail"]} & set(RESULT_LABELS)
    # Its earlier solve record is not shown either: a deleted row's results never became public.
    solve = ObjectChange.objects.filter(content_type=content_type, object_id=applicant.pk, action=ChangeAction.UPDATE)
    for record in solve:
        assert api(token).get(f"/api/changes/{record.pk}/").status_code == 404


def test_the_county_reviews_and_everyone_reads_results_once_published(county, solved, schools):
    record = next(r for r in result_records() if r.object_id == county.applicants["李雷"].pk)
    leader = api(county.tokens[Role.LEADER])
    assert leader.get(f"/api/changes/{record.pk}/").json()["changes"]["result_school"] == [
        None,
        county.senior_school.pk,
    ]
    assert leaked(api_items(leader))
    user, token = schools["A2"]
    assert api(token).get(f"/api/changes/{record.pk}/").status_code == 404
    AdmissionRound.objects.filter(pk=county.admission_round.pk).update(status=RoundStatus.PUBLISHED)
    body = api(token).get(f"/api/changes/{record.pk}/").json()
    assert body["changes"]["result_school"] == [None, county.senior_school.pk]
    detail = web(user).get(reverse("core:objectchange_detail", args=[record.pk]))
    rows = {str(row["field"]): row["after"] for row in detail.context["change_detail"]}
    assert rows["录取学校"] == county.senior_school.name
