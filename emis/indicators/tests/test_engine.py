"""Every indicator on the hand-made county of .county; the expected values are worked out by hand in comments."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emis.indicators.definitions import CODES, REGISTRY
from emis.indicators.engine import UnknownIndicator, evaluate
from emis.orgs.models import SchoolYear

pytestmark = pytest.mark.django_db

D = Decimal


def totals(evaluation) -> dict:
    return {code: (item.value, item.numerator, item.denominator) for code, item in evaluation.totals().items()}


def test_every_indicator_for_the_county(ic):
    values = totals(evaluate(ic.users["admin"], 2020))
    assert values == {
        # Schools on 2020-09-01: KD merged into KC on 2020-07-01 is gone; P2, merged on 2021-01-15, still counts.
        "kg_count": (3, 3, None),
        "kg_public_count": (1, 1, None),
        "kg_private_count": (2, 2, None),
        "kg_inclusive_count": (2, 2, None),  # KA (public) + KB (inclusive private)
        "primary_school_count": (3, 3, None),  # P1, P2, PP: the teaching point is not a school
        "teaching_point_count": (1, 1, None),
        "junior_school_count": (2, 2, None),  # N9 and S12
        # Pupils on the roll: suspended, dropped-out and closed rows are not counted.
        "kg_children": (6, 6, None),  # KA 3 + KB 2 + KC 1
        "primary_pupils": (68, 68, None),  # P1 55 + 2, TP 3, P2 4, N9 2 (one 转入), PP 2
        "junior_students": (63, 63, None),  # N9 3, S12 56 + 1 + 3
        "upper_secondary_students": (7, 7, None),  # S12 高一 4 + V1 3
        "vocational_students": (3, 3, None),
        # Rates on the register (ages on 2020-09-01): 3-5: 5, 6-11: 9, 12-14: 5, 15-17: 8, 6-14: 14.
        "preschool_ger": (D("120.00"), 6, 5),  # 毛: the 2- and 6-year-olds count above, not below
        "inclusive_kg_coverage": (D("83.33"), 5, 6),
        "public_kg_share": (D("50.00"), 3, 6),
        # Net rates by the statistics definition: the pupils of the band at the schools, at the level or higher, over
        # the register (which leaves out most pupils of this county: rates over 100 % flag a register missing children).
        # 6-11: P1 55 + the 11-year-old, TP 3, P2 4, N9 2 (one 转入), N9's early 七年级 pupil, PP 2.
        "primary_ner": (D("755.56"), 68, 9),
        "primary_ger": (D("755.56"), 68, 9),
        # 12-14: N9 2, S12 七年级 56, c7, c1 c2 j1 (j2 休学 is not; nor the 12-year-old in 六年级).
        "junior_ner": (D("1240.00"), 62, 5),
        "junior_ger": (D("1260.00"), 63, 5),
        # The register's 6-14 in school (any level, anywhere in the county): 3 at P1, KB's 6-year-old, N9's two
        # 11-year-olds, P1's 12-year-old, S12's two 12-year-olds, c1; not P1's suspended, TP's dropout, the
        # 8-year-old, j2 (休学).
        "compulsory_enrolment_rate": (D("71.43"), 10, 14),
        "upper_secondary_ger": (D("87.50"), 7, 8),  # the 18-year-old counts above, not below
        "vocational_ger": (D("37.50"), 3, 8),
        "general_vocational_ratio": (D("1.33"), 4, 3),
        # 2012 cohort: entrants c1 c2 c3 c4 c5 c7 (c6 repeats); c4 转出 and c5 死亡 left; c1 and c2 retained.
        "compulsory_retention": (D("50.00"), 2, 4),
        # 一年级 2012: 7 (c6 too); + 转入 j1, j2 (c2's move inside the county is not one) - 转出 c4 - 死亡 c5.
        "compulsory_retention_aggregate": (D("42.86"), 3, 7),
        # 10 compulsory classes (P1 三年级 has nobody on the roll); S12 七年级 has 56; P1 一年级 55 + 1 suspended.
        "large_class_ratio": (D("10.00"), 1, 10),
        "super_large_class_ratio": (D("0.00"), 0, 10),
        # Staff in post: P1 group 5 (TP's and x's too), P2 1, N9 3 (2/19 : 3/13.5 apportioned 9:19), S12 6
        # (60/13.5 : 4/12.5), PP 1. Primary 68 / (7 + 27/28); junior 63 / (57/28 + 375/67); senior 4 / (27/67).
        "pupil_teacher_ratio_primary": (D("8.54"), 68, D("7.96")),
        "pupil_teacher_ratio_junior": (D("8.25"), 63, D("7.63")),
        "pupil_teacher_ratio_senior": (D("9.93"), 4, D("0.40")),
        # Public primary/junior/senior schools: need ceil(60/19)=4, ceil(4/19)=1, ceil(2/19+3/13.5)=1,
        # ceil(60/13.5+4/12.5)=5 -> 11; staff 5 + 1 + 3 + 6 = 15.
        "staffing_gap": (-4, 11, 15),
        # Schools with a 学位 figure (PP has none): 142 pupils / 990 places.
        "place_utilisation": (D("14.34"), 142, 990),
    }
    assert set(values) == set(CODES)


def test_rates_are_two_decimals_and_counts_integers(ic):
    for item in evaluate(None, 2020).values:
        if item.unit == "count":
            assert isinstance(item.value, int), item.code
        elif item.value is not None:
            assert isinstance(item.value, Decimal) and item.value.as_tuple().exponent == -2, item.code


def test_breakdown_by_township(ic):
    evaluation = evaluate(None, 2020, by="township")
    a, b = "421224100", "421224101"
    rows = {(item.code, item.dimensions["township"]): item for item in evaluation.values if item.dimensions}
    assert rows[("kg_count", a)].value == 1 and rows[("kg_count", b)].value == 2
    assert rows[("primary_school_count", a)].value == 2  # P1, PP
    assert rows[("teaching_point_count", a)].value == 1
    # Children by the kindergarten's township over the 3-5 population by 户籍 township.
    assert (rows[("preschool_ger", a)].value, rows[("preschool_ger", a)].denominator) == (D("100.00"), 3)
    assert (rows[("preschool_ger", b)].value, rows[("preschool_ger", b)].numerator) == (D("150.00"), 3)
    # Net rates: pupils by the school's township over children by the household's.
    assert (rows[("primary_ner", a)].numerator, rows[("primary_ner", a)].denominator) == (61, 6)
    assert (rows[("primary_ner", b)].numerator, rows[("primary_ner", b)].denominator) == (7, 3)  # P2 4, N9 3
    # The register share by the household's township: B's 6-year-old in 中班 is in school, not in primary.
    assert (rows[("compulsory_enrolment_rate", b)].numerator, rows[("compulsory_enrolment_rate", b)].denominator) == (
        3,
        3,
    )
    assert rows[("large_class_ratio", a)].value == D("14.29")  # 1 of 7
    assert rows[("large_class_ratio", b)].value == D("0.00")
    assert (rows[("staffing_gap", a)].numerator, rows[("staffing_gap", a)].denominator) == (9, 11)
    assert rows[("staffing_gap", b)].value == -2
    assert rows[("kg_count", a)].dimensions["township_name"] == "通羊镇"
    assert rows[("kg_count", a)].label == "通羊镇"
    # The township rows add up to the total for counts.
    total = evaluation.get("primary_pupils").value
    assert sum(item.value for item in evaluation.rows("primary_pupils", "township")) == total == 68


def test_breakdown_by_gender_category_and_school(ic):
    evaluation = evaluate(None, 2020, by=("gender", "category", "school"))
    assert evaluation.value("primary_pupils", gender="2") == 27
    assert evaluation.value("primary_pupils", gender="1") == 41
    assert evaluation.get("primary_ner", gender="2").numerator == 27  # P1's girls, over the register's one
    assert evaluation.get("primary_ner", gender="2").denominator == 1
    assert evaluation.get("primary_ner", gender="1").numerator == 41
    assert evaluation.value("compulsory_enrolment_rate", gender="2") == D("100.00")  # the one girl of 6-14 is at P1
    assert evaluation.get("kg_count", gender="1") is None  # not broken down by gender
    # By category the teaching point is its own category; by school it counts with P1.
    assert evaluation.value("primary_pupils", category="teaching_point") == 3
    assert evaluation.value("primary_pupils", category="primary") == 63
    assert evaluation.value("primary_pupils", school="2142000001") == 60
    assert evaluation.get("primary_pupils", school="2142000002") is None
    p1 = evaluation.get("staffing_gap", school="2142000001")
    assert (p1.value, p1.numerator, p1.denominator, p1.label) == (-1, 4, 5, "P1学校")
    assert evaluation.get("staffing_gap", school="2142000003") is None  # private: no 编制
    assert evaluation.value("place_utilisation", school="2142000001") == D("42.86")  # 60 / 140
    assert evaluation.get("place_utilisation", school="2142000003").value is None  # no 学位 figure
    assert evaluation.value("pupil_teacher_ratio_junior", school="3442000001") == D("10.72")  # 60 / (375/67)
    assert evaluation.value("large_class_ratio", school="2142000001") == D("0.00")  # P1 and TP classes
    assert evaluation.get("large_class_ratio", school="2142000001").denominator == 3


def test_configured_rules_change_the_values_and_the_formula(ic):
    rules = {"large_class_min": 4, "super_large_class_min": 56, "staffing_rounding": "half_up"}
    evaluation = evaluate(
        None, 2020, rules=rules, codes=["large_class_ratio", "super_large_class_ratio", "staffing_gap"]
    )
    # 4 or more: P1 一年级 55, P2 三年级 4, S12 七年级 56; 56 or more: S12 七年级.
    assert totals(evaluation) == {
        "large_class_ratio": (D("30.00"), 3, 10),
        "super_large_class_ratio": (D("10.00"), 1, 10),
        "staffing_gap": (-7, 8, 15),  # round(3.16)=3, round(0.21)=0, round(0.33)=0, round(4.76)=5
    }
    assert "4 人及以上" in REGISTRY["large_class_ratio"].formula_text(evaluation.rules)
    default = evaluate(None, 2020, codes=["large_class_ratio"])
    assert "56 人及以上" in REGISTRY["large_class_ratio"].formula_text(default.rules)
    assert "3–5 周岁" in REGISTRY["preschool_ger"].formula_text(default.rules)


def test_age_bands_are_configurable(ic, settings):
    settings.EMIS_INDICATOR_RULES = {"age_bands": {"upper_secondary": (15, 18)}}
    item = evaluate(None, 2020, codes=["upper_secondary_ger"]).get("upper_secondary_ger")
    assert (item.value, item.numerator, item.denominator) == (D("77.78"), 7, 9)  # the 18-year-old now counts


def test_schools_follow_their_history(ic):
    # On 2019-09-01 KD still existed; on 2021-09-01 P2 has been merged into N9.
    assert evaluate(None, 2019, codes=["kg_count"]).value("kg_count") == 4
    later = totals(evaluate(None, 2021, codes=["primary_school_count", "teaching_point_count", "kg_count"]))
    assert later == {
        "primary_school_count": (2, 2, None),
        "teaching_point_count": (1, 1, None),
        "kg_count": (3, 3, None),
    }


def test_zero_denominators_give_no_data(ic):
    # 2021 has schools but no pupils, classes or register while 2020 has them: a year without data, so its counts
    # and rates of pupils are no data (shown "—"), never 0 against 2020's; the count of schools stands; nothing raises.
    values = totals(evaluate(None, 2021, by=("township", "gender", "school")))
    for code in ("preschool_ger", "primary_ner", "large_class_ratio", "compulsory_retention", "inclusive_kg_coverage"):
        assert values[code][0] is None, code
    assert values["kg_children"] == (None, None, None)
    assert values["primary_pupils"] == (None, None, None)
    assert values["general_vocational_ratio"] == (None, None, None)
    assert values["kg_count"][0] > 0


def test_cohort_needs_the_entry_year(ic):
    # 2015's cohort would have entered 一年级 in 2007, a year the county has no record of: no data.
    values = totals(evaluate(None, 2015, codes=["compulsory_retention", "compulsory_retention_aggregate"]))
    assert values["compulsory_retention"][0] is None
    assert values["compulsory_retention_aggregate"][0] is None


def test_aggregate_retention_is_capped_at_100(ic):
    from emis.indicators.engine import _make_value

    item = _make_value(REGISTRY["compulsory_retention_aggregate"], 12, 10, {})
    assert (item.value, item.numerator, item.denominator) == (D("100.00"), 12, 10)
    assert _make_value(REGISTRY["primary_ger"], 12, 10, {}).value == D("120.00")


def test_township_user_gets_its_township(ic):
    values = totals(evaluate(ic.users["township_a"], 2020))
    assert values["kg_count"] == (1, 1, None)
    assert values["primary_school_count"] == (2, 2, None)
    assert values["primary_pupils"] == (62, 62, None)  # P1 57, TP 3, PP 2
    assert values["preschool_ger"] == (D("100.00"), 3, 3)
    assert values["primary_ner"] == (D("1016.67"), 61, 6)  # its schools' pupils of 6-11 over its register's
    assert values["compulsory_enrolment_rate"] == (D("63.64"), 7, 11)
    assert values["staffing_gap"] == (-2, 9, 11)
    # The same figures as the county's township A row.
    by_township = evaluate(ic.users["leader"], 2020, by="township")
    assert by_township.value("primary_ner", township="421224100") == D("1016.67")
    assert by_township.value("compulsory_enrolment_rate", township="421224100") == D("63.64")
    assert by_township.value("primary_pupils", township="421224100") == 62


def test_school_user_gets_its_school_and_teaching_point(ic):
    values = totals(evaluate(ic.users["school_p1"], 2020))
    assert values["primary_school_count"] == (1, 1, None)
    assert values["teaching_point_count"] == (1, 1, None)
    assert values["primary_pupils"] == (60, 60, None)
    assert values["kg_count"] == (0, 0, None)
    assert values["preschool_ger"] == (None, 0, 0)  # no register in a school's scope: no data
    assert values["staffing_gap"] == (-1, 4, 5)


def test_division_narrows_the_area(ic):
    values = totals(evaluate(None, 2020, division="421224101", codes=["kg_count", "primary_pupils", "preschool_ger"]))
    assert values == {"kg_count": (2, 2, None), "primary_pupils": (6, 6, None), "preschool_ger": (D("150.00"), 3, 2)}


def test_unknown_codes_years_and_dimensions(ic):
    with pytest.raises(UnknownIndicator):
        evaluate(None, 2020, codes=["no_such_code"])
    with pytest.raises(ValueError):
        evaluate(None, 2020, by="village")
    with pytest.raises(SchoolYear.DoesNotExist):
        evaluate(None, 1999)


def test_definitions_are_complete(ic):
    rules = evaluate(None, 2020, codes=["kg_count"]).rules
    for indicator in REGISTRY.values():
        assert indicator.unit in ("percent", "count", "ratio")
        assert str(indicator.name) and indicator.source.startswith(("domain-rules", "design"))
        assert "%(" not in indicator.formula_text(rules), indicator.code
        assert indicator.numerator_text(rules)
        if indicator.unit != "count" or indicator.difference:
            assert indicator.denominator_text(rules), indicator.code
    assert REGISTRY["preschool_ger"].thresholds(rules)[0]["value"] == D("85")
    assert REGISTRY["pupil_teacher_ratio_junior"].thresholds(rules)[0]["value"] == D("13.5")


def test_snapshot_shape(ic):
    evaluation = evaluate(None, 2020, by="township", codes=["preschool_ger"])
    data = evaluation.as_dict()
    assert data["year"] == 2020 and data["census_date"] == "2020-09-01" and data["by"] == ["township"]
    assert data["rules"]["age_bands"]["preschool"] == [3, 5]
    assert data["values"][0] == {
        "code": "preschool_ger",
        "name": "学前三年毛入园率",
        "value": D("120.00"),
        "numerator": 6,
        "denominator": 5,
        "unit": "percent",
        "dimensions": {},
    }
    assert [row["dimensions"]["township"] for row in data["values"][1:]] == ["421224100", "421224101"]


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        evaluate(None, 2020, **kwargs)
    return len(queries)


def test_query_count_does_not_depend_on_the_data(ic):
    from emis.indicators.tests.county import born
    from emis.students.models import Enrollment, SchoolClass
    from emis.testing import make_population, make_student

    every = ("township", "category", "ownership", "urban_rural", "gender", "school")
    # The total: years; which levels of pupils each year holds (unrecorded_levels); the dated rules; 4 per-school
    # reads (schools, pupils, class sizes, staff); population, register matches; 5 for the 巩固率 (entrants, retained,
    # left; flows, arrivals). A breakdown re-folds the per-school rows without reading them again and repeats only the
    # person-level facts its indicators allow, plus one query for township or school names: township 7 + 1, category,
    # ownership and urban_rural 3 each (the cohort, by its entry school), gender 8, school 3 + 1. With a breakdown the
    # register has (township here), the total's population and register matches are the sum of that breakdown: 2 fewer.
    assert _queries() == 14
    assert _queries(by=every) == 14 - 2 + 8 + 3 + 3 + 3 + 8 + 4
    before = totals(evaluate(None, 2020))
    # The summed totals are the totals read directly.
    assert totals(evaluate(None, 2020, by=every)) == before
    # More schools, classes, pupils and register entries: the same number of queries.
    for i in range(3):
        school = type(ic.schools["P1"]).objects.create(
            code=f"21420009{i:02d}", name=f"新小学{i}", category="primary", township=ic.township_b, urban_rural="rural"
        )
        klass = SchoolClass.objects.create(school=school, school_year=ic.year, grade="P2", name="1班")
        for _ in range(5):
            student = make_student("新生", school, birth=born(7))
            Enrollment.objects.create(
                student=student,
                school=school,
                school_year=ic.year,
                school_class=klass,
                grade="P2",
                status_date=ic.year.census_date,
            )
            make_population("新生", ic.year, ic.township_b, birth=born(7), id_number=student.id_number)
    assert _queries() == 14
    assert _queries(by=every) == 14 - 2 + 8 + 3 + 3 + 3 + 8 + 4
    after = totals(evaluate(None, 2020))
    assert totals(evaluate(None, 2020, by=every)) == after
    assert after["primary_pupils"][0] == before["primary_pupils"][0] + 15
    assert after["primary_ner"][1:] == (68 + 15, 9 + 15)
    assert after["compulsory_enrolment_rate"][1:] == (10 + 15, 14 + 15)
