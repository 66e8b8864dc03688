"""The demo county's 学生资助 (emis load_demo, through the demo's "apps contribute demo data" hook): 2021 spring
(school year 2020, spring term, census date 31 March 2021) comes out at the seed's 21,007 人次 and 1,288.243 万元,
computed by the engine from the demo's rolls of pupils, the recognitions this loader adds, and the standards.

How (docs/domains/aid.md, "The demo"):
1. the county's own 普通高中学杂费 (1,640 元/年 from 2020 autumn) is added as a new standard of senior_fee_waiver
   (the seeded 1,700 is another county's example; with it every per-term amount is a multiple of 12.50 元, and a total
   ending in …430 元 cannot be reached);
2. every pupil 在读 on the census date whose roll record says 脱贫家庭 is recognised 脱贫家庭 (乡村振兴), every
   disabled pupil 残疾学生 (残联);
3. 低保 (民政) and 其他困难 (教育) recognitions are added to pupils with none, in pools whose per-term amounts differ
   (小学/初中, boarders or not, 高中, 中职一二年级), the counts solved so that the engine's totals meet the published
   figures exactly; the choice inside each pool is seeded, so every load is the same;
4. the six programmes' rolls are generated (one roll and one case per school) and moved through their steps: most
   paid, some still at each earlier state (迎宾路小学's at the school's check, 南林桥镇's at the township's review);
5. a few 监测对象 recognised after the census date show on the coverage page with their reason.
Deterministic; only for 通山县 (another demo county gets no aid data).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from .apps import DOMAIN

TARGET_PERSONS = 21007
TARGET_AMOUNT = Decimal("12882430.00")  # 1,288.243 万元
SPRING_YEAR = 2020  # school year 2020-2021, spring term = 2021 spring
FEE_FROM = dt.date(2020, 9, 1)
FEE_AMOUNT = Decimal("1640")
FEE_SOURCE = "通山县普通高中学杂费标准（演示假设：1640元/年，见 docs/domains/aid.md）"
RECOGNISED = dt.date(2020, 9, 10)
TOPUP_RECOGNISED = dt.date(2020, 9, 20)
LATE_RECOGNISED = dt.date(2021, 4, 10)
LATE_COUNT = 12
SEED = 202103
GENERATED_ON = dt.date(2021, 4, 1)
PAID_ON = dt.date(2021, 4, 28)
WALKED = 14  # primary and junior schools (besides 迎宾路小学 and 南林桥镇's) whose rolls go through every step

UNIT = Decimal("2.5")  # every per-term amount below is a multiple of 2.50 元


def section_domains() -> list[str]:
    """The demo 股室 account generates, publishes, approves and pays the rolls."""
    return [DOMAIN]


def _tongshan(county) -> bool:
    return county.key == "tongshan"


def load(county, log) -> dict[str, int]:
    if not _tongshan(county):
        return {}
    from .models import Roll
    from .seed import ensure_reference

    ensure_reference()

    if Roll.objects.filter(school__township__code__startswith=county.code).exists():
        return {}
    with transaction.atomic():
        counts = _load(county, log)
    return counts


def _users():
    from emis.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=("admin", "section", "township", "school"))}
    return users


def _load(county, log) -> dict[str, int]:
    from emis.orgs.models import School
    from emis.students.models import Student

    from . import rules, services
    from .models import Programme, Standard

    users = _users()
    section = users.get("section") or users["admin"]
    fee = Programme.objects.get(code="senior_fee_waiver")
    if not Standard.objects.filter(programme=fee, valid_from=FEE_FROM).exists():
        Standard.objects.create(
            programme=fee,
            level="senior",
            boarder=None,
            tier="",
            eligibility="listed",
            categories=["poverty", "monitored", "dibao", "tekun", "disabled"],
            amount_per_year=FEE_AMOUNT,
            valid_from=FEE_FROM,
            source=FEE_SOURCE,
        )
    term = services.term_for(SPRING_YEAR, "spring")
    school_ids = set(School.objects.filter(township__code__startswith=county.code).values_list("pk", flat=True))
    pupils = list(rules.on_roll_rows(term, school_ids=school_ids))
    flags = {
        pk: (poverty, disabled)
        for pk, poverty, disabled in Student.objects.filter(current_school_id__in=school_ids)
        .filter(Q(poverty_family=True) | Q(disabled=True))
        .values_list("pk", "poverty_family", "disabled")
    }
    recognitions: list[tuple] = []  # (student_id, category, source, date)
    flagged = set()
    for student_id, _school, _grade, _boarder, id_hash in pupils:
        poverty, disabled = flags.get(student_id, (False, False))
        if not id_hash:
            continue
        if poverty:
            recognitions.append((student_id, "poverty", "rural", RECOGNISED))
            flagged.add(student_id)
        if disabled:
            recognitions.append((student_id, "disabled", "disabled", RECOGNISED))
            flagged.add(student_id)
    _write(recognitions, county)

    base_persons, base_amount = _computed(term, school_ids)
    pools = _pools(pupils, flagged)
    chosen = _solve(TARGET_PERSONS - base_persons, TARGET_AMOUNT - base_amount, pools)
    rng = random.Random(SEED)
    topups = []
    taken = set()
    for pool, count in chosen.items():
        members = sorted(pools[pool])
        picked = rng.sample(members, count)
        taken.update(picked)
        category, source = TOPUP_CATEGORY[pool]
        topups += [(student_id, category, source, TOPUP_RECOGNISED) for student_id in picked]
    # 监测对象 recognised after the census date: not on this term's rolls, listed by the coverage check.
    spare = sorted({p[0] for p in pupils if p[4] and p[0] not in flagged and p[0] not in taken})
    topups += [(student_id, "monitored", "rural", LATE_RECOGNISED) for student_id in rng.sample(spare, LATE_COUNT)]
    _write(topups, county)

    walk = _walk_schools(county)
    parents = dict(School.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    rest = {pk for pk in school_ids if parents.get(pk, pk) not in walk}
    generated = []
    for programme in Programme.objects.order_by("order"):
        generated.append(
            services.generate_rolls(programme, term, acting_user=section, school_ids=walk, today=GENERATED_ON)
        )
        generated.append(
            services.generate_rolls(
                programme, term, acting_user=section, school_ids=rest, today=PAID_ON, record_paid_on=PAID_ON
            )
        )
    persons = sum(r.lines for r in generated)
    amount = sum((r.amount for r in generated), Decimal("0.00"))
    if (persons, amount) != (TARGET_PERSONS, TARGET_AMOUNT):
        raise RuntimeError(f"aid demo: computed {persons} 人次 {amount} 元, expected {TARGET_PERSONS} {TARGET_AMOUNT}")
    moved = _move(users, county)
    log(f"  aid: 2021 spring {persons:,} 人次, {amount:,.2f} 元; {moved} steps taken")
    return {"aid recognitions": len(recognitions) + len(topups), "aid roll lines": persons}


def _write(recognitions: list[tuple], county) -> None:
    """Recognitions for students (their ID numbers, names and township), in bulk with one change-log event."""
    from emis.core.bulk import insert_rows
    from emis.students.models import Student

    from .models import Recognition

    if not recognitions:
        return
    people = {}
    ids = [r[0] for r in recognitions]
    for start in range(0, len(ids), 5000):
        for pk, id_number, name, township in Student.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "pk", "id_number", "name", "current_school__township__code"
        ):
            people[pk] = (id_number, name, township or "")
    from emis.common.text import pinyin_initials

    rows = []
    for student_id, category, source, day in recognitions:
        id_number, name, township = people[student_id]
        rows.append((id_number, name, pinyin_initials(name), category, day, source, county.code, township))
    insert_rows(
        Recognition,
        ("id_number", "name", "name_initials", "category", "recognised_on", "source", "county_code", "township_code"),
        rows,
    )


def _computed(term, school_ids) -> tuple[int, Decimal]:
    from . import rules
    from .models import Programme

    persons, amount = 0, Decimal("0.00")
    for programme in Programme.objects.all():
        lines = rules.compute_lines(programme, term, school_ids=school_ids)
        persons += len(lines)
        amount += sum((line.amount for line in lines), Decimal("0.00"))
    return persons, amount


# The pools of pupils with no recognition, what one recognition adds there (人次, 元 per term), and which.
POOLS = {
    "primary_day": (1, Decimal("250")),
    "junior_day": (1, Decimal("312.5")),
    "primary_boarder": (1, Decimal("500")),
    "junior_boarder": (1, Decimal("625")),
    "senior": (2, Decimal("1000") + FEE_AMOUNT / 2),  # 二档 助学金 and 免学杂费
    "vocational": (1, Decimal("1000")),  # 助学金 (一、二年级); 免学费 already goes to every pupil
}
TOPUP_CATEGORY = {
    "primary_day": ("dibao", "civil"),
    "junior_day": ("dibao", "civil"),
    "primary_boarder": ("other", "education"),
    "junior_boarder": ("other", "education"),
    "senior": ("dibao", "civil"),
    "vocational": ("other", "education"),
}


def _pools(pupils, flagged) -> dict[str, set[int]]:
    from emis.students.choices import GRADE_LEVEL

    pools: dict[str, set[int]] = {name: set() for name in POOLS}
    for student_id, _school, grade, boarder, id_hash in pupils:
        if not id_hash or student_id in flagged:
            continue
        level = GRADE_LEVEL[grade]
        if level in ("primary", "junior"):
            pools[f"{level}_{'boarder' if boarder else 'day'}"].add(student_id)
        elif level == "senior":
            pools["senior"].add(student_id)
        elif grade in ("V1", "V2"):
            pools["vocational"].add(student_id)
    return pools


def _solve(persons: int, amount: Decimal, pools: dict[str, set[int]]) -> dict[str, int]:
    """Counts per pool adding exactly ``persons`` 人次 and ``amount`` 元. In units of 2.50 元 every pool but the
    senior one is a multiple of 25 units (62.50 元): the senior count fixes the rest modulo 25, then vocational and
    the 小学/初中 pools (100/125/200/250 units) make up the persons and the amount."""
    units = {name: (p, int(a / UNIT)) for name, (p, a) in POOLS.items()}
    caps = {name: len(members) for name, members in pools.items()}
    total = amount / UNIT
    if total != int(total) or persons < 0:
        raise RuntimeError(f"aid demo: cannot reach {persons} 人次 {amount} 元")
    total = int(total)
    senior_p, senior_u = units["senior"]
    step = 25
    first = next(n for n in range(step) if (n * senior_u - total) % step == 0)
    for seniors in range(first, caps["senior"] + 1, step):
        for vocational in range(caps["vocational"] + 1):
            rest_p = persons - senior_p * seniors - vocational
            rest_u = total - senior_u * seniors - units["vocational"][1] * vocational
            if rest_p < 0 or rest_u < 0:
                break
            found = _fill(rest_p, rest_u // step, caps)
            if found is not None:
                return {"senior": seniors, "vocational": vocational, **found}
    raise RuntimeError(f"aid demo: no mix of pupils reaches {persons} 人次 {amount} 元")


def _fill(persons: int, units: int, caps: dict[str, int]) -> dict[str, int] | None:
    """primary_day 4, junior_day 5, primary_boarder 8, junior_boarder 10 units of 62.50 元."""
    extra = units - 4 * persons
    if extra < 0:
        return None
    junior_boarder = min(caps["junior_boarder"], extra // 6, persons)
    extra -= 6 * junior_boarder
    primary_boarder = min(caps["primary_boarder"], extra // 4, persons - junior_boarder)
    extra -= 4 * primary_boarder
    junior_day = min(caps["junior_day"], extra, persons - junior_boarder - primary_boarder)
    extra -= junior_day
    primary_day = persons - junior_boarder - primary_boarder - junior_day
    if extra != 0 or primary_day < 0 or primary_day > caps["primary_day"]:
        return None
    return {
        "junior_boarder": junior_boarder,
        "primary_boarder": primary_boarder,
        "junior_day": junior_day,
        "primary_day": primary_day,
    }


# The rolls' steps -------------------------------------------------------------------------------------------------

DAYS = {
    "submit": dt.date(2021, 4, 6),
    "township_pass": dt.date(2021, 4, 8),
    "publicise": dt.date(2021, 4, 12),
    "approve": dt.date(2021, 4, 19),
    "pay": dt.date(2021, 4, 28),
}
PATH = ("submit", "township_pass", "publicise", "approve", "pay")
# Rolls left short of 已发放 so that every state has some: (township code suffix or school name, steps taken).
SCHOOL_ACCOUNT_STEPS = 0  # 迎宾路小学: still at the school's check
TOWNSHIP_ACCOUNT_STEPS = 1  # 南林桥镇: waiting for the township's review
OTHER_SHORT = ((3, 2), (3, 3), (3, 4))  # (how many rolls, steps): 县级审核, 公示中, 已审批


def _walk_schools(county) -> set[int]:
    """The schools whose rolls go through the steps one by one (the others' are recorded as paid): 迎宾路小学 (the
    demo school account's), 南林桥镇's (the demo township account's) and WALKED more primary and junior schools."""
    from emis.demo.loader import SCHOOL_ACCOUNT_SCHOOL, TOWNSHIP_ACCOUNT_DIVISION
    from emis.orgs.models import School

    schools = School.objects.filter(township__code__startswith=county.code, parent__isnull=True)
    walk = set(
        schools.filter(Q(name=SCHOOL_ACCOUNT_SCHOOL) | Q(township__code=TOWNSHIP_ACCOUNT_DIVISION)).values_list(
            "pk", flat=True
        )
    )
    others = (
        schools.exclude(pk__in=walk)
        .filter(category__in=("primary", "junior", "nine_year"))
        .order_by("code")
        .values_list("pk", flat=True)
    )
    return walk | set(others[:WALKED])


def _move(users, county) -> int:
    from emis.demo.loader import SCHOOL_ACCOUNT_SCHOOL, TOWNSHIP_ACCOUNT_DIVISION

    from . import services
    from .models import Roll

    section = users.get("section") or users["admin"]
    rolls = list(
        Roll.objects.filter(school__township__code__startswith=county.code, case__state="school_review")
        .select_related("case", "school", "school__township", "term", "programme")
        .order_by("programme__order", "school__code")
    )
    plan = {}
    short = [
        r
        for r in rolls
        if r.school.name != SCHOOL_ACCOUNT_SCHOOL and r.school.township.code != TOWNSHIP_ACCOUNT_DIVISION
    ]
    index = 0
    for count, steps in OTHER_SHORT:
        for roll in short[index : index + count]:
            plan[roll.pk] = steps
        index += count
    taken = 0
    for roll in rolls:
        if roll.school.name == SCHOOL_ACCOUNT_SCHOOL:
            steps = SCHOOL_ACCOUNT_STEPS
        elif roll.school.township.code == TOWNSHIP_ACCOUNT_DIVISION:
            steps = TOWNSHIP_ACCOUNT_STEPS
        else:
            steps = plan.get(roll.pk, len(PATH))
        for name in PATH[:steps]:
            actor = section
            if name == "submit" and roll.school.name == SCHOOL_ACCOUNT_SCHOOL and "school" in users:
                actor = users["school"]
            values = {"publicity_days": 5} if name == "publicise" else None
            services.roll_step(roll, name, acting_user=actor, values=values, today=DAYS[name])
            taken += 1
    return taken


def wipe(county, log) -> dict[str, int]:
    """Delete the county's rolls (lines, changes, cases) and recognitions before its schools go."""
    from emis.work.models import Case, CaseClock, Step

    from .models import LineChange, Recognition, Roll, RollLine, Standard, Term

    rolls = Roll.objects.filter(school__township__code__startswith=county.code)
    case_ids = list(rolls.exclude(case=None).values_list("case_id", flat=True))
    counts = {}
    changes = LineChange.objects.filter(line__roll__in=rolls)
    changes._raw_delete(changes.db)
    lines = RollLine.objects.filter(roll__in=rolls)
    counts["aid roll lines"] = lines._raw_delete(lines.db)
    counts["aid rolls"] = rolls._raw_delete(rolls.db)
    for queryset in (Step.objects.filter(case_id__in=case_ids), CaseClock.objects.filter(case_id__in=case_ids)):
        queryset._raw_delete(queryset.db)
    Case.objects.filter(pk__in=case_ids).delete()
    recognitions = Recognition.objects.filter(county_code=county.code)
    counts["aid recognitions"] = recognitions._raw_delete(recognitions.db)
    if _tongshan(county):
        demo_standard = Standard.objects.filter(valid_from=FEE_FROM, source=FEE_SOURCE)
        demo_standard._raw_delete(demo_standard.db)
        unused = Term.objects.filter(rolls=None)
        unused._raw_delete(unused.db)
    return {label: n for label, n in counts.items() if n}
