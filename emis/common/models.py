"""Abstract person fields shared by students, staff and population records."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .idnumbers import check_id_consistency, normalize_id_number, validate_id_number
from .text import pinyin_initials


class Gender(models.TextChoices):
    MALE = "1", _("男")
    FEMALE = "2", _("女")


class PersonFields(models.Model):
    """Name with its pinyin search key, gender, birth date and a checked 居民身份证号."""

    sensitive_fields = ("id_number",)

    name = models.CharField(_("姓名"), max_length=64)
    name_initials = models.CharField(_("拼音首字母"), max_length=64, blank=True, db_index=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))

    class Meta:
        abstract = True

    def refresh_search_keys(self) -> None:
        """Recompute derived search keys; bulk loaders call this because bulk_create skips save()."""
        self.name_initials = pinyin_initials(self.name)
        if getattr(self, "id_number", None):
            self.id_number = normalize_id_number(self.id_number)

    def save(self, *args, **kwargs):
        self.refresh_search_keys()
        super().save(*args, **kwargs)

    def clean_person(self, *, id_required: bool) -> None:
        errors = {}
        id_number = normalize_id_number(getattr(self, "id_number", "") or "")
        if id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                errors["id_number"] = exc.messages
            else:
                errors.update(check_id_consistency(id_number, self.birth_date, self.gender))
        elif id_required:
            errors["id_number"] = [_("身份证号不能为空。")]
        if errors:
            raise ValidationError(errors)
