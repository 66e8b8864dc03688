from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中等职业教育")
    SPECIAL = "special", _("特殊教育")


class Grade(models.TextChoices):
    K1 = "K1", _("小班")
    K2 = "K2", _("中班")
    K3 = "K3", _("大班")
    P1 = "P1", _("一年级")
    P2 = "P2", _("二年级")
    P3 = "P3", _("三年级")
    P4 = "P4", _("四年级")
    P5 = "P5", _("五年级")
    P6 = "P6", _("六年级")
    J1 = "J1", _("七年级")
    J2 = "J2", _("八年级")
    J3 = "J3", _("九年级")
    S1 = "S1", _("高一")
    S2 = "S2", _("高二")
    S3 = "S3", _("高三")
    V1 = "V1", _("中职一年级")
    V2 = "V2", _("中职二年级")
    V3 = "V3", _("中职三年级")


GRADE_LEVEL = {
    **{g: Level.PRESCHOOL for g in ("K1", "K2", "K3")},
    **{g: Level.PRIMARY for g in ("P1", "P2", "P3", "P4", "P5", "P6")},
    **{g: Level.JUNIOR for g in ("J1", "J2", "J3")},
    **{g: Level.SENIOR for g in ("S1", "S2", "S3")},
    **{g: Level.VOCATIONAL for g in ("V1", "V2", "V3")},
}
GRADES_OF_LEVEL = {level: [g for g, lv in GRADE_LEVEL.items() if lv == level] for level in Level.values}
COMPULSORY_GRADES = GRADES_OF_LEVEL[Level.PRIMARY] + GRADES_OF_LEVEL[Level.JUNIOR]

# Typical age (周岁 at 1 September) in each grade under Hubei's 6-3 system entering at 6.
GRADE_TYPICAL_AGE = {
    "K1": 3,
    "K2": 4,
    "K3": 5,
    "P1": 6,
    "P2": 7,
    "P3": 8,
    "P4": 9,
    "P5": 10,
    "P6": 11,
    "J1": 12,
    "J2": 13,
    "J3": 14,
    "S1": 15,
    "S2": 16,
    "S3": 17,
    "V1": 15,
    "V2": 16,
    "V3": 17,
}


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在读")
    SUSPENDED = "suspended", _("休学")
    TRANSFERRED_IN = "transferred_in", _("转入")
    TRANSFERRED_OUT = "transferred_out", _("转出")
    DROPPED_OUT = "dropped_out", _("辍学")
    GRADUATED = "graduated", _("毕业")
    DECEASED = "deceased", _("死亡")


# Statuses under which a pupil is on the school's roll (在校生) on the census date.
ON_ROLL_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.TRANSFERRED_IN)
