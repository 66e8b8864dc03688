from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("stats/download/", views.stats_download, name="stats_download"),
]
