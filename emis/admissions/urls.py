from django.urls import path

from . import views
from .ui import CatchmentExceptionUI, CatchmentZoneUI, EntryPlanUI

app_name = "admissions"
urlpatterns = [
    path("catchments/plan/", views.plan_page, name="catchment_plan"),
    path("catchments/school/<int:pk>/", views.school_list, name="catchment_school"),
    *CatchmentZoneUI.urls(),
    *EntryPlanUI.urls(),
    *CatchmentExceptionUI.urls(),
]
