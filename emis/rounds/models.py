"""The senior-high admission round (中考录取): a county's round, its schools' plans, quota seats, applicants,
results and appeals.

The tables keep the names they had in the admissions app (``admissions_*``): the models moved here without
moving their data (migrations/0001_initial.py).

The solver (``emis.rounds.solver``) needs no models; the round's workflow (load, allocate, solve, publish,
appeals) is in ``services``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.admissions.apps import DOMAIN as ADMISSIONS_DOMAIN
from emis.common.idnumbers import normalize_id_number, validate_id_number
from emis.common.text import pinyin_initials
from emis.core import access
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel

from .choices import (
    DEFAULT_PREFERENCE_COUNT,
    DEFAULT_QUOTA_SHARE,
    MAX_PREFERENCE_COUNT,
    AppealStatus,
    Phase,
    QuotaRule,
    RoundStatus,
    SolveStatus,
)


def default_division_code() -> str:
    """A round made with no user to ask is the deployment's area's (one county: that county). A page's or the API's
    new round is the area of the user making it (services.workflow.round_row_save)."""
    return access.deployment_area_code()


SCORE_MAX_DIGITS, SCORE_DECIMALS = 6, 2
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _results_restriction(user, fields: frozenset[str], prefix: str = "round__"):
    """Results (of a row reached through ``prefix``) are kept out of the change log as they are kept off the
    record: for a reader outside the county level until the round is published."""
    from .selectors import log_results_hidden_q  # selectors imports these models

    rows = log_results_hidden_q(user, prefix)
    return None if rows is None else (fields, rows)


def locked_message(admission_round) -> str:
    return _("“{name}”已发布，录取结果已锁定，不能再修改。").format(name=admission_round.name)


class AdmissionRound(RegistryModel):
    """中考录取批次: one county's senior-high admission for a school year, its settings and its status.

    Draft → allocated (quota seats split among junior schools) → solved (results stored, re-runnable) → published
    (locked: the round, its schools, allocations and applicants can no longer change; only appeals are recorded).
    """

    domain = ADMISSIONS_DOMAIN  # written by the same accounts as the catchments
    scope = ScopeSpec(division_paths=("division_code",))

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("招生学年"), on_delete=models.PROTECT, related_name="admission_rounds"
    )
    name = models.CharField(_("批次名称"), max_length=64)
    division_code = models.CharField(_("所属区划代码"), max_length=12, default=default_division_code, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    quota_share = models.CharField(
        _("指标到校比例"),
        max_length=16,
        default=DEFAULT_QUOTA_SHARE,
        help_text=_("优质高中计划中指标到校名额的比例，如 2/3、0.7 或 70%。"),
    )
    quota_rule = models.CharField(
        _("指标分配办法"), max_length=16, choices=QuotaRule.choices, default=QuotaRule.APPLICANTS
    )
    preference_count = models.PositiveSmallIntegerField(
        _("可填志愿数"),
        default=DEFAULT_PREFERENCE_COUNT,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PREFERENCE_COUNT)],
    )
    tie_break = models.CharField(
        _("同分排序规则"),
        max_length=120,
        default="total,chinese+math+english,math,chinese,english,exam_no",
        help_text=_("总分相同时依次比较的科目；各项都相同时按考号排序，考号小者在前。"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ("-school_year__start_year", "name")
        db_table = "admissions_admissionround"  # the admissions app's table, kept when the model moved here
        verbose_name = _("中考录取批次")
        verbose_name_plural = _("中考录取批次")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "name"),
                name="admissions_round_unique_name_per_year",
                violation_error_message=_("该学年已有同名录取批次。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rounds:admissionround_detail", args=[self.pk])

    @classmethod
    def history_value(cls, name: str, value):
        """The tie-break rule in words in the change history (core.views.history_rows)."""
        if name == "tie_break":
            from .choices import describe_tie_break

            return describe_tie_break(value)
        return NotImplemented

    @property
    def is_locked(self) -> bool:
        return self.status == RoundStatus.PUBLISHED

    @property
    def results_ready(self) -> bool:
        return self.status in (RoundStatus.SOLVED, RoundStatus.PUBLISHED)

    def clean(self) -> None:
        from .choices import tie_break_label
        from .solver.engine import TIE_BREAK_KEYS, parse_tie_break
        from .solver.quota import parse_share

        if self.pk and self.is_locked:
            raise ValidationError(locked_message(self))
        errors = {}
        try:
            parse_share(self.quota_share)
        except (ValueError, ZeroDivisionError):
            errors["quota_share"] = _("“{value}”应为 0 到 1 之间的比例，如 2/3、0.7 或 70%。").format(
                value=self.quota_share
            )
        try:
            self.tie_break = ",".join(parse_tie_break(self.tie_break or ""))
        except ValueError as exc:
            errors["tie_break"] = _(
                "“{item}”无法识别或重复：可依次选 {names}，每项只选一次；最后总按考号排序。"
            ).format(
                item=tie_break_label(exc.args[0] if exc.args else ""),
                names="、".join(tie_break_label(key) for key in TIE_BREAK_KEYS if key != "exam_no"),
            )
        if errors:
            raise ValidationError(errors)


class RoundSchool(RegistryModel):
    """A senior-high school's plan in a round — open seats (统招) and quota seats (指标到校) — and its results.

    A quality school (优质高中) offers quota seats: allocating quotas sets them to ``ceil(share × plan)`` of its plan
    (open + quota seats). The result fields are written by solving the round.
    """

    domain = ADMISSIONS_DOMAIN  # written by the same accounts as the catchments
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("round__division_code",))

    round = models.ForeignKey(
        AdmissionRound, verbose_name=_("录取批次"), on_delete=models.CASCADE, related_name="schools"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("高中学校"), on_delete=models.PROTECT, related_name="admission_plans"
    )
    open_seats = models.PositiveIntegerField(_("统招名额"))
    quota_seats = models.PositiveIntegerField(
        _("指标到校名额"), default=0, help_text=_("优质高中分配指标时按比例由招生计划总数重算。")
    )
    quota_min_score = models.DecimalField(
        _("指标生最低控制线"),
        max_digits=SCORE_MAX_DIGITS,
        decimal_places=SCORE_DECIMALS,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text=_("留空为不设控制线。"),
    )
    is_quality = models.BooleanField(_("优质高中"), default=False, help_text=_("优质高中拿出指标到校名额分配到初中。"))
    quota_admitted = models.PositiveIntegerField(_("指标到校录取人数"), null=True, blank=True)
    open_capacity = models.PositiveIntegerField(
        _("统招实际名额"), null=True, blank=True, help_text=_("统招名额加上未录满而转入统招的指标名额。")
    )
    open_admitted = models.PositiveIntegerField(_("统招录取人数"), null=True, blank=True)
    open_cutoff = models.DecimalField(
        _("统招录取线"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, null=True, blank=True
    )

    class Meta:
        ordering = ("round", "school")
        db_table = "admissions_roundschool"  # the admissions app's table, kept when the model moved here
        verbose_name = _("高中招生计划")
        verbose_name_plural = _("高中招生计划")
        constraints = [
            models.UniqueConstraint(
                fields=("round", "school"),
                name="admissions_roundschool_unique_school",
                violation_error_message=_("该录取批次已有这所学校的招生计划。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school.name}（{self.round.name}）"

    def get_absolute_url(self) -> str:
        return reverse("rounds:roundschool_detail", args=[self.pk])

    result_fields = frozenset({"quota_admitted", "open_capacity", "open_admitted", "open_cutoff"})

    @classmethod
    def change_log_restriction(cls, user):
        return _results_restriction(user, cls.result_fields)

    @property
    def plan(self) -> int:
        return (self.open_seats or 0) + (self.quota_seats or 0)

    def clean(self) -> None:
        from emis.orgs.choices import SENIOR_SCHOOL_CATEGORIES

        if self.round_id and self.round.is_locked:
            raise ValidationError(locked_message(self.round))
        errors = {}
        if self.school_id and self.school.category not in SENIOR_SCHOOL_CATEGORIES:
            errors["school"] = _("“{school}”（{category}）不招收高中新生。").format(
                school=self.school.name, category=self.school.get_category_display()
            )
        if self.quota_seats and not self.is_quality:
            errors["quota_seats"] = _("只有优质高中设指标到校名额。")
        if errors:
            raise ValidationError(errors)


class QuotaAllocation(RegistryModel):
    """指标到校名额分配: a quality school's quota seats for one junior school in a round, and how many it took."""

    domain = ADMISSIONS_DOMAIN  # written by the same accounts as the catchments
    scope = ScopeSpec(school_paths=("school_id", "junior_school_id"), division_paths=("round__division_code",))

    round = models.ForeignKey(
        AdmissionRound, verbose_name=_("录取批次"), on_delete=models.CASCADE, related_name="quota_allocations"
    )
    school = models.ForeignKey("orgs.School", verbose_name=_("高中学校"), on_delete=models.PROTECT, related_name="+")
    junior_school = models.ForeignKey(
        "orgs.School", verbose_name=_("初中学校"), on_delete=models.PROTECT, related_name="+"
    )
    seats = models.PositiveIntegerField(_("指标名额"))
    admitted = models.PositiveIntegerField(_("录取人数"), null=True, blank=True)
    cutoff = models.DecimalField(
        _("指标到校录取线"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, null=True, blank=True
    )

    class Meta:
        ordering = ("round", "school", "junior_school")
        db_table = "admissions_quotaallocation"  # the admissions app's table, kept when the model moved here
        verbose_name = _("指标到校分配")
        verbose_name_plural = _("指标到校分配")
        constraints = [
            models.UniqueConstraint(
                fields=("round", "school", "junior_school"),
                name="admissions_quota_unique_pool",
                violation_error_message=_("该批次已有这所高中对这所初中的指标分配。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school.name} → {self.junior_school.name}"

    def get_absolute_url(self) -> str:
        return reverse("rounds:quotaallocation_detail", args=[self.pk])

    result_fields = frozenset({"admitted", "cutoff"})

    @classmethod
    def change_log_restriction(cls, user):
        return _results_restriction(user, cls.result_fields)

    def clean(self) -> None:
        from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES

        if self.round_id and self.round.is_locked:
            raise ValidationError(locked_message(self.round))
        errors = {}
        if self.junior_school_id and self.junior_school.category not in JUNIOR_SCHOOL_CATEGORIES:
            errors["junior_school"] = _("“{school}”不是初中学校。").format(school=self.junior_school.name)
        if self.round_id and self.school_id:
            plan = RoundSchool.objects.filter(round_id=self.round_id, school_id=self.school_id).first()
            if plan is None:
                errors["school"] = _("“{school}”不在该批次的招生学校中。").format(school=self.school.name)
            elif not plan.is_quality:
                errors["school"] = _("“{school}”不是优质高中，没有指标到校名额。").format(school=self.school.name)
        if errors:
            raise ValidationError(errors)


class Applicant(RegistryModel):
    """A 中考 applicant of a round: scores, junior school, ordered preferences (school codes), eligibility for quota
    seats, and — once solved — the result with the reason each higher preference failed."""

    domain = ADMISSIONS_DOMAIN  # written by the same accounts as the catchments
    scope = ScopeSpec(school_paths=("junior_school_id",), division_paths=("round__division_code",))
    sensitive_fields = ("id_number",)

    round = models.ForeignKey(
        AdmissionRound, verbose_name=_("录取批次"), on_delete=models.CASCADE, related_name="applicants"
    )
    exam_no = models.CharField(_("考号"), max_length=32)
    name = models.CharField(_("姓名"), max_length=64, blank=True)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=64, blank=True, editable=False)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, blank=True, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    junior_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("毕业初中"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    total = models.DecimalField(
        _("总分"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, validators=NOT_NEGATIVE
    )
    chinese = models.DecimalField(
        _("语文"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, validators=NOT_NEGATIVE
    )
    math = models.DecimalField(
        _("数学"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, validators=NOT_NEGATIVE
    )
    english = models.DecimalField(
        _("外语"), max_digits=SCORE_MAX_DIGITS, decimal_places=SCORE_DECIMALS, validators=NOT_NEGATIVE
    )
    preferences = models.JSONField(_("志愿"), default=list, blank=True)
    eligible = models.BooleanField(_("具备指标生资格"), default=True)
    result_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("录取学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    result_phase = models.CharField(_("录取批次类别"), max_length=8, choices=Phase.choices, blank=True)
    result_preference_rank = models.PositiveSmallIntegerField(_("录取志愿序号"), null=True, blank=True)
    explanation = models.TextField(_("录取说明"), blank=True, editable=False)

    class Meta:
        ordering = ("round_id", "exam_no")  # by id: the round's own ordering would join two tables per list
        db_table = "admissions_applicant"  # the admissions app's table, kept when the model moved here
        verbose_name = _("考生")
        verbose_name_plural = _("考生")
        constraints = [
            models.UniqueConstraint(
                fields=("round", "exam_no"),
                name="admissions_applicant_unique_exam_no",
                violation_error_message=_("该批次已有这个考号。"),
            )
        ]
        indexes = [
            models.Index(fields=("round", "result_school"), name="adm_applicant_result_idx"),
            models.Index(fields=("name_initials",), name="adm_applicant_initials_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_no} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("rounds:applicant_detail", args=[self.pk])

    result_fields = frozenset({"result_school", "result_phase", "result_preference_rank"})

    @classmethod
    def change_log_restriction(cls, user):
        return _results_restriction(user, cls.result_fields)

    @property
    def explanation_lines(self) -> list[str]:
        return [line for line in self.explanation.splitlines() if line]

    def clean(self) -> None:
        from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES

        if self.round_id and self.round.is_locked:
            raise ValidationError(locked_message(self.round))
        errors = {}
        if self.id_number:
            self.id_number = normalize_id_number(self.id_number)
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                errors["id_number"] = exc.messages
        if self.junior_school_id and self.junior_school.category not in JUNIOR_SCHOOL_CATEGORIES:
            errors["junior_school"] = _("“{school}”不是初中学校。").format(school=self.junior_school.name)
        if self.round_id:
            problem = preference_problem(self.round, self.preferences or [])
            if problem:
                errors["preferences"] = problem
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)


def preference_problem(admission_round, codes: list[str]) -> str | None:
    """Why a list of preference codes is not valid in the round (too many, repeated, not a school of the round)."""
    if len(codes) > admission_round.preference_count:
        return _("本批次最多填报 {n} 个志愿。").format(n=admission_round.preference_count)
    seen = set()
    for code in codes:
        if code in seen:
            return _("志愿学校 {value} 重复填报。").format(value=code)
        seen.add(code)
    known = set(RoundSchool.objects.filter(round=admission_round).values_list("school__code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        return _("志愿学校 {value} 不在本批次的招生学校中。").format(value="、".join(unknown))
    return None


class Appeal(RegistryModel):
    """录取申诉: an applicant's appeal against a published result, and the bureau's decision.

    Appeals are recorded after publication only; a decision does not reopen the locked round (an upheld appeal
    is settled outside it, e.g. in a supplementary admission, and the decision says how).
    """

    domain = ADMISSIONS_DOMAIN  # written by the same accounts as the catchments
    scope = ScopeSpec(
        school_paths=("applicant__junior_school_id",), division_paths=("applicant__round__division_code",)
    )

    applicant = models.ForeignKey(Applicant, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="appeals")
    received_on = models.DateField(_("受理日期"))
    reason = models.TextField(_("申诉理由"))
    # The appeal's state is its case's (受理 → 申诉成立 / 申诉不成立, emis.rounds.workflows.APPEAL): no status here.
    case = models.OneToOneField(
        "work.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="admission_appeal"
    )
    decision = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ("-received_on", "-id")
        db_table = "admissions_appeal"  # the admissions app's table, kept when the model moved here
        verbose_name = _("录取申诉")
        verbose_name_plural = _("录取申诉")

    def __str__(self) -> str:
        return _("{applicant} 的申诉").format(applicant=self.applicant)

    def get_absolute_url(self) -> str:
        return reverse("rounds:appeal_detail", args=[self.pk])

    @property
    def status(self) -> str:
        return self.case.state

    def get_status_display(self) -> str:
        return str(AppealStatus(self.case.state).label)

    @property
    def is_decided(self) -> bool:
        return self.status != AppealStatus.RECEIVED

    def clean(self) -> None:
        if self.pk and self.is_decided:
            raise ValidationError(_("申诉已处理，不能再修改。"))
        if self.applicant_id and self.applicant.round.status != RoundStatus.PUBLISHED:
            raise ValidationError(_("录取结果发布后方可登记申诉。"))


class SolveRun(models.Model):
    """One run of a round's solve step as a background task (services/solving.py, tasks.py): its state for the
    round page's progress panel, and what to tell the user who asked for it once it has ended.

    Not a registry row: it holds no data of the round (the results are on the applicants, schools and pools, with
    their change records, and the step's ``admissions.round_solved`` event), only how the task went."""

    round = models.ForeignKey(
        AdmissionRound, verbose_name=_("录取批次"), on_delete=models.CASCADE, related_name="solve_runs"
    )
    status = models.CharField(_("状态"), max_length=16, choices=SolveStatus.choices, default=SolveStatus.QUEUED)
    messages = models.JSONField(_("结果说明"), default=list, blank=True)  # in Chinese, as the page shows them
    more = models.BooleanField(_("另有更多问题"), default=False)
    counts = models.JSONField(_("录取人数"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    announced = models.BooleanField(_("已告知操作人"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("录取计算")
        verbose_name_plural = _("录取计算")

    def __str__(self) -> str:
        return f"{self.round_id} #{self.pk} {self.status}"
