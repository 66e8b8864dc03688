"""The engine's pages: lists, the campaign page, the editor (a change publishes a new version), the phone form
(sending twice makes one), sign-off from the inspection's page, the exports and the Word report."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from emis.core.access import Role
from emis.inspections import forms, services
from emis.inspections.models import Inspection, Template

from .conftest import DAY, GOOD, SECTIONS, jpeg, target_of

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_campaign(county, section, campaign):
    inspector = county.users[Role.INSPECTOR]
    for token, school, answers in (
        ("a2", county.school_a2, GOOD),
        ("b1", county.school_b1, GOOD | {"1.1": "no", "2.1": "none"}),
    ):
        inspection = services.inspection_submit(
            target=target_of(campaign, school),
            answers=answers,
            photos={"2.2": [jpeg()]},
            client_token=token,
            inspected_on=dt.date(2021, 9, 10),
            acting_user=inspector,
            today=DAY,
        )
        services.inspection_sign_off(inspection=inspection, acting_user=section, today=DAY)
    return campaign


def test_the_editor_text_round_trips(version):
    content = services.version_content(version)
    text = forms.format_content(content)
    assert "1.2 | 监控摄像头路数 | 数值 | 2 | >=16" in text
    assert "按规定留样*/部分留样/未留样" in text
    parsed = forms.keep_choice_values(forms.parse_content(text), content)
    again = services._normalised(parsed, 60, 85)
    assert again["sections"] == content["sections"]


def test_the_editor_names_the_bad_line():
    with pytest.raises(forms.forms.ValidationError, match="第 2 行"):
        forms.parse_content("## 安全\n1.1 | 有保安 | 是否 | x")


def test_publishing_from_the_page_makes_a_new_version(county, section, version):
    client = client_for(section)
    url = reverse("inspections:template_publish", args=[version.template_id])
    page = client.get(url)
    assert page.status_code == 200
    text = page.context["form"].initial["content"]
    data = {
        "name": "秋季开学工作检查表",
        "purpose": "opening",
        "target_kind": "school",
        "applies_to": ["primary", "junior"],
        "pass_score": "60",
        "good_score": "85",
        "content": text,
    }
    assert client.post(url, data).status_code == 302
    assert Template.objects.get().versions.count() == 1  # unchanged: no new version
    client.post(url, data | {"content": text + "5.1 | 有一键报警 | 是否 | 1\n"})
    assert Template.objects.get().versions.count() == 2
    assert client_for(county.users[Role.INSPECTOR]).get(url).status_code == 404


def test_creating_a_campaign_by_category(county, section, version):
    client = client_for(section)
    assert client.get(reverse("inspections:campaign_new")).status_code == 200
    response = client.post(
        reverse("inspections:campaign_new"),
        {
            "name": "2021年秋季开学检查",
            "kind": "opening",
            "version": version.pk,
            "starts_on": "2021-09-01",
            "ends_on": "2021-09-30",
            "categories": ["primary"],
            "inspectors": [county.users[Role.INSPECTOR].pk],
        },
    )
    assert response.status_code == 302
    campaign = version.campaigns.get()
    assert set(campaign.targets.values_list("school_id", flat=True)) == {county.school_a1.pk, county.school_b1.pk}


def test_filling_on_the_phone_sending_twice_makes_one(county, campaign):
    inspector = county.users[Role.INSPECTOR]
    client = client_for(inspector)
    target = target_of(campaign, county.school_a2)
    url = reverse("inspections:target_fill", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'capture="environment"' in page.content.decode()
    data = {f"a-{code}": value for code, value in GOOD.items()} | {
        "inspected_on": "2021-09-10",
        "client_token": "browser-token-1",
    }
    first = client.post(url, data | {"p-2.2": jpeg()})
    assert first.status_code == 302
    second = client.post(url, data | {"p-2.2": jpeg()})
    assert second.status_code == 302 and second.url == first.url
    assert Inspection.objects.count() == 1
    missing = client.post(
        reverse("inspections:target_fill", args=[target_of(campaign, county.school_b1).pk]),
        data | {"client_token": "t-9"},
    )
    assert missing.status_code == 400 and "须拍照" in missing.content.decode()
    # out of the inspector's schools: 404
    other = target_of(campaign, county.school_a1)
    assert client.get(reverse("inspections:target_fill", args=[other.pk])).status_code == 404


def test_signing_off_from_the_page(county, section, campaign):
    inspection = services.inspection_submit(
        target=target_of(campaign, county.school_a2),
        answers=GOOD | {"1.1": "no"},
        photos={"2.2": [jpeg()]},
        client_token="x",
        inspected_on=dt.date(2021, 9, 10),
        acting_user=county.users[Role.INSPECTOR],
        today=DAY,
    )
    client = client_for(section)
    page = client.get(inspection.get_absolute_url())
    assert page.status_code == 200 and "签发" in page.content.decode()
    response = client.post(
        reverse("inspections:inspection_action", args=[inspection.pk, "sign_off"]), {"version": inspection.case.version}
    )
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.result == "fair" and inspection.notice is not None


def test_the_campaign_page_exports_and_report(county, section, campaign):
    signed_campaign(county, section, campaign)
    client = client_for(section)
    page = client.get(campaign.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "2 / 3" in body and "南林桥镇" in body
    xlsx = client.get(reverse("inspections:campaign_results_export", args=[campaign.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    report = client.get(reverse("inspections:campaign_report", args=[campaign.pk]))
    assert report.status_code == 200
    from docx import Document

    document = Document(io.BytesIO(report.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "应检查3个对象，已检查2个" in text
    assert len(document.inline_shapes) >= 1 and len(document.tables) >= 2
    assert client.get(reverse("inspections:campaign_print", args=[campaign.pk])).status_code == 200
    for name in ("template_list", "campaign_list", "target_list", "inspection_list", "finding_list"):
        assert client.get(reverse(f"inspections:{name}")).status_code == 200
    school_page = client.get(reverse("orgs:school_detail", args=[county.school_b1.pk]))
    assert "检查发现的未整改问题" in school_page.content.decode()


def test_the_inspector_sees_their_tasks(county, campaign):
    client = client_for(county.users[Role.INSPECTOR])
    page = client.get(reverse("inspections:target_list"))
    body = page.content.decode()
    assert "通羊镇初级中学" in body and "南林桥镇中心小学" in body and "通羊镇中心小学" not in body
    assert client.get(campaign.get_absolute_url()).status_code == 404
    assert SECTIONS


def test_an_inspectors_pending_targets_are_counted_in_the_menu_and_listed_by_the_mine_filter(county, section, version):
    """What waits for a 督学's visit: the targets naming them, not yet inspected, of the campaigns running today."""
    from django.utils import timezone

    from emis.inspections.selectors import my_pending_target_count

    today = timezone.localdate()
    inspector = county.users[Role.INSPECTOR]  # sees A2 and B1
    running = services.campaign_create(
        name="本学期安全专项督查",
        kind="opening",
        version=version,
        targets=[county.school_a1, county.school_a2, county.school_b1],
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
        inspectors=[inspector],
        acting_user=section,
    )
    services.campaign_create(  # ended: its targets wait for nobody any more
        name="上学期安全专项督查",
        kind="opening",
        version=version,
        targets=[county.school_a2],
        starts_on=today - dt.timedelta(days=60),
        ends_on=today - dt.timedelta(days=30),
        inspectors=[inspector],
        acting_user=section,
    )
    assert my_pending_target_count(inspector) == 2
    assert my_pending_target_count(section) == 0  # named on no target
    services.inspection_submit(
        target=target_of(running, county.school_b1),
        answers=GOOD,
        photos={"2.2": [jpeg()]},
        notes={},
        client_token="t-mine",
        inspected_on=today,
        acting_user=inspector,
        today=today,
    )
    assert my_pending_target_count(inspector) == 1
    client = client_for(inspector)
    page = client.get(reverse("inspections:target_list"), {"mine": "true"}).content.decode()
    listed = [
        row.record
        for row in client.get(reverse("inspections:target_list"), {"mine": "true"}).context["table"].paginated_rows
    ]
    assert [(t.campaign_id, t.school_id) for t in listed] == [(running.pk, county.school_a2.pk)]
    assert "我的待检任务" in page
    # The menu's 检查任务 carries the number.
    menu = re.search(r'href="/inspections/target/"[^>]*>.*?</a>', page, re.S).group(0)
    assert ">1<" in menu.replace(" ", "")
