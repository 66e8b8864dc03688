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
    path("evidence/<str:kind>/<int:pk>/upload/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("evidence/<int:pk>/thumbnail/", views.EvidenceThumbnailView.as_view(), name="evidence_thumbnail"),
    path("evidence/<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence_delete"),
    *SafetyFactUI.urls(),
    *GuardUI.urls(),
    *BuildingUI.urls(),
    *AppraisalUI.urls(),
    *BusUI.urls(),
    *DriverUI.urls(),
    *ExpiryAlertUI.urls(),
]
