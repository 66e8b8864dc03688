from django.urls import path

from . import views
from .ui import ComplaintUI, FeePlanUI, InstitutionUI, JointCheckUI, TeacherUI

app_name = "tutoring"
urlpatterns = [
    *InstitutionUI.urls(),
    *TeacherUI.urls(),
    *FeePlanUI.urls(),
    *ComplaintUI.urls(),
    *JointCheckUI.urls(),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("summary/export/xlsx/", views.SummaryExportView.as_view(), name="summary_export"),
]
