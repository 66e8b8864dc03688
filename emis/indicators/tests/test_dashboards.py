"""Snapshots (frozen on publishing), plan-target progress, trends, the dashboard pages and their drill-downs.

Uses the shared small county (emis.testing.build_county: school year 2024, a county plan target for
preschool_ger and a minimal county snapshot).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from emis.core.models import AuditEvent
from emis.indicators.models import Comparator, IndicatorSnapshot, PlanTarget
from emis.indicators.selectors import TargetProgress, target_progress, trend, year_figures
from emis.indicators.services import SnapshotRefused, snapshot_publish
from emis.students.models import SchoolClass
from emis.testing import make_enrollment, make_school, make_student


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_publishing_freezes_the_years_values(county):
    admin = county.users["admin"]
    snapshot = snapshot_publish(school_year=county.year, acting_user=admin)
    assert snapshot.version == 2  # the fixture's minimal snapshot is version 1
    before = year_figures(admin, 2024).value("kg_count")
    make_school("1142000999", "新开幼儿园", "kindergarten", county.township_a)
    assert year_figures(admin, 2024).value("kg_count") == before
    assert year_figures(admin, 2024, live=True).value("kg_count") == before + 1
    again = snapshot_publish(school_year=county.year, acting_user=admin)
    assert again.version == 3 and year_figures(admin, 2024).value("kg_count") == before + 1
    assert AuditEvent.objects.filter(event="indicators.snapshot_published").count() == 2


def test_snapshots_cannot_be_changed_or_deleted(county):
    snapshot = county.snapshots["county"]
    snapshot.note = "changed"
    with pytest.raises(PermissionDenied):
        snapshot.save()
    with pytest.raises(PermissionDenied):
        snapshot.delete()


def test_only_roles_writing_indicators_publish(county):
    with pytest.raises(SnapshotRefused):
        snapshot_publish(school_year=county.year, acting_user=county.users["leader"])
    assert IndicatorSnapshot.objects.count() == 2


def test_trend_compares_snapshots_in_percentage_points(county):
    admin = county.users["admin"]
    for year, value in ((county.year_2023, "85.00"), (county.year, "91.05")):
        IndicatorSnapshot.objects.create(
            school_year=year,
            division_code="421224",
            version=9,
            data_version="t",
            values={
                "values": [
                    {"code": "preschool_ger", "value": value, "numerator": 1, "denominator": 1, "dimensions": {}}
                ]
            },
        )
    points = trend(admin, "preschool_ger")
    assert [(p["year"], p["value"], p["change"]) for p in points] == [
        (2023, Decimal("85.00"), None),
        (2024, Decimal("91.05"), Decimal("6.05")),
    ]


@pytest.mark.parametrize(
    ("comparator", "baseline", "actual", "target", "status"),
    [
        (Comparator.AT_LEAST, "85", "93.5", "93", "met"),
        (Comparator.AT_LEAST, "85", "88.2", "93", "on_track"),  # exactly on the straight line for 2022
        (Comparator.AT_LEAST, "85", "86", "93", "behind"),
        (Comparator.AT_MOST, "3.65", "1", "0", "on_track"),
        (Comparator.AT_MOST, "3.65", "0", "0", "met"),
        (Comparator.ABOUT, "2.17", "1.15", "1", "met"),
        (Comparator.ABOUT, "2.17", "1.5", "1", "behind"),
    ],
)
def test_target_verdicts(comparator, baseline, actual, target, status):
    plan = PlanTarget(
        indicator="preschool_ger",
        baseline_year=2020,
        target_year=2025,
        comparator=comparator,
        value=Decimal(target),
        tolerance=Decimal("0.2"),
    )
    base, goal = Decimal(baseline), Decimal(target)
    expected = base + (goal - base) * 2 / 5 if comparator != Comparator.ABOUT else None  # year 2022
    progress = TargetProgress(plan, base, Decimal(actual), 2022, expected)
    assert progress.status == status
    assert progress.gap == goal - Decimal(actual)


def test_target_progress_reads_baseline_and_actual(county):
    admin = county.users["admin"]
    progress = target_progress(admin, 2024)
    assert [p.target.indicator for p in progress] == ["preschool_ger"]
    item = progress[0]
    live = year_figures(admin, 2023).value("preschool_ger")
    assert item.baseline == live and item.actual_year == 2024


def test_dashboard_shows_published_or_live_and_respects_scope(county):
    page = client_for(county.users["leader"]).get("/indicators/", {"year": 2024})
    assert page.status_code == 200
    assert "已发布（第 1 版）" in page.content.decode()
    township = client_for(county.users["township"]).get("/indicators/", {"year": 2024})
    assert "实时计算（未发布）" in township.content.decode()  # no snapshot for 通羊镇
    assert (
        client_for(county.users["township"]).get("/indicators/", {"division": county.township_b.code}).status_code
        == 404
    )
    assert (
        client_for(county.users["school"]).get("/indicators/", {"division": county.township_a.code}).status_code == 404
    )
    leader_drill = client_for(county.users["leader"]).get(
        "/indicators/", {"year": 2024, "division": county.township_b.code}
    )
    assert leader_drill.status_code == 200 and "南林桥镇" in leader_drill.content.decode()


def test_indicator_page_shows_formula_breakdowns_and_records_link(county):
    page = client_for(county.users["admin"]).get("/indicators/code/large_class_ratio/", {"year": 2024, "live": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "56" in html.split('data-testid="formula"')[1][:300]
    assert 'data-testid="breakdown-township"' in html
    assert "/students/schoolclass/?school_year=" in html and "size_min=56" in html


def test_large_class_drilldown_lists_the_classes_of_56_or_more(county):
    big = SchoolClass.objects.create(school=county.school_b1, school_year=county.year, grade="P3", name="大班")
    for i in range(56):
        make_enrollment(
            make_student(f"学生{i}", county.school_b1, birth=dt.date(2016, 1, 1) + dt.timedelta(days=i)), big
        )
    response = client_for(county.users["admin"]).get(
        "/students/schoolclass/", {"school_year": county.year.pk, "compulsory": "true", "size_min": 56}
    )
    html = response.content.decode()
    assert "大班" in html and "1班" not in html


def test_screen_page_renders_for_a_meeting_room(county):
    page = client_for(county.users["leader"]).get("/indicators/screen/", {"year": 2024})
    assert page.status_code == 200 and 'data-testid="screen-title"' in page.content.decode()
