from django.urls import path

from . import views
from .ui import IndicatorSnapshotUI, PlanTargetUI

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.screen, name="screen"),
    path("publish/", views.publish, name="publish"),
    path("code/<str:code>/", views.indicator_detail, name="detail"),
    *PlanTargetUI.urls(),
    *IndicatorSnapshotUI.urls(),
]
