from django.urls import path

from . import detection_views, views
from .ui import DropoutCaseUI, MonthlyReportUI

app_name = "dropouts"
urlpatterns = [
    *DropoutCaseUI.urls(),
    *MonthlyReportUI.urls(),
    path("dropoutcase/<int:pk>/step/<slug:transition>/", views.case_step, name="case_step"),
    path("dropoutcase/<int:pk>/responsibles/", views.case_responsibles, name="case_responsibles"),
    path("detect/open/", views.open_detected, name="open_detected"),
    path("monthlyreport/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/manage/", views.reports_manage, name="reports_manage"),
    path("ledger/children/", views.ledger_children, name="ledger_children"),
    path("ledger/suspected/", views.ledger_suspected, name="ledger_suspected"),
    path("ledger/dropouts/", views.ledger_dropouts, name="ledger_dropouts"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # 四查三比对
    path("detection/", detection_views.DetectionView.as_view(), name="detection"),
    path("detection/review/", detection_views.ReviewView.as_view(), name="detection_review"),
]
