from django.db import models
from django.utils.translation import gettext_lazy as _


class Establishment(models.TextChoices):
    PERMANENT = "permanent", _("在编")
    CONTRACT = "contract", _("非在编")
    SUBSTITUTE = "substitute", _("代课")


class Title(models.TextChoices):
    SENIOR_PROFESSOR = "senior_professor", _("正高级教师")
    SENIOR = "senior", _("高级教师")
    FIRST = "first", _("一级教师")
    SECOND = "second", _("二级教师")
    THIRD = "third", _("三级教师")
    NONE = "none", _("未定职级")


class Qualification(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("本科")
    ASSOCIATE = "associate", _("专科")
    SECONDARY = "secondary", _("高中（中专）")
    BELOW = "below", _("高中以下")


class PostingKind(models.TextChoices):
    RECRUITMENT = "recruitment", _("招聘入职")
    TRANSFER = "transfer", _("调动")
    EXCHANGE = "exchange", _("交流轮岗")
    SECONDMENT = "secondment", _("借调")


# Postings that place a staff member at their own school (人事关系所在学校); an exchange (交流轮岗) or secondment
# leaves them counted there.
HOME_POSTINGS = (PostingKind.RECRUITMENT, PostingKind.TRANSFER)
