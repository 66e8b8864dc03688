from django.urls import path

from . import views
from .ui import DivisionUI, SchoolEventUI, SchoolUI, SchoolYearUI

app_name = "orgs"
urlpatterns = [
    *DivisionUI.urls(),
    *SchoolUI.urls(),
    *SchoolEventUI.urls(),
    *SchoolYearUI.urls(),
    # The system administrator's 设立县区 page (emis setup-county on a page); 404 for other roles.
    path("county/setup/", views.county_setup_page, name="county_setup"),
]
