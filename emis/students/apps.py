from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "emis.students"
    label = "students"
    verbose_name = _("学生学籍")
