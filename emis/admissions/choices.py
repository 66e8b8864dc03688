from django.db import models
from django.utils.translation import gettext_lazy as _

from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES, SchoolCategory


class EntryLevel(models.TextChoices):
    """The two entry points of compulsory education that catchments (划片) decide."""

    PRIMARY = "primary", _("小学一年级")
    JUNIOR = "junior", _("初中一年级")


class ExceptionReason(models.TextChoices):
    MIGRANT = "migrant", _("随迁子女")
    SPECIAL = "special", _("特殊教育")
    POLICY = "policy", _("政策照顾")
    OTHER = "other", _("其他")


# Schools that can take each entry grade: a nine-year school takes both.
ENTRY_SCHOOL_CATEGORIES = {
    EntryLevel.PRIMARY: (SchoolCategory.PRIMARY, SchoolCategory.NINE_YEAR, SchoolCategory.TWELVE_YEAR),
    EntryLevel.JUNIOR: JUNIOR_SCHOOL_CATEGORIES,
}

# 城乡中小学校建设标准: standard class sizes 小学 45, 初中 50 [C2]; a class of 56 or more is 大班额.
STANDARD_CLASS_SIZE = {EntryLevel.PRIMARY: 45, EntryLevel.JUNIOR: 50}
LARGE_CLASS_SIZE = 56
