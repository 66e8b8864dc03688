"""The demo county's 县外就读 (emis load_demo, through the demo's "apps contribute demo data" hook): children of the
current year's register, of compulsory-education age and on no roll of the county, verified as at school elsewhere
(with their parents in 武汉, 东莞 ...), so that the 县外就读 list has records to read, filter and export.

No published figure reads these records: the indicators count the rolls and the register, not the outside list."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import transaction

PER_COUNTY = 36
PLACES = (
    ("湖北省武汉市", "武汉市洪山区第{n}{kind}"),
    ("湖北省咸宁市咸安区", "咸安区温泉第{n}{kind}"),
    ("广东省东莞市", "东莞市长安镇第{n}{kind}"),
    ("浙江省杭州市", "杭州市萧山区第{n}{kind}"),
    ("湖南省岳阳市", "岳阳市岳阳楼区第{n}{kind}"),
    ("江西省九江市", "九江市濂溪区第{n}{kind}"),
)
NUMERALS = "一二三四五六七八九"


def load(county, log) -> dict[str, int]:
    """Contribute outside records to ``county`` (once: nothing is added when the county has some)."""
    from emis.orgs.models import SchoolYear

    from .models import OutsideEnrollment, PopulationRecord

    year = SchoolYear.objects.filter(is_current=True).first()
    if year is None or OutsideEnrollment.objects.filter(county_code=county.code).exists():
        return {}
    Student = apps.get_model("students", "Student")
    # Of compulsory-education age in the year: 6 by 31 August, not yet 16 (domain-rules 4.1).
    born_from, born_to = dt.date(year.start_year - 16, 9, 1), dt.date(year.start_year - 6, 8, 31)
    children = list(
        PopulationRecord.objects.filter(
            school_year=year, hukou_township__code__startswith=county.code, birth_date__range=(born_from, born_to)
        )
        .exclude(id_number_hash__in=Student.objects.filter(id_number_hash__gt="").values("id_number_hash"))
        .select_related("hukou_township")
        .order_by("id_number_hash")[:PER_COUNTY]  # a spread of ages and townships
    )
    rows = []
    for n, child in enumerate(children):
        region, school = PLACES[n % len(PLACES)]
        grade = min(9, max(1, year.start_year - child.birth_date.year - 5))
        rows.append(
            OutsideEnrollment(
                school_year=year,
                id_number=child.id_number,
                name=child.name,
                county_code=county.code,
                hukou_township=child.hukou_township,
                school_name=school.format(n=NUMERALS[n % len(NUMERALS)], kind="小学" if grade <= 6 else "中学"),
                region=region,
                grade=f"{NUMERALS[grade - 1]}年级",
                verified_on=dt.date(year.start_year, 10, 15),
                note="学籍系统查询" if n % 2 else "就读学校证明",
            )
        )
    with transaction.atomic():
        for row in rows:
            row.save()
    log(f"  outside enrolments  {len(rows):>8,}")
    return {"outside enrolments": len(rows)}


def wipe(county, log) -> dict[str, int]:
    from .models import OutsideEnrollment

    outside = OutsideEnrollment.objects.filter(county_code=county.code)
    return {"outside enrolments": outside._raw_delete(outside.db)}
