from django.urls import path

from . import views
from .ui import DailyStandardUI, MonthlyReportUI, ParticipationUI, SchoolDaysUI

app_name = "meals"
urlpatterns = [
    *ParticipationUI.urls(),
    *DailyStandardUI.urls(),
    *SchoolDaysUI.urls(),
    *MonthlyReportUI.urls(),
    path("totals/", views.TotalsView.as_view(), name="totals"),
    path("totals/print/", views.TotalsPrintView.as_view(), name="totals_print"),
    path("totals/export/xlsx/", views.TotalsExportView.as_view(), name="totals_export"),
]
