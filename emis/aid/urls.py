from django.urls import path

from . import views
from .ui import ProgrammeUI, RecognitionUI, RollUI, StandardUI, TermUI

app_name = "aid"
urlpatterns = [
    *ProgrammeUI.urls(),
    *StandardUI.urls(),
    *RecognitionUI.urls(),
    *RollUI.urls(),
    *TermUI.urls(),
    path("standard/new/", views.StandardCreateView.as_view(), name="standard_new"),
    path("generate/", views.GenerateView.as_view(), name="generate"),
    path("roll/<int:pk>/step/", views.roll_step, name="roll_step"),
    path("roll/<int:pk>/public/", views.roll_public, name="roll_public"),
    path("roll/<int:pk>/public.xlsx", views.roll_public_xlsx, name="roll_public_xlsx"),
    path("line/<int:pk>/change/", views.line_change, name="line_change"),
    path("totals/", views.TotalsView.as_view(), name="totals"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
]
