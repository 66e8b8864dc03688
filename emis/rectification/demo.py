"""The demo county's 整改通知书 (emis load_demo, through the demo's "apps contribute demo data" hook): notices of
通山县 in every state — drafts, issued, being rectified (some overdue), reported, sent back, accepted, withdrawn —
issued by the demo 股室 account to schools across the townships (迎宾路小学, the demo school account's, among them),
all through the services, so every step has its timeline, audit and numbered .docx. Deterministic: the same schools,
findings and steps each time; the dates count back from today (or from the last day the working-day calendar knows)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from emis.core import access

from .apps import DOMAIN

FINDINGS = (
    ("critical", "消防通道堆放杂物，安全出口指示灯损坏", "立即清理通道，更换指示灯"),
    ("serious", "食堂从业人员健康证过期，留样记录不全", "补办健康证，完善48小时留样记录"),
    ("general", "学生作业量公示栏未按要求更新", "每周更新作业公示"),
    ("serious", "校门口未设置防冲撞设施", "安装防冲撞隔离桩"),
    ("general", "图书室借阅登记不规范", "规范借阅登记台账"),
    ("critical", "教学楼二楼护栏松动", "立即加固护栏并设置警示"),
    ("general", "课后服务未公示收费标准", "按规定公示课后服务事项"),
)
TITLES = ("春季开学工作专项督查", "校园安全专项督查", "“双减”工作专项督查", "食品安全专项督查")

# (key, what happens to it): the steps each demo notice goes through; the number is days before the base day it was
# issued (working days), and its limit.
PLAN = (
    ("draft", 0, 20),
    ("draft", 0, 15),
    ("issued", 2, 10),
    ("issued_overdue", 16, 10),
    ("rectifying", 4, 15),
    ("rectifying_overdue", 25, 15),
    ("rectifying_overdue", 22, 10),
    ("reported", 12, 15),
    ("reported_late", 20, 10),
    ("sent_back", 18, 15),
    ("accepted", 30, 15),
    ("accepted", 24, 10),
    ("accepted_after_redo", 40, 10),
    ("withdrawn", 8, 10),
)


REACH = 12  # working days: the latest deadline of PLAN after the base day (issued 2 days before with 10 ...)


def section_domains() -> list[str]:
    """The demo 股室 account issues and verifies the notices."""
    return [DOMAIN]


def _base_day():
    """Today, or (today past the calendar's known years) the last December the calendar knows."""
    from emis.work.calendar import CalendarUnknown, WorkCalendar

    today = timezone.localdate()
    for base in (today, *(dt.date(year, 12, 10) for year in range(today.year - 1, 2004, -1))):
        try:
            # The furthest any demo deadline reaches past the base day (see PLAN).
            WorkCalendar().add(base, REACH)
            return base
        except CalendarUnknown:
            continue
    raise CalendarUnknown("no year of the working-day calendar is known")


def _schools(county_code: str, count: int) -> list:
    from emis.demo.loader import SCHOOL_ACCOUNT_SCHOOL
    from emis.orgs.models import School

    schools = list(
        School.objects.filter(township__code__startswith=county_code, category__in=("primary", "junior", "nine_year"))
        .select_related("township")
        .order_by("code")
    )
    first = [s for s in schools if s.name == SCHOOL_ACCOUNT_SCHOOL]
    # Spread over the townships: every n-th school of the county, in code order.
    step = max(1, len(schools) // count)
    picked = [s for s in schools[::step] if s not in first][: count - len(first)]
    # The school account's school takes the plan's first 整改中 notice: its 待办 has a notice to answer.
    at = next(i for i, (kind, _back, _days) in enumerate(PLAN) if kind == "rectifying")
    return picked[:at] + first + picked[at:]


def _photo(n: int):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (120 + 15 * (n % 8), 110, 100 + 10 * (n % 5)))
    ImageDraw.Draw(image).rectangle((40, 40, 280, 200), outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return ContentFile(out.getvalue(), name=f"现场照片{n}.jpg")


def load(county, log) -> dict[str, int]:
    """Contribute the demo notices to ``county`` (once: nothing is added when some exist). 通山县's are issued by the
    demo 股室 account, and one goes to the demo school account's school; the other county's by a demo 股室 account of
    its own (no usable password), over the first part of the plan."""
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.work.calendar import WorkCalendar
    from emis.work.deadlines import sweep
    from emis.work.models import Case

    from . import services
    from .models import Notice

    if Notice.objects.filter(school__township__code__startswith=county.code).exists():
        return {}
    if county.key == TONGSHAN.key:
        issuer = User.objects.filter(username="section").first()
        plan = PLAN
    else:
        issuer, plan = _section_account(county), PLAN[: len(PLAN) // 2 + 1]
    school_user = User.objects.filter(username="school").first()
    if issuer is None or school_user is None:
        return {}
    calendar = WorkCalendar()
    base = _base_day()
    schools = _schools(county.code, len(plan))
    photo_no = 0
    counts: dict[str, int] = {}
    with transaction.atomic():
        for index, ((kind, back, days), school) in enumerate(zip(plan, schools, strict=False)):
            issued_on = calendar.subtract(base, back) if back else base
            findings = [FINDINGS[(index + k) % len(FINDINGS)] for k in range(1 + index % 3)]
            items = []
            for severity, finding, requirement in findings:
                photo_no += 1
                items.append(
                    {"severity": severity, "finding": finding, "requirement": requirement, "photo": _photo(photo_no)}
                )
            notice = services.notice_draft(
                school=school,
                title=TITLES[index % len(TITLES)],
                inspected_on=calendar.subtract(issued_on, 3),
                basis="",
                days=days,
                responsible=f"{school.name[-4:]}校长",
                responsible_phone="0715-2342000",
                acting_user=issuer,
                items=items,
                today=issued_on,
            )
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "draft":
                continue
            notice = services.notice_issue(notice=notice, acting_user=issuer, today=issued_on)
            _backdate(Notice, notice, issued_on)
            if kind.startswith("issued"):
                continue
            # The school at hand: the demo school account for its own school, else an account made for the demo.
            actor = school_user if access.covers(school_user, school=school) else _school_account(school)
            received_on = calendar.add(issued_on, 1)
            if kind == "withdrawn":
                services.notice_step(
                    notice=notice,
                    transition="withdraw",
                    acting_user=issuer,
                    values={"reason": "该校已撤并，问题转由新校整改"},
                    comment="该校已撤并，问题转由新校整改",
                    today=received_on,
                )
                continue
            notice = services.notice_step(notice=notice, transition="receive", acting_user=actor, today=received_on)
            if kind.startswith("rectifying"):
                continue
            late = kind == "reported_late"
            reported_on = min(base, calendar.add(issued_on, days + 3 if late else max(1, days - 3)))
            notice = _report(services, notice, actor, reported_on, photo_no)
            photo_no += 10
            if kind.startswith("reported"):
                continue
            verified_on = min(base, calendar.add(reported_on, 2))
            items = list(notice.items.order_by("number"))
            if kind in ("sent_back", "accepted_after_redo"):
                verdicts = {item.pk: {"accepted": True} for item in items}
                verdicts[items[-1].pk] = {"accepted": False, "note": "整改照片未反映整改后情况，请补拍"}
                notice = services.notice_verify(
                    notice=notice, acting_user=issuer, verdicts=verdicts, days=5, today=verified_on
                )
                if kind == "sent_back":
                    continue
                redo_on = min(base, calendar.add(verified_on, 3))
                notice = _report(services, notice, actor, redo_on, photo_no)
                photo_no += 10
                verified_on = min(base, calendar.add(redo_on, 1))
                items = services.open_items(notice)
            notice = services.notice_verify(
                notice=notice,
                acting_user=issuer,
                verdicts={item.pk: {"accepted": True} for item in items},
                today=verified_on,
            )
            # The engine stamps closing with the clock's time; the demo's history happened on its own days.
            Case.objects.filter(pk=notice.case_id).update(closed_at=_at(verified_on, 16))
        sweep(today=base)
    total = sum(counts.values())
    log(f"  rectification notices{total:>8,}  ({', '.join(f'{k} {n}' for k, n in counts.items())})")
    return {"rectification notices": total}


def _at(day: dt.date, hour: int):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _backdate(model, notice, day: dt.date) -> None:
    model.objects.filter(pk=notice.pk).update(issued_at=_at(day, 9))


def _report(services, notice, actor, day, photo_no):
    answers = {
        item.pk: {"answer": f"已按要求整改：{item.requirement or '已整改到位'}", "photos": [_photo(photo_no + n)]}
        for n, item in enumerate(services.open_items(notice))
    }
    return services.notice_report(notice=notice, acting_user=actor, answers=answers, today=day)


def _section_account(county):
    """A demo 股室 account of ``county`` that issues its notices (no usable password: nobody logs in with it)."""
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.orgs.models import Division

    user = User.objects.filter(username=f"demo-section-{county.code}").first()
    if user is None:
        user = User(
            username=f"demo-section-{county.code}",
            role=Role.SECTION,
            display_name=f"{county.name}教育局督导室（演示）",
            domains=[DOMAIN],
        )
        user.set_unusable_password()
        user.save()
    user.divisions.set([Division.objects.get(code=county.code)])
    return user


def _school_account(school):
    """A demo account for a school that answers a notice (no usable password: nobody logs in with it)."""
    from emis.accounts.models import User
    from emis.core.access import Role

    user = User.objects.filter(username=f"demo-school-{school.code}").first()
    if user is None:
        user = User(username=f"demo-school-{school.code}", role=Role.SCHOOL, display_name=f"{school.name}（演示）")
        user.set_unusable_password()
        user.save()
    user.schools.set([school])
    return user


def wipe(county, log) -> dict[str, int]:
    """Delete the county's notices and their cases (steps, clocks, files, numbers) before its schools go."""
    from emis.work.cleanup import delete_cases

    from .models import Item, Notice

    notices = Notice.objects.filter(school__township__code__startswith=county.code)
    case_ids = list(notices.values_list("case_id", flat=True))
    if not case_ids:
        return {}
    counts = {}
    photos = Item.answer_photos.through.objects.filter(item__notice__in=notices)
    photos._raw_delete(photos.db)
    items = Item.objects.filter(notice__in=notices)
    counts["rectification items"] = items._raw_delete(items.db)
    counts["rectification notices"] = notices._raw_delete(notices.db)
    counts["rectification cases"] = delete_cases(case_ids)
    log(f"  deleted {'rectification notices':<20}{counts['rectification notices']:>8,}")
    return counts
