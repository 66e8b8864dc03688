from django.urls import path

from . import views
from .ui import CampaignUI, FindingUI, InspectionUI, TargetUI, TemplateUI

app_name = "inspections"
urlpatterns = [
    *TemplateUI.urls(),
    *CampaignUI.urls(),
    *TargetUI.urls(),
    *InspectionUI.urls(),
    *FindingUI.urls(),
    path("template/new/", views.TemplateEditView.as_view(), name="template_new"),
    path("template/<int:pk>/publish/", views.TemplateEditView.as_view(), name="template_publish"),
    path("campaign/new/", views.CampaignCreateView.as_view(), name="campaign_new"),
    path("campaign/<int:pk>/results/xlsx/", views.CampaignResultsExportView.as_view(), name="campaign_results_export"),
    path("campaign/<int:pk>/report/", views.CampaignReportView.as_view(), name="campaign_report"),
    path("campaign/<int:pk>/print/", views.CampaignPrintView.as_view(), name="campaign_print"),
    path("target/<int:pk>/fill/", views.FillView.as_view(), name="target_fill"),
]
