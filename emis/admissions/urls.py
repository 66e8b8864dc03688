from django.urls import path

from . import rounds_views, views
from .rounds_ui import AdmissionRoundUI, AppealUI, ApplicantUI, QuotaAllocationUI, RoundSchoolUI
from .ui import CatchmentExceptionUI, CatchmentZoneUI, EntryPlanUI

app_name = "admissions"
urlpatterns = [
    path("catchments/plan/", views.plan_page, name="catchment_plan"),
    path("catchments/school/<int:pk>/", views.school_list, name="catchment_school"),
    *CatchmentZoneUI.urls(),
    *EntryPlanUI.urls(),
    *CatchmentExceptionUI.urls(),
    # Senior-high admission rounds (中考录取): the workflow steps are POST only.
    path("admissionround/<int:pk>/load/", rounds_views.round_load, name="round_load"),
    path("admissionround/<int:pk>/allocate/", rounds_views.round_allocate, name="round_allocate"),
    path("admissionround/<int:pk>/solve/", rounds_views.round_solve, name="round_solve"),
    path("admissionround/<int:pk>/publish/", rounds_views.round_publish, name="round_publish"),
    path("admissionround/<int:pk>/results.xlsx", rounds_views.round_export, name="round_export"),
    path("roundschool/<int:pk>/admitted.xlsx", rounds_views.round_school_export, name="roundschool_admitted"),
    path("appeal/<int:pk>/decide/", rounds_views.appeal_decide, name="appeal_decide"),
    *AdmissionRoundUI.urls(),
    *RoundSchoolUI.urls(),
    *QuotaAllocationUI.urls(),
    *ApplicantUI.urls(),
    *AppealUI.urls(),
]
