from django.urls import path

from . import template_views, views
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
    path("templates/", template_views.document_templates, name="document_templates"),
    path(
        "templates/<slug:kind>/<str:county>/upload/",
        template_views.document_template_upload,
        name="document_template_upload",
    ),
    path(
        "templates/<slug:kind>/<str:county>/revert/",
        template_views.document_template_revert,
        name="document_template_revert",
    ),
    path(
        "templates/<slug:kind>/<str:county>/<slug:which>.docx",
        template_views.document_template_download,
        name="document_template_download",
    ),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachment/<int:pk>/thumbnail/", views.attachment_thumbnail, name="attachment_thumbnail"),
]
