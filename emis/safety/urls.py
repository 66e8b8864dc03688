from django.urls import path

from . import views
from .ui import AppraisalUI, BuildingUI, BusUI, DriverUI, ExpiryAlertUI, GuardUI, SafetyFactUI

app_name = "safety"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/print/", views.CompliancePrintView.as_view(), name="compliance_print"),
    path("compliance/export/xlsx/", views.ComplianceExportView.as_view(), name="compliance_export"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("figures/export/xlsx/", views.FiguresExportView.as_view(), name="figures_export"),
    *SafetyFactUI.urls(),
    *GuardUI.urls(),
    *BuildingUI.urls(),
    *AppraisalUI.urls(),
    *BusUI.urls(),
    *DriverUI.urls(),
    *ExpiryAlertUI.urls(),
]
