from django.urls import path

from . import rollchange_views, roster_views
from .rollchange_ui import RollChangeUI
from .ui import EnrollmentUI, SchoolClassUI, StudentUI

app_name = "students"
urlpatterns = [
    *StudentUI.urls(),
    *SchoolClassUI.urls(),
    *EnrollmentUI.urls(),
    *RollChangeUI.urls(),
    # Roll changes (学籍异动): the guided actions beyond the history's generic pages.
    path("rollchange/promote/", rollchange_views.promotion, name="promotion"),
    path("rollchange/<int:pk>/undo/", rollchange_views.rollchange_undo, name="rollchange_undo"),
    path("rollchange/<int:pk>/progress/", rollchange_views.rollchange_progress, name="rollchange_progress"),
    path("student/<int:pk>/rollchange/", rollchange_views.student_rollchange, name="student_rollchange"),
    path("schoolclass/<int:pk>/rollchange/", rollchange_views.class_rollchange, name="class_rollchange"),
    # 花名册: a class's and a school's printable roster (A4 page and xlsx).
    path("schoolclass/<int:pk>/roster/", roster_views.class_roster_page, name="schoolclass_roster"),
    path("schoolclass/<int:pk>/roster.xlsx", roster_views.class_roster_xlsx, name="schoolclass_roster_xlsx"),
    path("school/<int:pk>/roster/", roster_views.school_roster_page, name="school_roster"),
    path("school/<int:pk>/roster.xlsx", roster_views.school_roster_xlsx, name="school_roster_xlsx"),
]
