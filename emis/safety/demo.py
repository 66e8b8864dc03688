"""The demo county's campus safety (emis load_demo, through the demo's "apps contribute demo data" hook).

For 通山县 the seed's figures come out of the rows entered here, the way a county enters them, never stored:

- 4个100%: every school's facts (封闭化管理, 一键式报警 linked to the police, 视频监控 with 雪亮工程, 护学岗) and its
  licensed full-time guards, as many as the Hubei rule asks from its rolls (the most of 2019, 2020 and today): 100%
  at the end of 2020; in 2019 one school short (its alarm out of order from 2019-11-20, repaired 2020-03-10: a fact
  superseded by a later one). 187 guards are paid by the 一村一辅 village security posts, one per school by the county.
- 校舍: 99,874 ㎡ of D-grade buildings eliminated over 2016–2020 (four buildings a year, half demolished, half
  reinforced and appraised B), some A/B stock, two C-grade buildings and one D building appraised this year.
- 校车: 146 national-standard buses in service at the end of 2020 (with 14 others retired in 2021) and 184 of 190
  filed with the traffic police at the end of 2021; a driver each.
- Expiry alerts: the sweep run on a few past days and today opens alerts; some are overdue, one was handled.

Deterministic; nothing is added when the county's guards are there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .apps import DOMAIN

VILLAGE_POSTS = 187
D_ELIMINATED = {2016: 18326, 2017: 21540, 2018: 24812, 2019: 20396, 2020: 14800}  # 99,874 ㎡
NATIONAL_2020, OTHERS_2020, NEW_2021, UNFILED_2021 = 146, 14, 44, 6
SHORT_SCHOOL_INDEX = 0  # the school whose alarm was out of order at the end of 2019
FACTS_FROM = dt.date(2018, 9, 1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国华明军强伟平勇刚斌涛峰磊超波辉俊杰文武志红春生海林"


def section_domains() -> list[str]:
    """The demo 股室 account keeps the county's safety registers and handles its alerts."""
    return [DOMAIN]


def _name(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + (GIVEN[(i * 3 + 1) % len(GIVEN)] if i % 3 else "")
    )


def _schools(county):
    from emis.orgs.models import School

    return list(
        School.objects.filter(township__code__startswith=county.code)
        .exclude(category="teaching_point")
        .select_related("township")
        .order_by("township__code", "code")
    )


def _start(school, day: dt.date) -> dt.date:
    return max(day, school.opened_on) if school.opened_on else day


def _facts(schools) -> int:
    from .models import SafetyFact

    rows = 0
    for index, school in enumerate(schools):
        start = _start(school, FACTS_FROM)
        SafetyFact.objects.create(school=school, kind="closed", effective_on=start, evidence="封闭化管理验收表")
        SafetyFact.objects.create(
            school=school,
            kind="video",
            effective_on=start,
            linked_to_police=True,
            channels=8 + (index % 5) * 4,
            xueliang=True,
            retention_days=30,
            evidence="视频监控验收单",
        )
        SafetyFact.objects.create(
            school=school, kind="patrol", effective_on=_start(school, dt.date(2019, 3, 1)), evidence="护学岗排班表"
        )
        alarm_from = _start(school, dt.date(2019, 3, 1))
        SafetyFact.objects.create(
            school=school,
            kind="alarm",
            effective_on=alarm_from,
            linked_to_police=True,
            tested_on=alarm_from,
            evidence="一键式报警联网测试记录",
        )
        rows += 4
        if index == SHORT_SCHOOL_INDEX and alarm_from < dt.date(2019, 11, 20):
            SafetyFact.objects.create(
                school=school,
                kind="alarm",
                effective_on=dt.date(2019, 11, 20),
                in_place=False,
                linked_to_police=True,
                note="报警主机故障，待维修",
            )
            SafetyFact.objects.create(
                school=school,
                kind="alarm",
                effective_on=dt.date(2020, 3, 10),
                linked_to_police=True,
                tested_on=dt.date(2020, 3, 10),
                evidence="维修后联网测试记录",
            )
            rows += 2
    return rows


def _guards(schools, admin, today) -> int:
    from . import selectors
    from .models import Guard

    need = {school.pk: 0 for school in schools}
    for day in (dt.date(2019, 12, 31), dt.date(2020, 12, 31), today):
        for row in selectors.compliance(admin, day, schools=schools).rows:
            need[row["school"].pk] = max(need[row["school"].pk], row["required"])
    # One county-funded guard per school; the others paid by the 一村一辅 posts (187 in all), then by the school.
    # The village posts go to the schools open at the end of 2020 first (so the 187 are in post then).
    end_2020 = dt.date(2020, 12, 31)
    open_2020 = {school.pk for school in selectors.schools_on(admin, end_2020).filter(pk__in=[s.pk for s in schools])}
    others = [(school, n) for school in schools for n in range(max(need[school.pk], 2) - 1)]
    others.sort(key=lambda item: item[0].pk not in open_2020)
    extra = max(0, VILLAGE_POSTS - len([o for o in others if o[0].pk in open_2020]))
    posts = [s for s in schools if s.pk in open_2020] or schools
    others[:0] = [(posts[i % len(posts)], 0) for i in range(extra)]
    counter = 0

    def add(school, funding):
        nonlocal counter
        counter += 1
        Guard.objects.create(
            school=school,
            name=_name(counter),
            full_time=True,
            licence_no=f"鄂公保{2018000 + counter}",
            birth_date=dt.date(1968 + counter % 22, 1 + counter % 12, 1 + counter % 28),
            employer="通山县保安服务有限公司",
            funding=funding,
            started_on=_start(school, FACTS_FROM),
        )

    for school in schools:
        add(school, "county")
    for index, (school, _n) in enumerate(others):
        add(school, "village_post" if index < VILLAGE_POSTS else "school")
    return counter


def _split(total: int, parts: int = 4) -> list[int]:
    shares = [31, 27, 24]
    areas = [total * share // 100 for share in shares[: parts - 1]]
    return [*areas, total - sum(areas)]


def _buildings(schools, today) -> int:
    from .models import Appraisal, Building

    body = "咸宁市房屋安全鉴定中心"
    teaching = [s for s in schools if s.category != "kindergarten"] or schools
    rows = 0
    index = 0
    for year, total in D_ELIMINATED.items():
        for part, area in enumerate(_split(total)):
            school = teaching[index % len(teaching)]
            index += 1
            demolished = part % 2 == 0
            fate_on = dt.date(year, 3 + part * 2, 15)
            building = Building.objects.create(
                school=school,
                name=f"{'旧教学楼' if demolished else '学生宿舍楼'}{index}号",
                area=Decimal(area),
                year_built=1975 + index % 15,
                structure="brick_wood" if demolished else "masonry",
                floors=2 + index % 2,
                use="teaching" if demolished else "dormitory",
                fate="demolished" if demolished else "reinforced",
                fate_on=fate_on,
            )
            Appraisal.objects.create(
                building=building,
                grade="D",
                appraised_on=dt.date(year - 1, 10, 1 + part),
                body=body,
                report_no=f"咸房鉴〔{year - 1}〕{100 + index}号",
            )
            if not demolished:
                Appraisal.objects.create(
                    building=building,
                    grade="B",
                    appraised_on=fate_on + dt.timedelta(days=40),
                    body=body,
                    report_no=f"咸房鉴〔{year}〕{300 + index}号",
                )
            rows += 1
    for number, school in enumerate(teaching[:40]):
        building = Building.objects.create(
            school=school,
            name="综合教学楼",
            area=Decimal(2400 + number * 37),
            year_built=2008 + number % 12,
            structure="frame",
            floors=4,
            seismic=True,
            seismic_intensity=7,
        )
        Appraisal.objects.create(
            building=building,
            grade="A" if number % 3 else "B",
            appraised_on=dt.date(2015, 5, 1 + number % 28),
            body=body,
            report_no=f"咸房鉴〔2015〕{500 + number}号",
        )
        rows += 1
    for number, school in enumerate(teaching[40:43]):
        grade = "D" if number == 0 else "C"
        building = Building.objects.create(
            school=school, name="老食堂" if grade == "D" else "附属用房", area=Decimal(420 + number * 60)
        )
        Appraisal.objects.create(
            building=building,
            grade=grade,
            appraised_on=dt.date(today.year, 4, 10 + number),
            body=body,
            report_no=f"咸房鉴〔{today.year}〕{20 + number}号",
            affected_part="" if grade == "D" else "二层外挑走廊",
        )
        rows += 1
    return rows


def _fleet(schools, today) -> tuple[int, int]:
    from .models import Bus, Driver

    rural = [s for s in schools if s.category in ("primary", "junior", "nine_year") and s.urban_rural != "urban_core"]
    rural = rural or schools
    from emis.common.idnumbers import make_id_number

    buses = []
    for number in range(NATIONAL_2020 + OTHERS_2020 + NEW_2021):
        school = rural[number % len(rural)]
        national = number < NATIONAL_2020 or number >= NATIONAL_2020 + OTHERS_2020
        new = number >= NATIONAL_2020 + OTHERS_2020
        retired = not national
        since = dt.date(2021, 3, 1) if new else dt.date(2015 + number % 5, 9, 1)
        if new and number >= NATIONAL_2020 + OTHERS_2020 + NEW_2021 - UNFILED_2021:
            filed = dt.date(2022, 3, 1)
        elif retired and number % 4:
            filed = None
        else:
            filed = since + dt.timedelta(days=10)
        bus = Bus.objects.create(
            school=school,
            plate=f"鄂L·{number + 10001:05d}",
            seats=(19, 35, 45, 56)[number % 4],
            national_standard=national,
            operator="通山县校车服务有限公司",
            route=f"{school.township.name}—{school.name}",
            in_service_on=since,
            retired_on=dt.date(2021, 6, 30) if retired else None,
            status="retired" if retired else "in_service",
            insurance_expires=today + dt.timedelta(days=60 + (number * 7) % 300),
            inspection_due=today + dt.timedelta(days=35 + (number * 3) % 150),
            gps=True,
            filed_on=filed,
        )
        bus.schools.set([school])
        if not retired:
            buses.append(bus)
    drivers = []
    for number, bus in enumerate(buses):
        birth = dt.date(1970 + number % 20, 1 + number % 12, 1 + number % 28)
        drivers.append(
            Driver.objects.create(
                school=bus.school,
                bus=bus,
                name=_name(number + 500),
                id_number=make_id_number("421224", birth, 100 + number * 2 % 800, "1"),
                birth_date=birth,
                licence_class="A1" if bus.seats > 19 else "B1",
                licence_expires=today + dt.timedelta(days=200 + (number * 11) % 1800),
                driving_since=dt.date(birth.year + 22, 6, 1),
                reviewed_on=today - dt.timedelta(days=30 + number % 300),
            )
        )
    # What the alerts are about: overdue, coming, and one handled.
    for index, values in (
        (0, {"insurance_expires": today - dt.timedelta(days=12)}),
        (1, {"inspection_due": today - dt.timedelta(days=5)}),
        (2, {"insurance_expires": today + dt.timedelta(days=20)}),
        (3, {"inspection_due": today + dt.timedelta(days=10)}),
        (4, {"insurance_expires": today - dt.timedelta(days=40)}),
    ):
        bus = buses[index]
        for name, value in values.items():
            setattr(bus, name, value)
        bus.save()
    drivers[0].licence_expires = today + dt.timedelta(days=45)
    drivers[0].save()
    sixty = today + dt.timedelta(days=50)
    drivers[1].birth_date = dt.date(sixty.year - 60, sixty.month, min(sixty.day, 28))
    drivers[1].save()
    return len(buses), len(drivers)


def _alerts(desk, today) -> int:
    from . import services
    from .models import ExpiryAlert

    opened = 0
    for days in (70, 42, 35, 0):
        opened += len(services.expiry_sweep(acting_user=desk, today=today - dt.timedelta(days=days)))
    handled = ExpiryAlert.objects.filter(expires_on=today - dt.timedelta(days=40), kind="insurance").first()
    if handled is not None:
        services.alert_handle(
            alert=handled, acting_user=desk, comment="已续保一年，保单已上传。", today=today - dt.timedelta(days=45)
        )
        bus = handled.bus
        bus.insurance_expires = today + dt.timedelta(days=325)
        bus.save()
    return opened


def _png(text_seed: int) -> bytes:
    """A small generated photo (a stand-in for the photo of an 验收单 or a 保安员证)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 180), (235, 235 - 10 * (text_seed % 5), 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 220, 160), outline=(60, 90, 150), width=3)
    for line in range(4):
        draw.line((40, 50 + 25 * line, 200 - 15 * ((line + text_seed) % 3), 50 + 25 * line), fill=(90, 90, 90), width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    """A one-page PDF (a stand-in for a scanned appraisal report)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _evidence(schools, desk) -> int:
    """Evidence files on a few rows: the alarm's acceptance photo at three schools, a guard's licence photo and the
    report of the first D-grade appraisal."""
    from django.core.files.base import ContentFile

    from .models import Appraisal, Grade, Guard, SafetyFact
    from .services import evidence_add

    added = 0
    facts = SafetyFact.objects.filter(school__in=schools[:3], kind="alarm", in_place=True).order_by("school__code")
    for n, row in enumerate(facts[:3]):
        evidence_add(row=row, upload=ContentFile(_png(n), name="一键报警验收单.png"), acting_user=desk)
        added += 1
    guard = Guard.objects.filter(school__in=schools[:3]).exclude(licence_no="").order_by("pk").first()
    if guard is not None:
        evidence_add(row=guard, upload=ContentFile(_png(7), name="保安员证.png"), acting_user=desk)
        added += 1
    appraisal = (
        Appraisal.objects.filter(building__school__in=schools, grade=Grade.D).order_by("appraised_on", "pk").first()
    )
    if appraisal is not None:
        evidence_add(row=appraisal, upload=ContentFile(_pdf(), name="房屋安全鉴定报告.pdf"), acting_user=desk)
        added += 1
    return added


def load(county, log) -> dict[str, int]:
    """Contribute 通山县's campus safety (once: the registers when its guards are not there, the campaign when it has
    no safety campaign)."""
    from django.utils import timezone

    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.work.calendar import CalendarUnknown
    from emis.work.deadlines import sweep

    from .models import Guard

    if county.key != TONGSHAN.key:
        return {}
    admin = User.objects.filter(role="admin").order_by("pk").first()
    desk = User.objects.filter(username="section").first()
    if admin is None or desk is None:
        return {}
    today = timezone.localdate()
    schools = _schools(county)
    counts: dict[str, int] = {}
    if not Guard.objects.filter(school__township__code__startswith=county.code).exists():
        counts["safety facts"] = _facts(schools)
        counts["security guards"] = _guards(schools, admin, today)
        counts["school buildings"] = _buildings(schools, today)
        counts["school buses"], counts["bus drivers"] = _fleet(schools, today)
        counts["expiry alerts"] = _alerts(desk, today)
        counts["evidence files"] = _evidence(schools, desk)
    counts.update(_campaign(county, desk, log))
    if not counts:
        return {}
    try:
        sweep(today=today)
    except CalendarUnknown:
        pass
    log(figures(admin, schools))
    return counts


def figures(user, schools) -> str:
    """The seed's figures as the pages compute them (printed by the demo's load)."""
    from . import selectors

    done = {
        year: selectors.compliance(user, dt.date(year, 12, 31), schools=schools).all_percent for year in (2019, 2020)
    }
    area = selectors.d_area(user, on=dt.date(2020, 12, 31), first_year=2016, last_year=2020)
    buses = {row["year"]: row for row in selectors.bus_counts(user, [2020, 2021])}
    posts = selectors.compliance(user, dt.date(2020, 12, 31), schools=schools).village_posts
    return (
        f"  safety: 4个100% {done[2019]}% (2019), {done[2020]}% (2020); {posts} 一村一辅 guards; "
        f"D-grade area eliminated 2016–2020 {area.eliminated} m²; national-standard buses 2020 "
        f"{buses[2020]['national']}; filed 2021 {buses[2021]['filed']}"
    )


def wipe(county, log) -> dict[str, int]:
    """Delete the county's alerts with their cases, drivers, buses, appraisals, buildings, facts and guards."""
    from emis.core import files as core_files
    from emis.work.cleanup import delete_cases

    from .models import Appraisal, Building, Bus, Driver, Evidence, ExpiryAlert, Guard, SafetyFact

    inside = {"school__township__code__startswith": county.code}
    evidence = Evidence.objects.filter(**inside)
    for name in [n for pair in evidence.values_list("file", "thumbnail") for n in pair if n]:
        core_files.delete(name)
    counts_evidence = evidence._raw_delete(evidence.db)
    alerts = ExpiryAlert.objects.filter(**inside)
    case_ids = list(alerts.values_list("case_id", flat=True))
    counts = {"evidence files": counts_evidence, "expiry alerts": alerts._raw_delete(alerts.db)}
    counts["expiry alert cases"] = delete_cases(case_ids)
    for label, model in (("bus drivers", Driver),):
        rows = model.objects.filter(**inside)
        counts[label] = rows._raw_delete(rows.db)
    buses = Bus.objects.filter(**inside)
    Bus.schools.through.objects.filter(bus__in=buses).delete()
    counts["school buses"] = buses._raw_delete(buses.db)
    appraisals = Appraisal.objects.filter(building__school__township__code__startswith=county.code)
    counts["building appraisals"] = appraisals._raw_delete(appraisals.db)
    for label, model in (("school buildings", Building), ("safety facts", SafetyFact), ("security guards", Guard)):
        rows = model.objects.filter(**inside)
        counts[label] = rows._raw_delete(rows.db)
    return counts


def _campaign(county, desk, log) -> dict[str, int]:
    """A 校园安全隐患排查 campaign over eight schools: six inspected and signed off (findings into 整改 notices), two
    waiting. Needs the demo 股室 account to keep the checklists (the inspections domain) and notices."""
    from emis.inspections import services as inspections
    from emis.inspections.models import Campaign
    from emis.rectification.demo import _base_day
    from emis.work.calendar import WorkCalendar

    from .checklists import GOOD, publish_safety

    if Campaign.objects.filter(county_code=county.code, kind="safety").exists():
        return {}
    if not {"inspections", "rectification"} <= set(desk.domains or []):
        return {}
    calendar = WorkCalendar()
    base = _base_day()
    version = publish_safety(desk)
    schools = [s for s in _schools(county) if s.category in ("primary", "junior", "nine_year") and not s.closed_on]
    schools = schools[3::9][:8]
    start = calendar.subtract(base, 25)
    campaign = inspections.campaign_create(
        name=f"{start.year}年校园安全隐患排查",
        kind="safety",
        version=version,
        targets=schools,
        starts_on=start,
        ends_on=calendar.add(base, 10),
        acting_user=desk,
        note="交通、消防、防溺水、防欺凌、食堂和净菜配送、危险化学品专项排查，发现隐患限期整改。",
    )
    targets = {t.school_id: t for t in campaign.targets.all()}
    plan = (
        ({}, True, 20),
        ({"F2": "92", "W1": "no"}, True, 19),
        ({"C2": "no"}, True, 18),
        ({"F1": "no", "H1": "no"}, True, 17),
        ({}, True, 6),
        ({"B2": "open"}, True, 5),
        ({"T3": "no"}, False, 2),
        ({}, False, 1),
    )
    signed = 0
    from emis.rectification.demo import _photo

    for n, ((changes, sign, back), school) in enumerate(zip(plan, schools, strict=False)):
        day = calendar.subtract(base, back)
        inspection = inspections.inspection_submit(
            target=targets[school.pk],
            answers=GOOD | changes,
            photos={"F1": [_photo(700 + n)], "C3": [_photo(720 + n)]},
            notes={code: "排查发现" for code in changes},
            client_token=f"demo-safety-{county.code}-{campaign.pk}-{n}",
            inspected_on=day,
            acting_user=desk,
            summary="未发现隐患。" if not changes else "发现隐患，须限期整改。",
            today=day,
        )
        if sign:
            inspections.inspection_sign_off(inspection=inspection, acting_user=desk, today=calendar.add(day, 1))
            signed += 1
    return {"safety inspections": signed}
