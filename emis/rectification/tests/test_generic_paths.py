"""A school cannot report a notice, nor an issuer verify one, through the engine's generic case page or API: those
steps need per-item answers with photos (or per-item verdicts), which only the notice's own page and service check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from emis.core.access import Role
from emis.rectification import services
from emis.testing import api_token_for

from .conftest import draft

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 9, 30)


@pytest.fixture
def rectifying(county, issuer):
    notice = services.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    school = county.users[Role.SCHOOL]
    return services.notice_step(notice=notice, transition="receive", acting_user=school, today=DAY)


def test_the_generic_case_page_offers_no_report(county, client, rectifying):
    case = rectifying.case
    client.force_login(county.users[Role.SCHOOL])
    page = client.get(reverse("work:case_detail", args=[case.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("work:case_step", args=[case.pk, "report"]), {"answers": "都改好了", "version": case.version}
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == "rectifying"


def test_the_cases_api_refuses_a_report_with_the_reason(county, rectifying):
    case = rectifying.case
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(county.users[Role.SCHOOL])}")
    response = api.post(
        f"/api/cases/{case.pk}/transitions/",
        {"transition": "report", "values": {"answers": "都改好了"}, "version": case.version},
        format="json",
    )
    assert response.status_code == 400
    assert "业务页面" in response.json()["transition"][0]
    case.refresh_from_db()
    assert case.state == "rectifying"
