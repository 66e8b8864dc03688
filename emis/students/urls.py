from django.urls import path

from . import rollchange_views
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
]
