from django.urls import path

from . import roster_views
from .ui import EnrollmentUI, SchoolClassUI, StudentUI

app_name = "students"
urlpatterns = [
    *StudentUI.urls(),
    *SchoolClassUI.urls(),
    *EnrollmentUI.urls(),
    # 花名册: a class's and a school's printable roster (A4 page and xlsx).
    path("schoolclass/<int:pk>/roster/", roster_views.class_roster_page, name="schoolclass_roster"),
    path("schoolclass/<int:pk>/roster.xlsx", roster_views.class_roster_xlsx, name="schoolclass_roster_xlsx"),
    path("school/<int:pk>/roster/", roster_views.school_roster_page, name="school_roster"),
    path("school/<int:pk>/roster.xlsx", roster_views.school_roster_xlsx, name="school_roster_xlsx"),
]
