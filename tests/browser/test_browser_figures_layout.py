"""Layout of the figures pages at 1366 and 375 px (issue 14): the dashboard's gauge captions neither overlap nor are
cut off, the statistics page's year form keeps 学年 on one line and 导出 Excel whole; screenshots are left behind."""

from __future__ import annotations

import pytest

from .helpers import DESKTOP, add_kindergarten_children, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def targets(mini_county):
    """Kindergarten children and the 3-5 population (so the preschool rates have values) and four plan targets."""
    from emis.indicators.models import PlanTarget

    c = mini_county
    add_kindergarten_children(c)
    for code, value in (
        ("preschool_ger", 93),
        ("inclusive_kg_coverage", 85),
        ("public_kg_share", 55),
        ("compulsory_retention", 98),
    ):
        PlanTarget.objects.create(
            division_code="421224", indicator=code, baseline_year=2025, target_year=2030, value=value
        )
    return c


def _overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "375"])
def test_gauge_captions_stay_apart_and_inside_the_card(new_page, live_server, targets, viewport):
    page = new_page(viewport=viewport)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/indicators/?year=2025")
    gauges = page.locator('[data-testid="gauge"]')
    assert gauges.count() == 3  # 巩固率 has no data: no gauge (and no badge on its card)
    card = page.locator("#gauges").bounding_box()
    captions = [gauges.nth(i).locator(".small").first.bounding_box() for i in range(gauges.count())]
    for i, box in enumerate(captions):
        assert box["x"] >= card["x"] - 1 and box["x"] + box["width"] <= card["x"] + card["width"] + 1
        for other in captions[i + 1 :]:
            assert not _overlap(box, other)
    assert page.locator('[data-testid="progress-badge"]').count() == 3
    page.locator("#gauges").scroll_into_view_if_needed()
    shot(page, f"dashboard-gauges-{viewport['width']}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "375"])
def test_the_statistics_year_form_is_never_clipped(new_page, live_server, targets, viewport):
    page = new_page(viewport=viewport)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/reports/stats/?year=2025")
    label = page.locator('[data-testid="year-form"] label')
    size = float(label.evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
    assert label.bounding_box()["height"] < 2 * size  # 学年 on one line
    button = page.locator('[data-testid="download"]')
    assert button.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # the text is not cut off
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    shot(page, f"stats-year-form-{viewport['width']}", full_page=False)
