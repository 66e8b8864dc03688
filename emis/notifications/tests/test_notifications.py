"""Notifications of the work engine: who is told (the 待办 rule read backwards, in one query, never anyone outside the
case's scope), the bell and the list, e-mail with a Chinese subject, the webhook backend, the sweep's
announcements (once each), the user's channels and the daily digest (once per user and day)."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.core.access import Role
from emis.notifications import backends
from emis.notifications.models import CaseAlert, DigestSent, Kind, Notification, NotificationSettings
from emis.testing import make_division, make_school, make_user
from emis.work.deadlines import sweep
from emis.work.models import Case
from emis.work.selectors import waiting_for, waiting_users
from emis.work.services import case_open, case_transition
from emis.work.tests.conftest import add_notice, photo
from emis.work.tests.workflows import DOMAIN, TEST_WORKFLOW

DAY = dt.date(2021, 9, 30)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def everyone(county, actors):
    """The county's users, plus users of a neighbouring county (崇阳县) in every acting role, an inactive school
    user of A1 and a 股室 account of another domain; each with an e-mail address."""
    users = dict(actors)
    neighbour = make_division("421223", "崇阳县", "county", county.city)
    n_township = make_division("421223100", "天城镇", "township", neighbour)
    n_school = make_school("4242000001", "天城镇中心小学", "primary", n_township)
    users["n_section"] = make_user("n_section", Role.SECTION, divisions=[neighbour], domains=[DOMAIN])
    users["n_township"] = make_user("n_township", Role.TOWNSHIP, divisions=[n_township])
    users["n_school"] = make_user("n_school", Role.SCHOOL, schools=[n_school])
    users["tp_school"] = make_user("tp_school", Role.SCHOOL, schools=[county.teaching_point])
    inactive = make_user("inactive_a1", Role.SCHOOL, schools=[county.school_a1])
    inactive.is_active = False
    inactive.save()
    users["inactive"] = inactive
    for user in users.values():
        user.email = f"{user.username}@example.cn"
        user.save()
    return users


def township_of(county, actors, school):
    return actors[Role.TOWNSHIP] if school.township == county.township_a else actors["township_b"]


def issued(county, actors, title="东山小学整改", school=None, days=10):
    school = school or county.school_a1
    township = township_of(county, actors, school)
    case = case_open(workflow=TEST_WORKFLOW.code, title=title, school=school, acting_user=township, today=DAY)
    add_notice(case)
    return case_transition(case=case, transition="issue", acting_user=township, values={"days": days}, today=DAY).case


def recipients(case) -> set[str]:
    return set(Notification.objects.filter(case=case).values_list("user__username", flat=True))


def test_waiting_users_is_waiting_for_read_backwards(county, everyone, django_assert_num_queries):
    """For cases in every state and at every level, the users told are exactly those whose 待办 holds the case."""
    cases = [
        case_open(
            workflow=TEST_WORKFLOW.code,
            title="乡镇草稿",
            division_code=county.township_a.code,
            acting_user=everyone[Role.TOWNSHIP],
        ),
        issued(county, everyone, "A1 已下发"),
        issued(county, everyone, "B1 已下发", school=county.school_b1),
        issued(county, everyone, "教学点 已下发", school=county.teaching_point),
    ]
    moved = case_transition(
        case=issued(county, everyone, "A1 整改中"), transition="receive", acting_user=everyone[Role.SCHOOL]
    )
    cases.append(moved.case)
    waiting = case_transition(
        case=moved.case, transition="ask_papers", acting_user=everyone[Role.TOWNSHIP], comment="补材料"
    ).case
    cases.append(issued(county, everyone, "A2 已下发", school=county.school_a2))
    cases.append(waiting)
    users = [u for u in everyone.values() if u.is_active] + [everyone["inactive"]]
    for case in cases:
        case = Case.objects.get(pk=case.pk)
        # Who the case names, who holds its places, then those users: three queries whoever is asked about.
        with django_assert_num_queries(3):
            told = {u.username for u in waiting_users(case)}
        expected = {u.username for u in users if u.is_active and waiting_for(u).filter(pk=case.pk).exists()}
        assert told == expected, case.title
        assert told, case.title
        assert not told & {"n_section", "n_township", "n_school", "inactive_a1", "city", "province", "leader"}


def test_a_step_notifies_who_must_act_now(county, everyone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = issued(county, everyone)
    # 已下发: the school signs for it (school level; a teaching point's own account does not hold A1), the 股室 of
    # the workflow's domain may withdraw it (county level); the township, which acted, is not told.
    assert recipients(case) == {"school_a1", "section_work"}
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(case=case, transition="receive", acting_user=everyone[Role.SCHOOL]).case
    # 整改中: the township of A1 may ask for papers, the 股室 of the workflow's domain may withdraw (county level);
    # the school, which acted, is not told of its own step; nobody of township B or of the other county is.
    assert recipients(case) == {"school_a1", "township_a", "section_work"}
    note = Notification.objects.get(case=case, user=everyone[Role.TOWNSHIP])
    assert note.kind == Kind.STEP and note.title == "【待办】东山小学整改（整改中）"
    assert "签收" in note.body and note.url == case.get_absolute_url()
    # E-mail through Django's mail backend (locmem in tests), one per recipient, in Chinese.
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert ("township_a@example.cn", "【待办】东山小学整改（整改中）") in subjects
    assert ("n_section@example.cn", "【待办】东山小学整改（整改中）") not in subjects
    # The other configured channel got the same, and nothing is delivered twice.
    assert {m.username for m in backends.outbox} == {"school_a1", "township_a", "section_work"}
    assert Notification.objects.filter(delivered_at__isnull=True).count() == 0


def test_a_refused_step_notifies_nobody(county, everyone, django_capture_on_commit_callbacks):
    case = issued(county, everyone)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        case_transition(case=case, transition="receive", acting_user=everyone["school_b1"])
    assert Notification.objects.count() == before and not mail.outbox


def test_bell_counts_unread_in_one_query_and_the_list_marks_read(county, everyone, django_capture_on_commit_callbacks):
    user = everyone[Role.SCHOOL]
    client = _client(user)

    def page_queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        bell = [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]
        return response, len(captured.captured_queries), bell

    _response, baseline, bell = page_queries()
    assert len(bell) == 1
    with django_capture_on_commit_callbacks(execute=True):
        cases = [issued(county, everyone, f"整改{i}") for i in range(4)]
    response, queries, bell = page_queries()
    assert queries == baseline and len(bell) == 1  # constant, however many notifications
    assert b'data-testid="topbar-count">4<' in response.content

    listing = client.get(reverse("notifications:list"))
    assert listing.status_code == 200 and listing.content.count(b"data-unread") == 4
    first = Notification.objects.filter(user=user, case=cases[0]).get()
    opened = client.get(reverse("notifications:open", args=[first.pk]))
    assert opened.status_code == 302 and opened["Location"] == cases[0].get_absolute_url()
    second = Notification.objects.filter(user=user, case=cases[1]).get()
    assert client.post(reverse("notifications:read", args=[second.pk])).status_code == 302
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 2
    # Someone else's notification does not exist for this user.
    other = _client(everyone["school_b1"])
    assert other.get(reverse("notifications:open", args=[first.pk])).status_code == 404
    assert other.post(reverse("notifications:read", args=[second.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert b'data-testid="topbar-count"' not in client.get(reverse("home")).content


def test_the_list_page_asks_a_constant_number_of_queries(county, everyone, django_capture_on_commit_callbacks):
    client = _client(everyone[Role.SCHOOL])
    with django_capture_on_commit_callbacks(execute=True):
        issued(county, everyone, "一")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("notifications:list"))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            issued(county, everyone, f"更多{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("notifications:list"))
    assert response.content.count(b'data-testid="notification"') == 6
    assert len(many.captured_queries) == len(one.captured_queries)


@override_settings(
    EMIS_NOTIFICATION_BACKENDS=["emis.notifications.backends.WebhookBackend"],
    EMIS_NOTIFY_WEBHOOK_URL="https://qyapi.example.invalid/cgi-bin/webhook/send?key=k",
)
def test_the_webhook_backend_posts_json(county, everyone, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(user=everyone[Role.SCHOOL], mobile="13800000000")
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = b'{"errcode":0}'
    with mock.patch("urllib.request.urlopen", return_value=response) as urlopen:
        with django_capture_on_commit_callbacks(execute=True):
            issued(county, everyone)
    assert urlopen.call_count == 3  # the 股室 (of the draft, then of the notice) and the school
    request = next(c.args[0] for c in urlopen.call_args_list if b"school_a1" in c.args[0].data)
    assert request.full_url.startswith("https://qyapi.example.invalid/") and request.get_method() == "POST"
    assert request.get_header("Content-type").startswith("application/json")
    body = json.loads(request.data.decode("utf-8"))
    assert body["msgtype"] == "text"
    assert body["text"]["content"].startswith("【待办】东山小学整改（已下发）")
    assert body["text"]["mentioned_mobile_list"] == ["13800000000"]
    assert body["emis"]["username"] == "school_a1" and body["emis"]["url"].endswith(
        Case.objects.get().get_absolute_url()
    )
    assert not mail.outbox  # e-mail is not among the configured backends here


@override_settings(
    EMIS_NOTIFICATION_BACKENDS=["emis.notifications.backends.WebhookBackend"], EMIS_NOTIFY_WEBHOOK_URL=""
)
def test_nothing_leaves_without_a_configured_url(county, everyone, django_capture_on_commit_callbacks):
    with mock.patch("urllib.request.urlopen") as urlopen, django_capture_on_commit_callbacks(execute=True):
        issued(county, everyone)
    assert urlopen.call_count == 0 and Notification.objects.count() == 3


def test_a_user_mutes_a_channel_on_the_settings_page(county, everyone, django_capture_on_commit_callbacks):
    user = everyone[Role.SCHOOL]
    client = _client(user)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200 and "电子邮件" in page.content.decode()
    assert client.post(reverse("notifications:settings"), {"channels": ["locmem"], "mobile": "123"}).status_code == 200
    response = client.post(reverse("notifications:settings"), {"channels": ["locmem"], "mobile": "13800000000"})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=user).muted == ["email"]
    with django_capture_on_commit_callbacks(execute=True):
        issued(county, everyone)
    assert "school_a1@example.cn" not in [m.to[0] for m in mail.outbox]  # muted
    assert "school_a1" in [m.username for m in backends.outbox]
    assert Notification.objects.filter(user=user).count() == 1  # the site always


def test_the_sweep_announces_due_soon_overdue_and_escalation_once(county, everyone, django_capture_on_commit_callbacks):
    case = issued(county, everyone)  # due 2021-10-20 (10 working days), due soon from 10-18
    case_b = issued(county, everyone, "乙校整改", school=county.school_b1)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(dt.date(2021, 10, 18))
        sweep(dt.date(2021, 10, 18))
    assert recipients(case) == {"school_a1", "section_work"}
    assert recipients(case_b) == {"school_b1", "section_work"}
    assert Notification.objects.get(case=case, user=everyone[Role.SCHOOL]).title == "【即将到期】东山小学整改"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep(dt.date(2021, 10, 21))
    overdue = Notification.objects.filter(kind=Kind.OVERDUE)
    assert set(overdue.values_list("user__username", flat=True)) == {"school_a1", "school_b1", "section_work"}
    escalated = Notification.objects.filter(kind=Kind.ESCALATED)
    # Escalated to the township: each township's own account and the county's actors in the workflow (股室 of its
    # domain, 局领导); not the other township, not the other county, not the city or province.
    assert set(escalated.filter(case=case).values_list("user__username", flat=True)) == {
        "township_a",
        "section_work",
        "leader",
    }
    assert set(escalated.filter(case=case_b).values_list("user__username", flat=True)) == {
        "township_b",
        "section_work",
        "leader",
    }
    # One e-mail per user for the sweep (grouped), in Chinese.
    to_leader = [m for m in mail.outbox if m.to == ["leader@example.cn"]]
    assert len(to_leader) == 1 and to_leader[0].subject == "【时限提醒】您有2件办件需要关注"
    count = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        sweep(dt.date(2021, 10, 21))
        sweep(dt.date(2021, 10, 22))
    assert Notification.objects.count() == count  # announced once
    assert CaseAlert.objects.filter(case=case).count() == 3


def test_the_digest_is_sent_once_per_user_and_day_in_chinese(county, everyone):
    issued(county, everyone)
    issued(county, everyone, "乙校整改", school=county.school_b1)
    sweep(dt.date(2021, 10, 21))
    call_command("work_digest", day=dt.date(2021, 10, 21))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["school_a1@example.cn"] == "【每日待办】2021年10月21日：1件已逾期，0件即将到期"
    assert "东山小学整改" in next(m.body for m in mail.outbox if m.to == ["school_a1@example.cn"])
    assert "n_school@example.cn" not in subjects and "city@example.cn" not in subjects
    sent = len(mail.outbox)
    call_command("work_digest", day=dt.date(2021, 10, 21))
    from emis.notifications.tasks import send_digest_task

    send_digest_task.enqueue("2021-10-21")
    assert len(mail.outbox) == sent
    assert DigestSent.objects.filter(day=dt.date(2021, 10, 21)).count() == sent
    NotificationSettings.objects.create(user=everyone[Role.SCHOOL], digest=False)
    call_command("work_digest", day=dt.date(2021, 10, 22))
    assert "school_a1@example.cn" not in {m.to[0] for m in mail.outbox[sent:]}


def test_evidence_step_notifies_the_issuer_side(county, everyone, django_capture_on_commit_callbacks):
    case = issued(county, everyone)
    case = case_transition(case=case, transition="receive", acting_user=everyone[Role.SCHOOL]).case
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(
            case=case,
            transition="report",
            acting_user=everyone[Role.SCHOOL],
            values={"summary": "已整改"},
            attachments=[photo()],
        )
    # 已报送整改: the township of A1 and the county's 股室 of the domain verify; the school waits.
    assert recipients(case) == {"township_a", "section_work"}
