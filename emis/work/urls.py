from django.urls import path

from . import views
from .ui import CalendarDayUI, CalendarYearUI, CaseUI

app_name = "work"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("inbox/export/<str:fmt>/", views.InboxExportView.as_view(), name="inbox_export"),
    path("flows/", views.WorkflowIndexView.as_view(), name="workflows"),
    path("flows/<slug:code>/", views.WorkflowView.as_view(), name="workflow"),
    *CaseUI.urls(),
    *CalendarDayUI.urls(),
    *CalendarYearUI.urls(),
    path("case/<int:pk>/step/<slug:name>/", views.CaseStepView.as_view(), name="case_step"),
    path("case/<int:pk>/upload/", views.case_upload, name="case_upload"),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachment/<int:pk>/thumbnail/", views.attachment_thumbnail, name="attachment_thumbnail"),
]
