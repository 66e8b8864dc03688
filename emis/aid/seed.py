"""The programmes and the 2019–2022 standards of domain-rules §5, with their sources: written by the migration
``aid/0002`` and, where they are missing (a test database flushed by a browser test, a demo database), by
:func:`ensure_reference`. Later standards are added as new rows with a later valid_from (the standards page), never
by editing these."""

import datetime as dt
from decimal import Decimal

FROM = dt.date(2019, 9, 1)  # 2019 autumn: non-boarders limited to 建档立卡/低保/特困/残疾 (陕西财政厅 2019)
COMPULSORY_SOURCE = (
    "义务教育家庭经济困难学生生活补助：寄宿生小学1000元/年、初中1250元/年，非寄宿生为寄宿生标准的50%，"
    "2019年秋季起非寄宿生限建档立卡、低保、特困供养、残疾学生（宁国市政务公开；陕西省财政厅2019）"
)
LISTED_NON_BOARDERS = ["poverty", "monitored", "dibao", "tekun", "disabled"]

PROGRAMMES = (
    (
        "compulsory_living_allowance",
        "义务教育家庭经济困难学生生活补助",
        ["primary", "junior"],
        10,
        "财教〔2021〕310号《学生资助资金管理办法》",
    ),
    ("senior_bursary", "普通高中国家助学金", ["senior"], 20, "财教〔2021〕310号；平均2000元/生/年，分档"),
    ("senior_fee_waiver", "普通高中免学杂费", ["senior"], 30, "财教〔2021〕310号；按当地公办学校学杂费标准"),
    ("vocational_fee_waiver", "中职免学费", ["vocational"], 40, "财教〔2021〕310号"),
    ("vocational_bursary", "中职国家助学金", ["vocational"], 50, "财教〔2021〕310号；2000元/生/年"),
    ("preschool_aid", "学前教育资助", ["preschool"], 60, "省定标准；中央支持地方学前教育发展资金"),
)

# (programme, level, grades, boarder, tier, eligibility, categories, amount per year, source)
STANDARDS = (
    ("compulsory_living_allowance", "primary", [], True, "", "any", [], "1000", COMPULSORY_SOURCE),
    ("compulsory_living_allowance", "junior", [], True, "", "any", [], "1250", COMPULSORY_SOURCE),
    ("compulsory_living_allowance", "primary", [], False, "", "listed", LISTED_NON_BOARDERS, "500", COMPULSORY_SOURCE),
    ("compulsory_living_allowance", "junior", [], False, "", "listed", LISTED_NON_BOARDERS, "625", COMPULSORY_SOURCE),
    (
        "senior_bursary",
        "senior",
        [],
        None,
        "一档",
        "listed",
        ["poverty", "monitored", "tekun", "orphan", "unsupported"],
        "3000",
        "普通高中国家助学金分档（平均2000元/生/年，例如1000/2000/3000）：安徽石台县政务公开；烟台2019",
    ),
    (
        "senior_bursary",
        "senior",
        [],
        None,
        "二档",
        "listed",
        ["dibao", "disabled", "disabled_parent"],
        "2000",
        "普通高中国家助学金分档：安徽石台县政务公开；烟台2019",
    ),
    (
        "senior_bursary",
        "senior",
        [],
        None,
        "三档",
        "any",
        [],
        "1000",
        "普通高中国家助学金分档：安徽石台县政务公开；烟台2019",
    ),
    (
        "senior_fee_waiver",
        "senior",
        [],
        None,
        "",
        "listed",
        LISTED_NON_BOARDERS,
        "1700",
        "普通高中免学杂费：建档立卡（脱贫家庭、监测对象）及低保、特困供养、家庭经济困难残疾学生；按当地公办普通高中"
        "学杂费标准（示例县1700元/年，安徽石台县政务公开）",
    ),
    (
        "vocational_fee_waiver",
        "vocational",
        ["V1", "V2", "V3"],
        None,
        "",
        "all",
        [],
        "2000",
        "中职免学费：全日制正式学籍一至三年级农村（含县镇）、涉农专业和家庭经济困难学生（示例补助2000元/生/年，"
        "安徽石台县政务公开）",
    ),
    (
        "vocational_bursary",
        "vocational",
        ["V1", "V2"],
        None,
        "",
        "any",
        [],
        "2000",
        "中职国家助学金：一、二年级涉农专业学生和其他专业家庭经济困难学生2000元/生/年（安徽石台县政务公开）",
    ),
    (
        "preschool_aid",
        "preschool",
        [],
        None,
        "",
        "any",
        [],
        "1000",
        "学前教育资助：示例县500元/生/学期（安徽石台县政务公开）",
    ),
)


def seed_reference(Programme, Standard) -> None:  # noqa: N803 - the models, historical in the migration
    """Write the programmes and their first standards where missing (idempotent). In bulk: reference rows the
    system writes itself, like the migration's, with no change records (a fresh database has no changes)."""
    have = set(Programme.objects.values_list("code", flat=True))
    Programme.objects.bulk_create(
        Programme(code=code, name=name, levels=levels, order=order, basis=basis)
        for code, name, levels, order, basis in PROGRAMMES
        if code not in have
    )
    programmes = {p.code: p for p in Programme.objects.filter(code__in=[p[0] for p in PROGRAMMES])}
    have = set(Standard.objects.filter(valid_from=FROM).values_list("programme__code", "level", "boarder", "tier"))
    Standard.objects.bulk_create(
        Standard(
            programme=programmes[code],
            level=level,
            boarder=boarder,
            tier=tier,
            valid_from=FROM,
            grades=grades,
            eligibility=eligibility,
            categories=categories,
            amount_per_year=Decimal(amount),
            source=source,
        )
        for code, level, grades, boarder, tier, eligibility, categories, amount, source in STANDARDS
        if (code, level, boarder, tier) not in have
    )


def ensure_reference(using: str = "default") -> None:
    """The programmes and first standards, where a database lacks them: after a flush (post_migrate, see
    apps.py), and before the demo's load."""
    from django.db import connections

    from .models import Programme, Standard

    if Programme._meta.db_table not in connections[using].introspection.table_names():
        return  # `migrate` of other apps only: this app's tables are not there yet
    if Programme.objects.using(using).filter(code__in=[p[0] for p in PROGRAMMES]).count() < len(PROGRAMMES):
        seed_reference(Programme, Standard)
