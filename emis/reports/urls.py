from django.urls import path

from . import annual_views, views

app_name = "reports"
urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("stats/download/", views.stats_download, name="stats_download"),
    path("annual/", annual_views.annual_page, name="annual"),
    path("annual/draft/", annual_views.annual_draft_download, name="annual_draft"),
    path("annual/annex/", annual_views.annual_annex_download, name="annual_annex"),
    path("annual/upload/", annual_views.annual_upload, name="annual_upload"),
    path("annual/<int:pk>/publish/", annual_views.annual_publish, name="annual_publish"),
    path("annual/<int:pk>/file/", annual_views.annual_file, name="annual_file"),
]
