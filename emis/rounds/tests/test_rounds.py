"""The admission round's services (中考录取): loading applicants (all rows or none), allocating quotas, solving (the
stored results are the solver's), publishing (then locked), sending the round back a step, and appeals.

The round here: H1 (quality, plan 6, quota minimum 560) and H2 (ordinary, 3 open seats); ten applicants of two
junior schools, A2 (six) and J2 (four). The default rule makes 4 of H1's 6 seats quota seats, split 2 : 2 between
A2 and J2 (6 : 4 applicants, largest remainder).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emis.common.idnumbers import GENDER_FEMALE, make_id_number
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import AuditEvent, ObjectChange
from emis.rounds import services
from emis.rounds.choices import AppealStatus, QuotaRule, RoundStatus
from emis.rounds.forms import AdmissionRoundForm, ApplicantForm, QuotaAllocationForm, RoundSchoolForm
from emis.rounds.models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool
from emis.rounds.solver.engine import PHASE_NAMES, Instance, solve
from emis.rounds.solver.explain import iter_explanation_tuples
from emis.testing import make_enrollment, make_school, make_student

ID_NUMBER = make_id_number("421224", dt.date(2010, 1, 1), 12, GENDER_FEMALE)
HEADER = "exam_no,junior_school,total,chinese,math,english,pref1,pref2,name,id_number"


@pytest.fixture
def draft(county):
    """A draft round with H1 (quality) and H2 (ordinary) and the junior schools A2 and J2 (no applicants yet)."""
    county.h1 = make_school("3142000501", "通山县第一中学", "senior", county.township_a, urban_rural="urban")
    county.h2 = make_school("3142000502", "通山县第二中学", "complete_secondary", county.township_b)
    county.j2 = make_school("3142000302", "南林桥镇初级中学", "junior", county.township_b)
    with audit_context(user=county.users["admin"]):
        county.round = AdmissionRound.objects.create(school_year=county.year, name="2025年中考")
        county.plan_h1 = RoundSchool.objects.create(
            round=county.round, school=county.h1, open_seats=6, quota_seats=0, quota_min_score=560, is_quality=True
        )
        county.plan_h2 = RoundSchool.objects.create(round=county.round, school=county.h2, open_seats=3)
    return county


def applicant_rows(c) -> list[list[str]]:
    a2, j2, h1, h2 = c.school_a2.code, c.j2.code, c.h1.code, c.h2.code
    return [
        ["25001", a2, "650", "110", "120", "115", h1, h2, "甲一", ID_NUMBER],
        ["25002", a2, "640", "100", "110", "100", h1, h2, "甲二", ""],
        ["25003", a2, "630", "100", "100", "100", h1, h2, "甲三", ""],
        ["25004", a2, "620", "100", "100", "100", h1, h2, "甲四", ""],
        ["25005", a2, "500", "90", "90", "90", h2, "", "甲五", ""],
        ["25006", a2, "450", "80", "80", "80", h1, h2, "甲六", ""],
        ["25007", j2, "600", "95", "95", "95", h1, h2, "乙一", ""],
        ["25008", j2, "590", "95", "95", "95", h1, "", "乙二", ""],
        ["25009", j2, "580.5", "90", "90", "90", h1, h2, "乙三", ""],
        ["25010", j2, "300", "60", "60", "60", h2, h1, "乙四", ""],
    ]


def csv_upload(rows, header: str = HEADER, name: str = "A.csv") -> SimpleUploadedFile:
    text = "\n".join([header, *[",".join(row) for row in rows]]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows, header: str = HEADER) -> SimpleUploadedFile:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for r, values in enumerate([header.split(","), *rows]):
        for c, value in enumerate(values):
            sheet.write_string(r, c, value)
    workbook.close()
    return SimpleUploadedFile("A.xlsx", buffer.getvalue())


def load(c, rows=None, **kwargs):
    upload = kwargs.pop("upload", None) or csv_upload(applicant_rows(c) if rows is None else rows)
    with audit_context(user=c.users["admin"]):
        return services.round_load_applicants(admission_round=c.round, upload=upload, acting_user=c.users["admin"])


def run(c, *steps):
    with audit_context(user=c.users["admin"]):
        for step in steps:
            getattr(services, step)(admission_round=c.round, acting_user=c.users["admin"])
    c.round.refresh_from_db()


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name))


# Loading ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make_upload", [csv_upload, xlsx_upload], ids=["csv", "xlsx"])
def test_load_applicants_stores_every_row_and_logs_them(draft, make_upload):
    c = draft
    result = load(c, upload=make_upload(applicant_rows(c)))
    assert (result.created, result.replaced) == (10, 0)
    first = Applicant.objects.get(round=c.round, exam_no="25001")
    assert (first.name, first.junior_school, first.total, first.math) == ("甲一", c.school_a2, 650, 120)
    assert first.preferences == [c.h1.code, c.h2.code] and first.eligible and first.name_initials == "jy"
    assert first.id_number == applicant_rows(c)[0][9]
    assert Applicant.objects.get(round=c.round, exam_no="25009").total == pytest.approx(580.5)
    assert Applicant.objects.get(round=c.round, exam_no="25005").preferences == [c.h2.code]
    created = ObjectChange.objects.filter(content_type__model="applicant", action="create")
    assert created.count() == 10
    change = created.get(object_id=first.pk)
    assert change.username == "admin" and change.school_id == c.school_a2.pk and change.division_code == "421224"
    assert change.changes["total"] == [None, "650.00"] and change.changes["preferences"][1] == [c.h1.code, c.h2.code]
    [event] = events("admissions.applicants_loaded")
    assert event.data["created"] == 10 and event.data["file"] in ("A.csv", "A.xlsx")
    assert first.id_number not in str(event.data)


def test_loading_again_replaces_the_applicants_and_sends_the_round_back_to_draft(draft):
    c = draft
    load(c)
    run(c, "round_allocate_quotas")
    assert c.round.status == RoundStatus.ALLOCATED
    result = load(c, applicant_rows(c)[:3])
    c.round.refresh_from_db()
    assert (result.created, result.replaced) == (3, 10) and c.round.status == RoundStatus.DRAFT
    assert Applicant.objects.filter(round=c.round).count() == 3
    assert ObjectChange.objects.filter(content_type__model="applicant", action="delete").count() == 10


def test_a_bad_row_writes_nothing_and_each_problem_names_row_and_column(draft):
    c = draft
    load(c)
    before = list(Applicant.objects.order_by("pk").values_list("pk", "exam_no", "total"))
    changes = ObjectChange.objects.count()
    rows = applicant_rows(c)
    rows[1][2] = "abc"  # row 3 of the file
    rows[2][1] = "9999999999"  # not a junior school of the county
    rows[3][7] = "3142000999"  # not a school of the round
    rows[4][9] = "421224201001011234"  # a wrong check digit
    rows[5][6] = rows[5][7]  # the same school twice
    with pytest.raises(services.RoundRefused) as refused:
        load(c, rows)
    messages = refused.value.messages
    assert "A.csv 第 3 行，total 列：“abc”不是数字。" in messages
    assert (
        "A.csv 第 4 行，junior_school 列：初中学校 9999999999 不是本批次所属地区的初中学校（应填学校标识码）。"
        in messages
    )
    assert "A.csv 第 5 行，pref2 列：志愿学校 3142000999 不在本批次的招生学校中。" in messages
    assert any(m.startswith("A.csv 第 6 行，id_number 列：") for m in messages)
    assert any(m.startswith("A.csv 第 7 行，pref2 列：志愿学校") and "重复填报" in m for m in messages)
    assert len(messages) == 5
    assert list(Applicant.objects.order_by("pk").values_list("pk", "exam_no", "total")) == before
    assert ObjectChange.objects.count() == changes and len(events("admissions.applicants_loaded")) == 1


def test_file_level_problems_and_the_number_of_preferences(draft):
    c = draft
    with pytest.raises(services.RoundRefused) as refused:
        load(
            c,
            upload=csv_upload(
                [["1", c.school_a2.code, "1", "1", "1", "1", c.h1.code]],
                "exam_no,junior_school,total,chinese,math,english,pref1,pref3",
            ),
        )
    assert refused.value.messages == ["A.csv：志愿列应从 pref1 起连续编号：缺少列 pref2。"]
    with pytest.raises(services.RoundRefused) as refused:
        load(c, upload=SimpleUploadedFile("A.txt", b"x"))
    assert refused.value.messages == ["A.txt：文件应为 .csv 或 .xlsx。"]
    c.round.preference_count = 1
    c.round.save()
    with pytest.raises(services.RoundRefused) as refused:
        load(c)
    assert "A.csv 第 2 行，pref2 列：本批次最多填报 1 个志愿。" in refused.value.messages
    assert not Applicant.objects.filter(round=c.round).exists()


# Allocation ------------------------------------------------------------------------------------------------------


def allocations(c) -> dict:
    return {
        (a.school.code, a.junior_school.code): a.seats
        for a in QuotaAllocation.objects.filter(round=c.round).select_related("school", "junior_school")
    }


def test_allocation_sets_the_quota_share_and_splits_it_by_applicants(draft):
    c = draft
    load(c)
    run(c, "round_allocate_quotas")
    c.plan_h1.refresh_from_db()
    c.plan_h2.refresh_from_db()
    # ceil(2/3 × 6) = 4 quota seats; 6 : 4 applicants → exact 2.4 : 1.6 → 2 : 2 (the larger remainder takes the seat).
    assert (c.plan_h1.open_seats, c.plan_h1.quota_seats) == (2, 4)
    assert (c.plan_h2.open_seats, c.plan_h2.quota_seats) == (3, 0)
    assert allocations(c) == {(c.h1.code, c.school_a2.code): 2, (c.h1.code, c.j2.code): 2}
    assert sum(allocations(c).values()) == c.plan_h1.quota_seats
    assert c.round.status == RoundStatus.ALLOCATED
    [event] = events("admissions.quotas_allocated")
    assert event.data["allocated"] == 4 and event.data["pools"] == 2
    # Again, with a 70% share: 5 seats, 3 : 2; the changed row is updated in place and logged.
    c.round.quota_share = "70%"
    c.round.save()
    run(c, "round_allocate_quotas")
    assert allocations(c) == {(c.h1.code, c.school_a2.code): 3, (c.h1.code, c.j2.code): 2}
    update = ObjectChange.objects.filter(content_type__model="quotaallocation", action="update").get()
    assert update.changes == {"seats": [2, 3]}


def test_allocation_by_ninth_graders_of_the_year_before(draft):
    from emis.students.models import SchoolClass

    c = draft
    c.round.quota_rule = QuotaRule.GRADUATES
    c.round.save()
    with pytest.raises(services.RoundRefused) as refused:
        run(c, "round_allocate_quotas")
    assert "九年级" in refused.value.messages[0]
    for school, pupils in ((c.school_a2, 1), (c.j2, 3)):
        school_class = SchoolClass.objects.create(school=school, school_year=c.year_2023, grade="J3", name="1班")
        for k in range(pupils):
            student = make_student(f"九年级{k}", school, birth=dt.date(2009, 1, 1) + dt.timedelta(days=k))
            make_enrollment(student, school_class)
    run(c, "round_allocate_quotas")
    assert allocations(c) == {(c.h1.code, c.school_a2.code): 1, (c.h1.code, c.j2.code): 3}


def test_manual_allocation_is_checked_against_the_quota_seats(draft):
    c = draft
    c.round.quota_rule = QuotaRule.MANUAL
    c.round.save()
    c.plan_h1.quota_seats, c.plan_h1.open_seats = 4, 2
    c.plan_h1.save()
    QuotaAllocation.objects.create(round=c.round, school=c.h1, junior_school=c.school_a2, seats=3)
    QuotaAllocation.objects.create(round=c.round, school=c.h1, junior_school=c.j2, seats=2)
    with pytest.raises(services.RoundRefused) as refused:
        run(c, "round_allocate_quotas")
    assert refused.value.messages == ["通山县第一中学 的指标分配合计 5，超过其指标到校名额 4。"]
    QuotaAllocation.objects.filter(junior_school=c.j2).update(seats=1)
    run(c, "round_allocate_quotas")
    assert c.round.status == RoundStatus.ALLOCATED
    assert allocations(c) == {(c.h1.code, c.school_a2.code): 3, (c.h1.code, c.j2.code): 1}


def test_the_allocation_form_refuses_more_than_the_quota_seats(draft):
    c = draft
    c.plan_h1.quota_seats, c.plan_h1.open_seats = 4, 2
    c.plan_h1.save()
    data = {"round": c.round.pk, "school": c.h1.pk, "junior_school": c.school_a2.pk, "seats": 5}
    form = QuotaAllocationForm(data, user=c.users["admin"])
    assert form.errors["seats"] == ["通山县第一中学 的指标分配合计将为 5，超过其指标到校名额 4。"]
    form = QuotaAllocationForm({**data, "school": c.h2.pk, "seats": 1}, user=c.users["admin"])
    assert form.errors["school"] == ["“通山县第二中学”不是优质高中，没有指标到校名额。"]
    form = QuotaAllocationForm({**data, "junior_school": c.school_a1.pk, "seats": 1}, user=c.users["admin"])
    assert "junior_school" in form.errors  # a primary school is not offered


# Solving -----------------------------------------------------------------------------------------------------------


def expected_result(c):
    """The solver run directly on the same round, with school names as labels (as the service does)."""
    applicants = list(Applicant.objects.filter(round=c.round).select_related("junior_school").order_by("id"))
    plans = list(RoundSchool.objects.filter(round=c.round).select_related("school").order_by("school__code"))
    name = {plan.school.code: plan.school.name for plan in plans}
    records = [
        {
            "exam_no": a.exam_no,
            "junior_school": a.junior_school.name,
            "total": float(a.total),
            "chinese": float(a.chinese),
            "math": float(a.math),
            "english": float(a.english),
            "prefs": [name[code] for code in a.preferences],
            "quota_eligible": a.eligible,
        }
        for a in applicants
    ]
    schools = [
        {
            "school": plan.school.name,
            "open_seats": plan.open_seats,
            "quota_seats": plan.quota_seats,
            "quota_min_score": None if plan.quota_min_score is None else float(plan.quota_min_score),
        }
        for plan in plans
    ]
    quotas = {
        (q.school.name, q.junior_school.name): q.seats
        for q in QuotaAllocation.objects.filter(round=c.round).select_related("school", "junior_school")
    }
    result = solve(Instance.from_records(records, schools, quotas), c.round.tie_break)
    return applicants, result


def test_solve_stores_the_solvers_results_explanations_and_cutoffs(draft):
    c = draft
    load(c)
    run(c, "round_allocate_quotas", "round_solve")
    assert c.round.status == RoundStatus.SOLVED
    applicants, result = expected_result(c)
    codes = result.instance.school_codes
    lines: dict[str, list[str]] = {}
    for exam_no, _rank, _school, _outcome, _phase, reason in iter_explanation_tuples(result):
        lines.setdefault(exam_no, []).append(reason)
    stored = {a.exam_no: a for a in Applicant.objects.filter(round=c.round).select_related("result_school")}
    for i, applicant in enumerate(applicants):
        row = stored[applicant.exam_no]
        s = int(result.school[i])
        assert (row.result_school.name if row.result_school else None) == (codes[s] if s >= 0 else None)
        assert row.result_phase == PHASE_NAMES[int(result.phase[i])]
        assert (row.result_preference_rank or 0) == int(result.preference_rank[i])
        assert row.explanation_lines == lines[applicant.exam_no]
    outcome = {a.exam_no: (a.result_school and a.result_school.code, a.result_phase) for a in stored.values()}
    assert outcome == {
        "25001": (c.h1.code, "quota"),
        "25002": (c.h1.code, "quota"),
        "25007": (c.h1.code, "quota"),
        "25008": (c.h1.code, "quota"),
        "25003": (c.h1.code, "open"),
        "25004": (c.h1.code, "open"),
        "25009": (c.h2.code, "open"),
        "25005": (c.h2.code, "open"),
        "25006": (c.h2.code, "open"),
        "25010": (None, ""),
    }
    assert stored["25009"].explanation_lines == [
        "第一志愿 通山县第一中学 校指标到校录取线 590 分，本人 580.5 分；统招录取线 620 分，本人 580.5 分",
        "第二志愿 通山县第二中学 校统招录取",
    ]
    assert (
        stored["25006"]
        .explanation_lines[0]
        .startswith("第一志愿 通山县第一中学 校未达指标生最低控制线（控制线 560 分，本人 450 分）")
    )
    c.plan_h1.refresh_from_db()
    c.plan_h2.refresh_from_db()
    assert (c.plan_h1.quota_admitted, c.plan_h1.open_capacity, c.plan_h1.open_admitted) == (4, 2, 2)
    assert c.plan_h1.open_cutoff == 620 and c.plan_h2.open_cutoff == 450
    pools = {q.junior_school_id: (q.admitted, q.cutoff) for q in QuotaAllocation.objects.filter(round=c.round)}
    assert pools == {c.school_a2.pk: (2, 640), c.j2.pk: (2, 590)}
    # The result changes are logged (the explanation text is not), and the step is an event.
    change = ObjectChange.objects.get(content_type__model="applicant", action="update", object_id=stored["25009"].pk)
    assert change.changes == {
        "result_school": [None, c.h2.pk],
        "result_phase": ["", "open"],
        "result_preference_rank": [None, 2],
    }
    [event] = events("admissions.round_solved")
    assert (event.data["quota"], event.data["open"], event.data["not_admitted"]) == (4, 5, 1)
    # Re-runnable until published: a second run changes nothing and logs no row change.
    updates = ObjectChange.objects.filter(action="update").count()
    run(c, "round_solve")
    assert ObjectChange.objects.filter(action="update").count() == updates
    assert c.round.status == RoundStatus.SOLVED


def test_steps_run_only_in_their_status(draft):
    c = draft
    for step, status in (("round_solve", "草稿"), ("round_publish", "草稿")):
        with pytest.raises(services.RoundRefused) as refused:
            run(c, step)
        assert refused.value.messages == [
            f"“2025年中考”当前状态为“{status}”，不能{'录取' if 'solve' in step else '发布'}。"
        ]
    with pytest.raises(services.RoundRefused) as refused:
        run(c, "round_allocate_quotas")
    assert refused.value.messages == ["请先导入考生：按报考人数分配指标需要考生名单。"]
    load(c)
    run(c, "round_allocate_quotas", "round_solve")
    with pytest.raises(services.RoundRefused):
        run(c, "round_allocate_quotas")  # solved: change something first, which sends the round back


def test_changes_send_the_round_back_to_the_step_they_affect(draft):
    c = draft
    load(c)
    run(c, "round_allocate_quotas", "round_solve")
    admin = c.users["admin"]
    applicant = Applicant.objects.get(round=c.round, exam_no="25010")
    data = {
        "round": c.round.pk,
        "exam_no": "25010",
        "name": "乙四",
        "id_number": "",
        "junior_school": c.j2.pk,
        "total": "310",
        "chinese": "60",
        "math": "60",
        "english": "60",
        "preferences": f"{c.h2.code} {c.h1.code}",
        "eligible": "on",
    }
    form = ApplicantForm(data, instance=applicant, user=admin)
    assert form.is_valid(), form.errors
    services.round_row_save(obj=form.save(commit=False), acting_user=admin)  # the pages' save hook
    c.round.refresh_from_db()
    assert c.round.status == RoundStatus.DRAFT  # quotas follow the applicant counts: allocate again
    form = ApplicantForm({**data, "preferences": f"{c.h1.code},{c.h1.code}"}, instance=applicant, user=admin)
    assert form.errors["preferences"] == [f"志愿学校 {c.h1.code} 重复填报。"]
    run(c, "round_allocate_quotas", "round_solve")
    form = AdmissionRoundForm(
        {
            "school_year": c.year.pk,
            "name": "2025年中考",
            "quota_share": "2/3",
            "quota_rule": QuotaRule.APPLICANTS,
            "preference_count": 10,
            "tie_break": "总分,数学,语文",
            "note": "",
        },
        instance=c.round,
        user=admin,
    )
    assert form.is_valid(), form.errors
    services.round_row_save(obj=form.save(commit=False), acting_user=admin)
    c.round.refresh_from_db()
    assert c.round.tie_break == "total,math,chinese,exam_no" and c.round.status == RoundStatus.ALLOCATED
    form = AdmissionRoundForm({**form.data, "tie_break": "physics", "quota_share": "3/2"}, instance=c.round, user=admin)
    assert form.errors["tie_break"][0].startswith("“physics”无法识别或重复")
    assert form.errors["quota_share"] == ["“3/2”应为 0 到 1 之间的比例，如 2/3、0.7 或 70%。"]


# Publication and the lock --------------------------------------------------------------------------------------------


def test_publication_locks_the_round_and_everything_in_it(draft):
    c = draft
    load(c)
    run(c, "round_allocate_quotas", "round_solve", "round_publish")
    assert c.round.status == RoundStatus.PUBLISHED and c.round.published_by == c.users["admin"]
    assert c.round.published_at is not None and len(events("admissions.round_published")) == 1
    locked = "“2025年中考”已发布，录取结果已锁定，不能再修改。"
    for step in ("round_allocate_quotas", "round_solve", "round_publish"):
        with pytest.raises(services.RoundRefused) as refused:
            run(c, step)
        assert refused.value.messages == [locked]
    with pytest.raises(services.RoundRefused) as refused:
        load(c)
    assert refused.value.messages == [locked]
    applicant = Applicant.objects.get(round=c.round, exam_no="25010")
    allocation = QuotaAllocation.objects.filter(round=c.round).first()
    for obj in (c.round, c.plan_h1, allocation, applicant):
        with pytest.raises(services.RoundRefused):
            services.round_object_delete(obj=obj)
    with pytest.raises(services.RoundRefused):
        services.round_changed(admission_round=c.round, back_to=RoundStatus.DRAFT)
    admin = c.users["admin"]
    form = RoundSchoolForm({"open_seats": 99}, instance=c.plan_h1, user=admin)
    assert not form.is_valid() and form.non_field_errors() == [locked]
    assert all(field.disabled for field in form.fields.values())
    form = AdmissionRoundForm({"name": "改名"}, instance=c.round, user=admin)
    assert not form.is_valid() and form.non_field_errors() == [locked]
    assert c.round not in RoundSchoolForm(user=admin).fields["round"].queryset  # nothing is added to it either
    c.plan_h1.refresh_from_db()
    assert c.plan_h1.open_seats == 2 and Applicant.objects.filter(round=c.round).count() == 10


# Appeals ------------------------------------------------------------------------------------------------------------


def test_appeals_are_recorded_after_publication_and_decided_once(draft):
    c = draft
    admin = c.users["admin"]
    load(c)
    run(c, "round_allocate_quotas", "round_solve")
    applicant = Applicant.objects.get(round=c.round, exam_no="25010")
    with pytest.raises(services.RoundRefused) as refused:
        services.round_appeal_record(
            applicant=applicant, received_on=dt.date(2025, 7, 10), reason="复核", acting_user=admin
        )
    assert refused.value.messages == ["录取结果发布后方可登记申诉。"]
    run(c, "round_publish")
    with audit_context(user=admin):
        appeal = services.round_appeal_record(
            applicant=applicant, received_on=dt.date(2025, 7, 10), reason=" 复核 ", acting_user=admin
        )
        assert appeal.status == AppealStatus.RECEIVED and appeal.reason == "复核"
        with pytest.raises(services.RoundRefused) as refused:
            services.appeal_decide(appeal=appeal, status=AppealStatus.UPHELD, decision=" ", acting_user=admin)
        assert refused.value.messages == ["请填写处理意见。"]
        services.appeal_decide(
            appeal=appeal, status=AppealStatus.DISMISSED, decision="经复核总分无误。", acting_user=admin
        )
        with pytest.raises(services.RoundRefused) as refused:
            services.appeal_decide(appeal=appeal, status=AppealStatus.UPHELD, decision="改判", acting_user=admin)
        assert refused.value.messages == ["该申诉已处理（申诉不成立），不能再次处理。"]
        with pytest.raises(services.RoundRefused):
            services.round_object_delete(obj=appeal)
    appeal = Appeal.objects.select_related("case").get(pk=appeal.pk)
    assert (appeal.status, appeal.decided_by, appeal.decision) == ("dismissed", admin, "经复核总分无误。")
    # The state is the work engine's: a closed case with its two steps, the decision on the closing one.
    assert appeal.case.workflow == "admission_appeal" and appeal.case.closed_at is not None
    assert [(s.transition, s.to_state, s.comment) for s in appeal.case.steps.order_by("number")] == [
        ("receive", "received", ""),
        ("dismissed", "dismissed", "经复核总分无误。"),
    ]
    assert [e.event for e in AuditEvent.objects.filter(event__startswith="admissions.appeal").order_by("id")] == [
        "admissions.appeal_received",
        "admissions.appeal_decided",
    ]
    assert ObjectChange.objects.filter(content_type__model="appeal").count() == 2  # created, decided


def test_an_appeal_waits_in_the_bureaus_inbox_and_only_the_bureau_decides_it(draft):
    """The engine's rule: 股室 with the admissions domain and the administrator decide; a school (which sees its
    pupils' appeals) and a 股室 account without the domain are refused, and nothing changes."""
    from emis.accounts.models import User
    from emis.work.selectors import waiting_for

    c = draft
    admin = c.users["admin"]
    load(c)
    run(c, "round_allocate_quotas", "round_solve", "round_publish")
    applicant = Applicant.objects.get(round=c.round, exam_no="25010")
    with audit_context(user=admin):
        appeal = services.round_appeal_record(
            applicant=applicant, received_on=dt.date(2025, 7, 10), reason="复核", acting_user=admin
        )
    section = c.users["section"]  # students and staff only
    for user in (section, c.users[Role.SCHOOL], c.users[Role.TOWNSHIP], c.users[Role.LEADER]):
        with pytest.raises(services.RoundRefused):
            services.appeal_decide(appeal=appeal, status=AppealStatus.UPHELD, decision="改判", acting_user=user)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RECEIVED
    assert appeal.case_id not in set(waiting_for(section).values_list("pk", flat=True))
    section.domains = [*section.domains, "admissions"]
    section.save()
    section = User.objects.get(pk=section.pk)
    assert appeal.case_id in set(waiting_for(section).values_list("pk", flat=True))
    services.appeal_decide(appeal=appeal, status=AppealStatus.UPHELD, decision="补录。", acting_user=section)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UPHELD
