"""Staff (教职工) and their posting history."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.models import PersonFields
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel

from .apps import DOMAIN
from .choices import Establishment, PostingKind, Qualification, Title


class Staff(PersonFields, RegistryModel):
    """A teacher or other staff member, posted at one school."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("post_school_id", "post_school__parent_id"), division_paths=("post_school__township__code",)
    )
    sensitive_fields = ("id_number",)

    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    establishment = models.CharField(_("编制类型"), max_length=16, choices=Establishment.choices)
    post_school = models.ForeignKey(
        "orgs.School", verbose_name=_("任职学校"), on_delete=models.PROTECT, related_name="staff"
    )
    subject = models.CharField(_("任教学科"), max_length=32, blank=True)
    title = models.CharField(_("专业技术职务"), max_length=24, choices=Title.choices, default=Title.NONE)
    qualification = models.CharField(_("最高学历"), max_length=16, choices=Qualification.choices)
    is_active = models.BooleanField(_("在职"), default=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("教职工")
        verbose_name_plural = _("教职工")
        constraints = [models.UniqueConstraint(fields=("id_number_hash",), name="staff_staff_id_number_hash_uniq")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("staff:staff_detail", args=[self.pk])

    def clean(self) -> None:
        self.clean_person(id_required=True)


class Posting(RegistryModel):
    """A period of a staff member at a school: recruitment, transfer, exchange (轮岗) or secondment."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    staff = models.ForeignKey(Staff, verbose_name=_("教职工"), on_delete=models.CASCADE, related_name="postings")
    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=PostingKind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ("staff", "-start_date")
        verbose_name = _("任职经历")
        verbose_name_plural = _("任职经历")

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()} {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("staff:posting_detail", args=[self.pk])

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
