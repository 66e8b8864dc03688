from django.urls import path

from . import export_views, pages, pickers
from .imports import views as import_views
from .ui import ObjectChangeUI

app_name = "core"
urlpatterns = [
    *ObjectChangeUI.urls(),
    path("pick/<slug:name>/", pickers.pick, name="pick"),
    path("lists/columns/", pages.list_columns, name="list_columns"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/<int:pk>/", import_views.import_detail, name="importbatch_detail"),
    path("imports/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("imports/<int:pk>/rollback/", import_views.import_rollback, name="import_rollback"),
    path("imports/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
    path("imports/template/<str:kind>.xlsx", import_views.import_template, name="import_template"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]

# Routes outside the "core" namespace, mounted at the site root (core's plugin names them as its site_urls).
site_urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
]
