"""The demo county's roll changes (emis load_demo, through the demo's "apps contribute demo data" hook), so that the
学籍异动 pages have something to read and to undo: at the demo school account's school (迎宾路小学) a pupil's 休学
and then 复学 (the 复学 may be undone, the 休学 not: its reason shows), and in the township account's township
(南林桥镇) a 县内转学 between two of its primary schools (the township may undo it). All through the services, as
the demo's accounts; dated in the demo's school year.

Chosen so that no published figure moves: the pupil is back on the roll, and the transfer stays in one township,
one category and one 城乡 class, between classes far from the 大班额 bounds."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q

TOWNSHIP = "421224101"  # 南林桥镇, the demo township account's
SCHOOL = "通山县迎宾路小学"  # the demo school account's


def load(county, log) -> dict[str, int]:
    """Contribute the roll changes to 通山县 (once: nothing is added when the county has some)."""
    from emis.accounts.models import User
    from emis.demo.loader import TONGSHAN
    from emis.orgs.models import School, SchoolYear

    from . import rollchanges
    from .choices import ON_ROLL_STATUSES
    from .models import Enrollment, RollChange, SchoolClass

    if county.key != TONGSHAN.key or RollChange.objects.filter(division_code__startswith=county.code).exists():
        return {}
    school_user = User.objects.filter(username="school").first()
    township_user = User.objects.filter(username="township").first()
    year = SchoolYear.objects.filter(is_current=True).first()
    if school_user is None or township_user is None or year is None:
        return {}
    on_roll = Q(enrollments__is_current=True, enrollments__status__in=ON_ROLL_STATUSES)
    sized = SchoolClass.objects.filter(school_year=year).annotate(size=Count("enrollments", filter=on_roll))
    made = 0
    with transaction.atomic():
        # 休学, then 复学, at the school account's school.
        pupil = (
            Enrollment.objects.filter(
                school__name=SCHOOL, school_year=year, is_current=True, status="enrolled", grade="P4"
            )
            .select_related("student")
            .order_by("id")
            .first()
        )
        if pupil is not None:
            start = max(pupil.status_date, year.census_date)
            rollchanges.pupils_suspend(
                students=[pupil.student],
                date=start + dt.timedelta(days=40),
                reason="病休（演示）",
                acting_user=school_user,
            )
            rollchanges.pupils_resume(
                students=[pupil.student],
                date=start + dt.timedelta(days=75),
                reason="病愈复学（演示）",
                acting_user=school_user,
            )
            made += 2
        # 县内转学 between two primary schools of the township account's township, alike in category and 城乡.
        schools = list(School.objects.filter(township__code=TOWNSHIP, parent=None, category="primary").order_by("code"))
        pair = next(
            (
                (a, b)
                for i, a in enumerate(schools)
                for b in schools[i + 1 :]
                if a.urban_rural == b.urban_rural and a.category == b.category
            ),
            None,
        )
        if pair is not None:
            source, target = pair
            target_class = sized.filter(school=target, grade="P3", size__lte=45).order_by("id").first()
            source_class = sized.filter(school=source, grade="P3", size__gte=5, size__lte=55).order_by("id").first()
            mover = (
                Enrollment.objects.filter(school_class=source_class, is_current=True, status="enrolled")
                .select_related("student")
                .order_by("id")
                .first()
                if source_class is not None and target_class is not None
                else None
            )
            if mover is not None:
                rollchanges.pupil_transfer(
                    student=mover.student,
                    to_school=target,
                    to_class=target_class,
                    date=max(mover.status_date, year.census_date) + dt.timedelta(days=50),
                    reason="随父母迁居（演示）",
                    acting_user=township_user,
                )
                made += 1
    if made:
        log(f"  {'roll changes':<20}{made:>8,}")
    return {"roll changes": made} if made else {}


def wipe(county, log) -> dict[str, int]:
    """Delete the county's roll changes (and their lines) before its pupils and schools go."""
    from .models import RollChange, RollChangeLine

    ids = list(
        RollChange.objects.filter(
            Q(division_code__startswith=county.code) | Q(school__township__code__startswith=county.code)
        ).values_list("pk", flat=True)
    )
    lines = RollChangeLine.objects.filter(roll_change_id__in=ids)
    lines._raw_delete(lines.db)
    changes = RollChange.objects.filter(pk__in=ids)
    deleted = changes._raw_delete(changes.db)
    if deleted:
        log(f"  deleted {'roll changes':<20}{deleted:>8,}")
    return {"roll changes": deleted} if deleted else {}
