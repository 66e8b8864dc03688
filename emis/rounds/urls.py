from django.urls import path

from . import views
from .ui import AdmissionRoundUI, AppealUI, ApplicantUI, QuotaAllocationUI, RoundSchoolUI

# Mounted under /admissions/ (plugin.py), where the rounds' pages were before they became their own app.
app_name = "rounds"
urlpatterns = [
    # The workflow steps are POST only.
    path("admissionround/<int:pk>/load/", views.round_load, name="round_load"),
    path("admissionround/<int:pk>/allocate/", views.round_allocate, name="round_allocate"),
    path("admissionround/<int:pk>/solve/", views.round_solve, name="round_solve"),
    path("admissionround/<int:pk>/solve/status/", views.round_solve_status, name="round_solve_status"),
    path("admissionround/<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("admissionround/<int:pk>/results.xlsx", views.round_export, name="round_export"),
    path("roundschool/<int:pk>/admitted.xlsx", views.round_school_export, name="roundschool_admitted"),
    path("appeal/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    *AdmissionRoundUI.urls(),
    *RoundSchoolUI.urls(),
    *QuotaAllocationUI.urls(),
    *ApplicantUI.urls(),
    *AppealUI.urls(),
]
