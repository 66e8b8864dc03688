from django.urls import path

from . import views
from .ui import AssignmentUI, InspectorUI, LeaderPostUI, VisitPlanUI, VisitUI

app_name = "supervision"
urlpatterns = [
    path("visit/new/", views.VisitNewView.as_view(), name="visit_new"),
    *InspectorUI.urls(),
    *AssignmentUI.urls(),
    *VisitPlanUI.urls(),
    *VisitUI.urls(),
    *LeaderPostUI.urls(),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/print/", views.CompliancePrintView.as_view(), name="compliance_print"),
    path("compliance/export/xlsx/", views.ComplianceExportView.as_view(), name="compliance_export"),
]
urlpatterns += [
    path("kindergartens/", views.KindergartenView.as_view(), name="kindergartens"),
    path("kindergartens/export/xlsx/", views.KindergartenExportView.as_view(), name="kindergartens_export"),
    path("five/", views.FiveView.as_view(), name="five"),
    path("five/export/xlsx/", views.FiveExportView.as_view(), name="five_export"),
]
urlpatterns += [path("mine/", views.MyZoneView.as_view(), name="my_zone")]
