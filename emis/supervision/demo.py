"""The demo county's 教育督导 (emis load_demo, through the demo's "apps contribute demo data" hook).

For 通山县 the seed's figures come out of rows entered the way the county enters them:

- 督学: 3 特约, 12 专职 and 12 兼职 (counted by selectors.inspectors_by_kind); the demo ``inspector`` account is the
  first 专职督学, and its 责任区 is the account's schools; the other 专职 and 兼职 督学 share the county's other
  schools (compulsory and senior schools, and the public kindergartens) in township order, about five each;
- the current term's 挂牌督导 plan and visits: a visit in each month that is over for most schools, some schools
  missing a month and a few with none (the 达标 page's "缺督导"); some findings went into 整改通知书 (issued by the
  demo 股室 account), some closed, some still open and overdue;
- 2019: 24 kindergartens assessed on the 办园行为督导评估 checklist (scores and results from their answers), the
  failing items' notices followed to 验收; 37 urban kindergartens in the 城镇小区配套园治理 campaign, each with a
  notice followed to 验收;
- 2021: 22 义务教育质量监测 pilot schools (a campaign of kind 质量监测), inspected and signed off;
- the current term's 五项管理 self-check: every compulsory school a target, most filled in (some failing an area),
  some not yet; the demo 局领导 is 挂点包片 for two townships, demo leader accounts for the others.

Deterministic; nothing is added when the county's 督学 are there."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .apps import DOMAIN, VISITS_DOMAIN

SPECIAL, FULL_TIME, PART_TIME = 3, 12, 12
KG_ASSESSED_2019 = 24
KG_ESTATE_2019 = 37
MONITORING_2021 = 22
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = ("建华", "志强", "秀英", "丽华", "国平", "海燕", "文斌", "红梅", "明亮", "春兰", "德华", "俊杰", "晓燕", "永刚")
COMPULSORY = ("primary", "junior", "nine_year", "twelve_year", "complete_secondary")


def section_domains() -> list[str]:
    """The demo 股室 account keeps the 督学 registry and issues the visits' notices."""
    return [DOMAIN, VISITS_DOMAIN]


def _name(i: int) -> str:
    return SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 5) % len(GIVEN)]


def _photo(n: int):
    from emis.rectification.demo import _photo as photo

    return photo(n)


def _county_schools(county):
    from emis.orgs.models import School

    return School.objects.filter(
        township__code__startswith=county.code, parent__isnull=True, closed_on__isnull=True
    ).exclude(category="teaching_point")


def _leader_accounts(county, townships):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.orgs.models import Division

    leaders = []
    demo_leader = User.objects.filter(username="leader").first()
    county_division = Division.objects.get(code=county.code)
    for i in range((len(townships) + 1) // 2):
        if i == 0 and demo_leader is not None:
            leaders.append(demo_leader)
            continue
        username = f"demo-leader-{county.code}-{i}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=Role.LEADER, display_name=f"{_name(100 + i)}（局领导，演示）")
            user.set_unusable_password()
            user.save()
            user.divisions.set([county_division])
        leaders.append(user)
    return leaders


def _registry(county, admin, start):
    from emis.accounts.models import User
    from emis.demo.loader import INSPECTOR_SCHOOLS

    from . import services
    from .models import Inspector

    account = User.objects.filter(username="inspector").first()
    own_schools = list(account.schools.order_by("code")) if account is not None else []
    if not own_schools:
        own_schools = list(_county_schools(county).filter(name__in=INSPECTOR_SCHOOLS))
    inspectors = []
    units = ("县人大代表", "县政协委员", "退休中学校长")
    for i in range(SPECIAL):
        inspectors.append(
            Inspector(
                name=_name(i), kind="special", unit=units[i], start_date=dt.date(2018, 3, 1), phone=f"1397150{i:04d}"
            )
        )
    for i in range(FULL_TIME):
        inspectors.append(
            Inspector(
                name="责任督学（演示）" if i == 0 else _name(10 + i),
                kind="full_time",
                unit="通山县人民政府教育督导室",
                user=account if i == 0 else None,
                start_date=dt.date(2017, 9, 1),
                certificate_no=f"鄂督{2017}{i + 1:03d}",
                phone=f"1387150{i:04d}",
            )
        )
    for i in range(PART_TIME):
        inspectors.append(
            Inspector(
                name=_name(40 + i),
                kind="part_time",
                unit="通山县教育局",
                start_date=dt.date(2019, 9, 1),
                certificate_no=f"鄂督{2019}{i + 1:03d}",
                phone=f"1357150{i:04d}",
            )
        )
    for inspector in inspectors:
        inspector.county_code = county.code
        services.inspector_save(inspector=inspector, acting_user=admin)
    # 责任区: the demo account's schools to the first 专职督学; the others in township order, about five each.
    zoned = [i for i in inspectors if i.kind != "special"]
    first, others = zoned[0], zoned[1:]
    for school in own_schools:
        services.assignment_start(inspector=first, school=school, start_date=start, acting_user=admin)
    rest = list(
        _county_schools(county)
        .exclude(pk__in=[s.pk for s in own_schools])
        .filter(Q(category__in=(*COMPULSORY, "senior")) | Q(category="kindergarten", ownership="public"))
        .select_related("township")
        .order_by("township__code", "category", "code")
    )
    per = -(-len(rest) // len(others))  # ceiling: the last ones take fewer
    for index, school in enumerate(rest):
        services.assignment_start(inspector=others[index // per], school=school, start_date=start, acting_user=admin)
    return inspectors


def _visits(county, admin, section, today):
    from emis.accounts.models import User

    from . import services, terms
    from .models import Assignment

    year, term = terms.term_of(today)
    months = [m for m in terms.term_months(year, term) if m <= today]
    services.plan_generate(year=year, term=term, acting_user=admin)
    account = User.objects.filter(username="inspector").first()
    assignments = list(
        Assignment.objects.filter(school__township__code__startswith=county.code, end_date__isnull=True)
        .select_related("inspector", "school")
        .order_by("school__code")
    )
    visits = notices = 0
    photo = 500
    matters = ("management", "admission", "curriculum", "teaching", "ethics", "workload", "safety", "ethos")
    issues = (
        ("消防器材部分过期，未按月检查记录", "serious", "更换过期器材，建立月检记录"),
        ("课后作业公示不全，个别班级书面作业量偏大", "general", "按“双减”要求公示作业，控制书面作业总量"),
        ("校门口护学岗上下学时段人员不足", "serious", "落实护学岗值守人员和时段"),
        ("食堂留样记录不完整", "general", "按规定留样并完整登记"),
    )
    for index, assignment in enumerate(assignments):
        own = account is not None and assignment.inspector.user_id == account.pk
        if not own and index % 17 == 3:
            continue  # no visit this term yet
        for m_index, month in enumerate(months):
            last_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            over = last_day < today
            if not over and index % 3:
                continue  # the month under way: a few visits so far
            if not own and (
                (index % 9 == 4 and month.month in (10, 4)) or (index % 13 == 7 and month.month in (11, 5))
            ):
                continue  # a month missed
            day = month.replace(day=min(5 + index % 20, 28))
            if day > today:
                day = today
            findings = []
            issue_no = index + m_index
            if issue_no % 6 == 0:
                text, severity, requirement = issues[issue_no % len(issues)]
                findings.append(
                    {"text": text, "severity": severity, "requirement": requirement, "must_change": issue_no % 12 == 0}
                )
            visit = services.visit_record(
                school=assignment.school,
                inspector=assignment.inspector,
                visited_on=day,
                kind="regular" if m_index % 3 else "random",
                methods=["patrol", "records"] if index % 2 else ["lessons", "interviews", "patrol"],
                matters=[matters[(index + k) % len(matters)] for k in range(3)],
                summary=f"{month.month}月挂牌督导：巡视校园，查阅资料，与师生座谈。",
                findings=findings,
                acting_user=account if own else admin,
                client_token=f"demo-visit-{county.code}-{assignment.pk}-{month:%Y%m}",
                today=today,
            )
            visits += 1
            if findings and findings[0]["must_change"] and day <= today - dt.timedelta(days=10):
                issued_on = day + dt.timedelta(days=2)
                notice = services.visit_notice(visit=visit, acting_user=section or admin, days=15, today=issued_on)
                notices += 1
                if notices % 2 == 0:
                    _close(notice, section or admin, issued_on, photo, limit=today)
                    photo += 5
    return visits, notices


def _school_actor(school):
    from emis.rectification.demo import _school_account

    return _school_account(school)


def _close(notice, issuer, issued_on, photo, *, limit=None):
    """签收, 报送整改 with a photo per item, 验收: the notice followed to the end."""
    from emis.rectification import services as rectification
    from emis.work.models import Case

    actor = _school_actor(notice.school)
    day = issued_on + dt.timedelta(days=1)
    notice = rectification.notice_step(notice=notice, transition="receive", acting_user=actor, today=day)
    reported = issued_on + dt.timedelta(days=7)
    if limit is not None:
        reported = min(reported, limit)
    answers = {
        item.pk: {"answer": f"已按要求整改：{item.requirement or '已整改到位'}", "photos": [_photo(photo + n)]}
        for n, item in enumerate(rectification.open_items(notice))
    }
    notice = rectification.notice_report(notice=notice, acting_user=actor, answers=answers, today=reported)
    verified = reported + dt.timedelta(days=2) if limit is None else min(reported + dt.timedelta(days=2), limit)
    notice = rectification.notice_verify(
        notice=notice,
        acting_user=issuer,
        verdicts={item.pk: {"accepted": True} for item in rectification.open_items(notice)},
        today=verified,
    )
    # The steps are stamped with the real time; the story's days go on the record's dates, both ends alike, so the
    # summary's days from 下发 to 验收 are the story's (rectification's demo does the same).
    Case.objects.filter(pk=notice.case_id).update(
        closed_at=timezone.make_aware(dt.datetime.combine(verified, dt.time(16)))
    )
    type(notice).objects.filter(pk=notice.pk).update(
        issued_at=timezone.make_aware(dt.datetime.combine(issued_on, dt.time(9)))
    )
    return notice


KG_PATTERNS = (
    {},
    {"kg_c3": False},
    {"kg_e2": False, "kg_t2": False},
    {},
    {"kg_c1": 1.6, "kg_s3": False},
    {"kg_c3": False, "kg_e2": False, "kg_t2": False, "kg_m2": False},  # 基本合格
)
KG_ALL_PASS = {
    "kg_c1": 3.2, "kg_c2": True, "kg_c3": True, "kg_s1": True, "kg_s2": True, "kg_s3": True, "kg_s4": True,
    "kg_e1": True, "kg_e2": True, "kg_e3": 30, "kg_t1": 100, "kg_t2": True, "kg_m1": True, "kg_m2": True,
}  # fmt: skip


def _campaign(name, kind, version, schools, starts_on, ends_on, admin, answers_of, token, *, close=True, sign=True):
    from emis.inspections.models import Target
    from emis.inspections.services import campaign_create, inspection_sign_off, inspection_submit

    campaign = campaign_create(
        name=name, kind=kind, version=version, targets=schools, starts_on=starts_on, ends_on=ends_on, acting_user=admin
    )
    targets = {t.school_id: t for t in Target.objects.filter(campaign=campaign)}
    signed = 0
    photo = 900
    for index, school in enumerate(schools):
        answers, actor = answers_of(index, school)
        if answers is None:
            continue
        day = starts_on + dt.timedelta(days=index % max(1, (ends_on - starts_on).days))
        inspection = inspection_submit(
            target=targets[school.pk],
            answers=answers,
            client_token=f"{token}-{school.code}",
            inspected_on=day,
            acting_user=actor or admin,
            today=day,
        )
        if not (sign(answers) if callable(sign) else sign):
            continue
        inspection = inspection_sign_off(inspection=inspection, acting_user=admin, today=day)
        signed += 1
        if close and inspection.notice_id is not None:
            _close(inspection.notice, admin, day, photo)
            photo += 5
    return campaign, signed


def _engine(county, admin, today):
    from emis.orgs.models import School

    from . import engine, terms

    versions = engine.publish_templates(acting_user=admin)
    kindergartens = _county_schools(county).filter(category="kindergarten")
    opened_2019 = kindergartens.filter(Q(opened_on__isnull=True) | Q(opened_on__lt=dt.date(2019, 9, 1)))
    assessed = list(opened_2019.order_by("-ownership", "code")[:KG_ASSESSED_2019])  # public (公办) first

    def kg_answers(index, school):
        return {**KG_ALL_PASS, **KG_PATTERNS[index % len(KG_PATTERNS)]}, None

    _campaign(
        "2019年幼儿园办园行为督导评估",
        "assessment",
        versions[engine.KG_ASSESSMENT],
        assessed,
        dt.date(2019, 10, 8),
        dt.date(2019, 11, 29),
        admin,
        kg_answers,
        "demo-kg2019",
    )
    urban_first = sorted(opened_2019, key=lambda s: ({"urban": 0, "town": 1}.get(s.urban_rural, 2), s.code))[
        :KG_ESTATE_2019
    ]

    def estate_answers(index, school):
        return {"es_1": True, "es_2": index % 3 != 0, "es_3": index % 3 == 0}, None

    _campaign(
        "2019年城镇小区配套幼儿园治理专项督查",
        "special",
        versions[engine.KG_ESTATE],
        urban_first,
        dt.date(2019, 5, 6),
        dt.date(2019, 6, 28),
        admin,
        estate_answers,
        "demo-estate2019",
    )
    pilots = list(
        _county_schools(county)
        .filter(category__in=COMPULSORY)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lt=dt.date(2021, 1, 1)))
        .order_by("township__code", "code")
    )
    step = max(1, len(pilots) // MONITORING_2021)
    pilots = pilots[::step][:MONITORING_2021]

    def monitoring_answers(index, school):
        return {"qm_1": True, "qm_2": 98 if index % 5 else 96, "qm_3": True, "qm_4": True}, None

    _campaign(
        "2021年国家义务教育质量监测",
        "monitoring",
        versions[engine.MONITORING],
        pilots,
        dt.date(2021, 5, 24),
        dt.date(2021, 5, 28),
        admin,
        monitoring_answers,
        "demo-monitoring2021",
    )
    year, term = terms.term_of(today)
    start, end = terms.term_bounds(year, term)
    compulsory = list(
        School.objects.filter(pk__in=_county_schools(county).filter(category__in=COMPULSORY)).order_by("code")
    )
    five_pass = {
        "fm_phone1": True, "fm_phone2": True, "fm_sleep1": True, "fm_sleep2": 94, "fm_read1": True,
        "fm_read2": True, "fm_fit1": True, "fm_fit2": 93, "fm_hw1": True, "fm_hw2": 55,
    }  # fmt: skip
    self_check_day = min(today, start + dt.timedelta(days=50))

    def five_answers(index, school):
        if index % 7 == 5:
            return None, None  # not done yet
        answers = dict(five_pass)
        if index % 5 == 1:
            answers["fm_sleep2"] = 82
        if index % 8 == 3:
            answers["fm_hw2"] = 100
        if index % 11 == 2:
            answers["fm_phone2"] = False
        return answers, _school_actor(school)

    _campaign(
        f"{terms.term_label(year, term)}五项管理自查",
        "self_check",
        versions[engine.FIVE],
        compulsory,
        self_check_day - dt.timedelta(days=1) if self_check_day > start else start,
        end,
        admin,
        lambda index, school: five_answers(index, school),
        f"demo-five-{year}{term}",
        # The county has signed off the clean self-checks; those with a failed area wait in the 股室's 待办 (signing
        # them opens notices, whose deadlines may run into a year the working-day calendar does not know yet).
        sign=lambda answers: answers == five_pass,
    )
    return {"kindergartens assessed 2019": len(assessed), "urban kindergartens 2019": len(urban_first)}


def load(county, log) -> dict[str, int]:
    """Contribute 通山县's 督导 (once: nothing is added when its 督学 are there)."""
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.orgs.choices import DivisionLevel
    from emis.orgs.models import Division
    from emis.work.calendar import CalendarUnknown
    from emis.work.deadlines import sweep

    from . import services, terms
    from .models import Assignment, Inspector, LeaderPost, Visit

    if county.key != TONGSHAN.key:
        return {}
    if Inspector.objects.filter(county_code=county.code).exists():
        return {}
    admin = User.objects.filter(username="admin").first()
    section = User.objects.filter(username="section").first()
    if admin is None:
        return {}
    today = timezone.localdate()
    year, term = terms.term_of(today)
    start = terms.term_bounds(year, term)[0]
    with transaction.atomic():
        _registry(county, admin, start)
        visits, notices = _visits(county, admin, section, today)
        townships = list(
            Division.objects.filter(code__startswith=county.code, level=DivisionLevel.TOWNSHIP).order_by("code")
        )
        leaders = _leader_accounts(county, townships)
        for index, township in enumerate(townships):
            post = LeaderPost(leader=leaders[index // 2], township=township, start_date=dt.date(year, 9, 1))
            services.leader_post_save(post=post, acting_user=admin)
        figures = _engine(county, admin, today)
        try:
            sweep(today=today)
        except CalendarUnknown:
            pass
    counts = {
        "inspectors": Inspector.objects.filter(county_code=county.code).count(),
        "zone schools": Assignment.objects.filter(school__township__code__startswith=county.code).count(),
        "visits": Visit.objects.filter(school__township__code__startswith=county.code).count(),
        "visit notices": notices,
        **figures,
    }
    log("  supervision" + "".join(f"  {label} {n:,}" for label, n in counts.items()))
    del visits
    return counts


def wipe(county, log) -> dict[str, int]:
    """Delete the county's 督导 rows, and the campaigns of this app's checklists with their inspections and cases
    (the notices are the rectification app's, which deletes the county's)."""
    from emis.inspections.models import Answer, Campaign, Finding, Inspection, Target
    from emis.work.cleanup import delete_cases

    from . import engine
    from .models import Assignment, Inspector, LeaderPost, Visit, VisitFinding, VisitPlan

    counts: dict[str, int] = {}
    inside = {"school__township__code__startswith": county.code}
    findings = VisitFinding.objects.filter(visit__school__township__code__startswith=county.code)
    counts["visit findings"] = findings._raw_delete(findings.db)
    for model in (Visit, VisitPlan, Assignment):
        rows = model.objects.filter(**inside)
        counts[model._meta.model_name] = rows._raw_delete(rows.db)
    posts = LeaderPost.objects.filter(township__code__startswith=county.code)
    counts["leader posts"] = posts._raw_delete(posts.db)
    inspectors = Inspector.objects.filter(county_code=county.code)
    counts["inspectors"] = inspectors._raw_delete(inspectors.db)
    campaigns = Campaign.objects.filter(county_code=county.code, version__template__code__in=list(engine.TEMPLATES))
    inspections = Inspection.objects.filter(target__campaign__in=campaigns)
    case_ids = list(inspections.values_list("case_id", flat=True))
    for rows in (
        Answer.photos.through.objects.filter(answer__inspection__in=inspections),
        Answer.objects.filter(inspection__in=inspections),
        Finding.objects.filter(inspection__in=inspections),
    ):
        rows._raw_delete(rows.db)
    counts["inspections"] = inspections._raw_delete(inspections.db)
    delete_cases(case_ids)
    targets = Target.objects.filter(campaign__in=campaigns)
    Target.inspectors.through.objects.filter(target__in=targets)._raw_delete(targets.db)
    targets._raw_delete(targets.db)
    counts["campaigns"] = campaigns._raw_delete(campaigns.db)
    return counts
