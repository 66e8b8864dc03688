"""The 四查三比对 page, its xlsx, the review of possible matches and the CLI (issue 15 item 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from emis.common.idnumbers import GENDER_MALE
from emis.core.access import Role
from emis.core.models import ObjectChange
from emis.dropouts.apps import DOMAIN
from emis.dropouts.categories import Category
from emis.dropouts.detection import detect
from emis.dropouts.models import MatchDecision
from emis.students.models import Student
from emis.testing import make_enrollment, make_population, make_student, make_user, response_text, xlsx_rows

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2014, 5, 6)
URL = "/dropouts/detection/"


@pytest.fixture
def flagged(county):
    """章玮 (通羊镇) with a homophone 张伟 on A1's roll; 钱二 (南林桥镇) on no roll; 孙辍 (通羊镇) 辍学."""
    child = make_population("章玮", county.year, county.township_a, birth=BIRTH, village=county.village_a)
    candidate = make_student("张伟", county.school_a1, birth=BIRTH, gender=GENDER_MALE)
    make_enrollment(candidate, county.classes["A1"])
    make_population("钱二", county.year, county.township_b, birth=dt.date(2010, 2, 2))
    dropout = make_student("孙辍", county.school_a2, birth=dt.date(2011, 3, 3))
    make_enrollment(dropout, county.classes["A2"], status="dropped_out")
    make_population("孙辍", county.year, county.township_a, birth=dropout.birth_date, id_number=dropout.id_number)
    return child, candidate


def test_the_page_shows_the_counts_and_children_of_the_township_only(login, flagged):
    response = login(Role.TOWNSHIP).get(URL)
    assert response.status_code == 200
    text = response_text(response)
    assert "章玮" in text and "孙辍" in text and "钱二" not in text
    assert flagged[0].id_number in text  # a township account sees ID numbers in full
    counts = {code: n for code, _label, n in response.context["categories"]}
    assert counts[Category.POSSIBLE_MATCH] == 1 and counts[Category.DROPPED_OUT] == 1
    assert counts[Category.NOT_ENROLLED] == 0


def test_the_leader_sees_the_county_with_ids_masked_and_filters_by_township_and_category(login, county, flagged):
    client = login(Role.LEADER)
    text = response_text(client.get(URL))
    assert "钱二" in text and "章玮" in text
    assert flagged[0].id_number not in text and flagged[0].id_number[:6] + "*" * 12 in text
    text = response_text(client.get(URL, {"township": county.township_b.code, "year": 2024}))
    assert "钱二" in text and "章玮" not in text
    text = response_text(client.get(URL, {"category": Category.DROPPED_OUT}))
    assert "孙辍" in text and "章玮" not in text


def test_a_township_it_does_not_cover_or_an_unknown_year_is_404(login, county, flagged):
    client = login(Role.TOWNSHIP)
    assert client.get(URL, {"township": county.township_b.code}).status_code == 404
    assert client.get(URL, {"year": 1999}).status_code == 404


def test_the_xlsx_holds_the_same_rows_masked_for_the_leader(login, flagged):
    response = login(Role.LEADER).get(URL, {"format": "xlsx"})
    rows = xlsx_rows(response)
    assert rows[0][:7] == [
        "身份证号",
        "类别代码",
        "疑似学籍的全国学籍号",
        "姓名",
        "出生日期",
        "户籍乡镇",
        "户籍村/社区",
    ]
    by_name = {row[3]: row for row in rows[1:]}
    assert set(by_name) == {"章玮", "钱二", "孙辍"}
    assert by_name["章玮"][1] == Category.POSSIBLE_MATCH
    assert by_name["章玮"][2] == flagged[1].student_no[:7] + "*" * 12
    assert by_name["章玮"][0].endswith("*" * 12)
    assert by_name["章玮"][5:7] == ["通羊镇", "城东社区"]


def test_the_page_asks_a_bounded_number_of_queries(login, county, flagged, django_assert_max_num_queries):
    for n in range(30):
        make_population(f"未入学{n}", county.year, county.township_a, birth=dt.date(2012, 1, 1 + n))
    client = login(Role.LEADER)
    with django_assert_max_num_queries(30):
        assert client.get(URL).status_code == 200


def review(client, county, child, candidate, decision, **extra):
    return client.post(
        reverse("dropouts:detection_review"),
        {"year": 2024, "record": child.pk, "candidate": candidate.pk, "decision": decision, **extra},
    )


def test_a_township_confirms_a_match_correcting_the_roll_and_the_child_is_no_longer_flagged(login, county, flagged):
    child, candidate = flagged
    response = review(login(Role.TOWNSHIP), county, child, candidate, "confirmed:roll", note="家访核实")
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.id_number == child.id_number
    change = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Student), object_id=str(candidate.pk)
    ).latest("id")
    assert change.user == county.users[Role.TOWNSHIP] and "id_number" in change.changes
    decision = MatchDecision.objects.get()
    assert (decision.decision, decision.corrected_side, decision.note) == ("confirmed", "roll", "家访核实")
    assert "章玮" not in {f.name for f in detect(county.year).flags}


def test_a_township_may_not_correct_the_roll_of_another_townships_school(login, county):
    """The register child is the township's, the homophone on a roll is a pupil of 南林桥镇's B1: the township may
    correct its register, not B1's roll (refused with the reason, nothing written)."""
    child = make_population("章玮", county.year, county.township_a, birth=BIRTH, village=county.village_a)
    candidate = make_student("张伟", county.school_b1, birth=BIRTH, gender=GENDER_MALE)
    make_enrollment(candidate, county.classes["B1"])
    before, township = candidate.id_number, login(Role.TOWNSHIP)
    response = review(township, county, child, candidate, "confirmed:roll")
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.id_number == before and not MatchDecision.objects.exists()
    assert "不能更正学籍一方" in response_text(township.get(response["Location"]))
    assert review(township, county, child, candidate, "confirmed:register").status_code == 302
    child.refresh_from_db()
    assert child.id_number == candidate.id_number


def test_confirming_on_the_register_side_corrects_the_register(login, county, flagged):
    child, candidate = flagged
    assert review(login(Role.TOWNSHIP), county, child, candidate, "confirmed:register").status_code == 302
    child.refresh_from_db()
    assert child.id_number == candidate.id_number
    assert "章玮" not in {f.name for f in detect(county.year).flags}


def test_a_rejection_makes_the_child_not_enrolled_for_that_year(login, county, flagged):
    child, candidate = flagged
    assert review(login(Role.TOWNSHIP), county, child, candidate, "rejected:").status_code == 302
    flag = {f.name: f for f in detect(county.year).flags}["章玮"]
    assert flag.category == Category.NOT_ENROLLED
    assert MatchDecision.objects.get().decision == MatchDecision.Decision.REJECTED
    # The pair is not offered again: a second decision is 404.
    assert review(login(Role.TOWNSHIP), county, child, candidate, "confirmed:roll").status_code == 404


def test_who_may_review(login, county, flagged):
    child, candidate = flagged
    for role in (Role.LEADER, Role.SECTION, Role.CITY, Role.SCHOOL):  # the fixture's 股室 has no 控辍保学 domain
        assert review(login(role), county, child, candidate, "rejected:").status_code == 404, role
    assert not MatchDecision.objects.exists()
    section = make_user("section_dropouts", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
    from django.test import Client

    client = Client()
    client.force_login(section)
    assert review(client, county, child, candidate, "rejected:").status_code == 302
    assert MatchDecision.objects.count() == 1


def test_a_candidate_detection_does_not_propose_is_404(login, county, flagged):
    child, _candidate = flagged
    other = county.students["李小梅"]
    assert review(login(Role.ADMIN), county, child, other, "confirmed:roll").status_code == 404
    other.refresh_from_db()
    assert other.id_number != child.id_number


def test_an_unusable_confirmation_is_refused_with_a_message(login, county, flagged):
    child, candidate = flagged
    client = login(Role.TOWNSHIP)
    response = review(client, county, child, candidate, "confirmed:")  # no side named
    assert response.status_code == 302
    assert not MatchDecision.objects.exists()
    assert "请选择更正哪一方" in response_text(client.get(response["Location"]))
    # The roll side cannot take a number another pupil already holds.
    make_student("占用", county.school_b1, birth=BIRTH, id_number=child.id_number, student_no=None)  # on no roll
    assert review(client, county, child, candidate, "confirmed:roll").status_code == 302
    assert not MatchDecision.objects.exists()
    candidate.refresh_from_db()
    assert candidate.id_number != child.id_number


def test_the_cli_writes_one_row_per_flagged_child(county, flagged, tmp_path):
    out, duplicates = tmp_path / "flags.csv", tmp_path / "dups.csv"
    stdout = io.StringIO()
    call_command(
        "dropouts", "detect", "--year", "2024", "--out", str(out), "--duplicates", str(duplicates), stdout=stdout
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:7] == [
        "id_number",
        "category",
        "candidate_student_no",
        "name",
        "birth_date",
        "hukou_township",
        "hukou_village",
    ]
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"章玮", "钱二", "孙辍"}
    assert by_name["章玮"]["id_number"] == flagged[0].id_number  # in full: the operator's file
    assert by_name["章玮"]["candidate_student_no"] == flagged[1].student_no
    assert by_name["章玮"]["birth_date"] == "2014-05-06"
    assert (by_name["章玮"]["hukou_township"], by_name["章玮"]["hukou_village"]) == ("通羊镇", "城东社区")
    assert by_name["孙辍"]["category"] == Category.DROPPED_OUT
    assert "疑似已在籍（possible_match）：1" in stdout.getvalue()
    assert duplicates.read_text(encoding="utf-8-sig").startswith("id_number,name")
    township = tmp_path / "b.csv"
    call_command(
        "dropouts",
        "detect",
        "--year",
        "2024",
        "--township",
        county.township_b.code,
        "--out",
        str(township),
        stdout=io.StringIO(),
    )
    assert [row["name"] for row in csv.DictReader(io.StringIO(township.read_text(encoding="utf-8-sig")))] == ["钱二"]
