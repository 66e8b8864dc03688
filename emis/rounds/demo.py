"""The demo counties' 中考录取 (emis load_demo, through the demo's "apps contribute demo data" hook), built through
the rounds' services as the pages build them:

- last year's round (the current school year's intake), finished: its senior-high schools' plans, the applicants
  loaded from a file (this year's 高一 and 中职一年级 pupils, with synthetic scores), quotas allocated, solved,
  published, and three appeals: one upheld, one dismissed, one waiting for a decision;
- next year's round, in progress: plans and applicants (this year's 九年级 pupils) loaded and quotas allocated, so
  that 运行录取 (solve), then 发布 can be tried.

Deterministic (one seeded random.Random per county); once: nothing is added when the county has rounds. Scores are
synthetic and have nothing to do with the pupils' records beyond their names and schools.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

HEADER = ("exam_no", "junior_school", "total", "chinese", "math", "english", "name")
APPEALS = (
    (
        "upheld",
        "总分复核发现英语科目漏统一道大题，实得分应加 6 分。",
        "经复核，英语成绩更正后总分达到第一志愿统招分数线，予以补录。",
    ),
    ("dismissed", "认为数学成绩偏低，申请复查试卷。", "经复查，评分无误，维持原录取结果。"),
    ("received", "指标到校名额分配有异议，申请说明本校名额计算依据。", ""),
)


def _acting_user(county):
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN

    return User.objects.filter(username="section" if county.key == TONGSHAN.key else "admin").first()


def _seats(county, year) -> list[tuple]:
    """[(school, 高一 places)] of the county's senior-high schools: this year's 高一 on the roll, rounded up to a
    class of 50 (a school without 高一 pupils gets two classes)."""
    from django.db.models import Count, Q

    from emis.orgs.choices import SENIOR_SCHOOL_CATEGORIES
    from emis.orgs.models import School
    from emis.students.choices import ON_ROLL_STATUSES

    schools = (
        School.objects.filter(township__code__startswith=county.code, category__in=SENIOR_SCHOOL_CATEGORIES)
        .annotate(
            first_year=Count(
                "enrollments",
                filter=Q(
                    enrollments__school_year=year,
                    enrollments__grade="S1",
                    enrollments__is_current=True,
                    enrollments__status__in=ON_ROLL_STATUSES,
                ),
            )
        )
        .order_by("-first_year", "code")
    )
    return [(school, max(100, -(-school.first_year // 50) * 50)) for school in schools]


def _rows(pupils, juniors_by_township, fallback, rng, exam_prefix: str, strong: set) -> list[list[str]]:
    rows = []
    for n, pupil in enumerate(pupils, start=1):
        # One of their township's junior schools (spread over them), or the county's first.
        choices = juniors_by_township.get(pupil["township"])
        junior = choices[pupil["pk"] % len(choices)] if choices else fallback
        # A 中考 total out of 720 (语数外 120 each, the rest 360); pupils in `strong` (those who did go to senior
        # high) score higher on the whole.
        ability = rng.gauss(560 if pupil["pk"] in strong else 450, 70)
        total = max(180, min(705, round(ability * 2) / 2))
        part = total / 720
        chinese, math, english = (max(30, min(120, round(part * 120 + rng.gauss(0, 8)))) for _i in range(3))
        rows.append(
            [f"{exam_prefix}{n:05d}", junior.code, f"{total:g}", str(chinese), str(math), str(english), pupil["name"]]
        )
    return rows


def _upload(rows, preferences: list[list[str]], count: int) -> SimpleUploadedFile:
    header = [*HEADER[:6], *(f"pref{i}" for i in range(1, count + 1)), *HEADER[6:]]
    lines = [",".join(header)]
    for row, prefs in zip(rows, preferences, strict=True):
        lines.append(",".join([*row[:6], *(prefs + [""] * (count - len(prefs))), *row[6:]]))
    return SimpleUploadedFile("考生.csv", ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def _pupils(county, year, grades) -> list[dict]:
    from emis.students.choices import ON_ROLL_STATUSES
    from emis.students.models import Enrollment

    rows = (
        Enrollment.objects.filter(
            school__township__code__startswith=county.code,
            school_year=year,
            grade__in=grades,
            is_current=True,
            status__in=ON_ROLL_STATUSES,
        )
        .order_by("school__code", "student_id")
        .values_list("student_id", "student__name", "student__hukou_township_id", "school__township_id", "school_id")
    )
    # The junior school they came from: one of their 户籍 township's (or their school's township's). No ID numbers:
    # the file's optional column is left out (and nothing is decrypted to write it).
    return [
        {"pk": pk, "name": name, "township": hukou or township, "school": school}
        for pk, name, hukou, township, school in rows
    ]


def _round(county, year, name, plans, pupils, strong, rng, user, *, finish: bool):
    from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES
    from emis.orgs.models import School

    from . import services
    from .models import AdmissionRound, Appeal, Applicant, RoundSchool

    admission_round = services.round_row_save(
        obj=AdmissionRound(school_year=year, name=name, division_code=county.code, note="演示数据"), acting_user=None
    )
    quality = {plans[0][0].pk} if plans else set()
    for school, seats in plans:
        plan = RoundSchool(
            round=admission_round,
            school=school,
            open_seats=seats,
            quota_seats=0,
            quota_min_score=540 if school.pk in quality else None,
            is_quality=school.pk in quality,
        )
        plan.full_clean()
        services.round_row_save(obj=plan, acting_user=user)
    juniors = School.objects.filter(
        township__code__startswith=county.code, category__in=JUNIOR_SCHOOL_CATEGORIES
    ).order_by("code")
    by_township: dict = {}
    for junior in juniors:
        by_township.setdefault(junior.township_id, []).append(junior)
    rows = _rows(pupils, by_township, juniors.first(), rng, f"{year.start_year % 100:02d}{county.code[-2:]}", strong)
    codes = [school.code for school, _seats in plans]
    preferences = []
    for _row in rows:
        # Most list the schools best first; some put their own town's school first; some list fewer.
        prefs = list(codes)
        if len(prefs) > 1 and rng.random() < 0.3:
            prefs.insert(0, prefs.pop(rng.randrange(1, len(prefs))))
        preferences.append(prefs[: max(1, len(prefs) - rng.choice((0, 0, 0, 1)))])
    services.round_load_applicants(
        admission_round=admission_round, upload=_upload(rows, preferences, len(codes)), acting_user=user
    )
    services.round_allocate_quotas(admission_round=admission_round, acting_user=user)
    if not finish:
        return admission_round, 0
    services.round_solve(admission_round=admission_round, acting_user=user)
    services.round_publish(admission_round=admission_round, acting_user=user)
    # Appeals from applicants who were not admitted to their first preference, one of them from a junior school the
    # 督学 account covers (a junior school sees its own pupils' applications and appeals).
    from emis.demo.loader import INSPECTOR_SCHOOLS

    missed = Applicant.objects.filter(round=admission_round).exclude(result_preference_rank=1).order_by("-total")
    candidates = list(missed.filter(junior_school__name__in=INSPECTOR_SCHOOLS)[:1])
    candidates += list(missed.exclude(pk__in=[a.pk for a in candidates])[: 3 - len(candidates)])
    received = dt.date(year.start_year, 7, 20)
    for applicant, (status, reason, decision) in zip(candidates, APPEALS, strict=False):
        appeal = services.round_appeal_record(
            applicant=applicant, received_on=received, reason=reason, acting_user=user
        )
        if status != "received":
            services.appeal_decide(appeal=appeal, status=status, decision=decision, acting_user=user)
    return admission_round, Appeal.objects.filter(applicant__round=admission_round).count()


def load(county, log) -> dict[str, int]:
    """Contribute the county's two rounds (once: nothing when the county has rounds)."""
    from emis.core.audit import audit_context
    from emis.core.models import ChangeSource
    from emis.orgs.models import SchoolYear
    from emis.orgs.selectors import current_school_year

    from .models import AdmissionRound

    current = current_school_year()
    following = SchoolYear.objects.filter(start_year=current.start_year + 1).first() if current else None
    user = _acting_user(county)
    if current is None or following is None or user is None:
        return {}
    if AdmissionRound.objects.filter(division_code=county.code).exists():
        return {}
    rng = random.Random(int(county.code))
    plans = _seats(county, current)
    if not plans:
        return {}
    # Last summer's 中考: those who started 高一 or 中职一年级 this year (the 高一 did better on the whole).
    entered = _pupils(county, current, ("S1", "V1"))
    strong = {p["pk"] for p in entered if p["school"] in {school.pk for school, _seats in plans}}
    with transaction.atomic(), audit_context(user=user, source=ChangeSource.COMMAND):
        _finished, appeals = _round(
            county,
            current,
            f"{current.start_year}年{county.name}中考录取",
            plans,
            entered,
            strong,
            rng,
            user,
            finish=True,
        )
        # This year's 九年级, for next year's 中考: loaded and quotas allocated; solve and publish are left to try.
        _open, _none = _round(
            county,
            following,
            f"{following.start_year}年{county.name}中考录取",
            plans,
            _pupils(county, current, ("J3",)),
            set(),
            rng,
            user,
            finish=False,
        )
    log(f"  中考录取 {county.name}: a published round with {appeals} appeals, and one with quotas allocated")
    return {"admission rounds": 2, "appeals": appeals}


def wipe(county, log) -> dict[str, int]:
    """Delete the county's rounds (their plans, allocations, applicants, appeals and runs) before its schools go."""
    from emis.work.cleanup import delete_cases

    from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, SolveRun

    rounds = AdmissionRound.objects.filter(division_code=county.code)
    appeal_cases = list(Appeal.objects.filter(applicant__round__in=rounds).values_list("case_id", flat=True))
    counts = {}
    for label, queryset in (
        ("appeals", Appeal.objects.filter(applicant__round__in=rounds)),
        ("solve runs", SolveRun.objects.filter(round__in=rounds)),
        ("applicants", Applicant.objects.filter(round__in=rounds)),
        ("quota allocations", QuotaAllocation.objects.filter(round__in=rounds)),
        ("round schools", RoundSchool.objects.filter(round__in=rounds)),
        ("admission rounds", rounds),
    ):
        counts[label] = queryset._raw_delete(queryset.db)
    counts["appeal cases"] = delete_cases(appeal_cases)  # after the appeals, which protect them
    log(f"  deleted {'admission rounds':<20}{counts['admission rounds']:>8,}")
    return counts
