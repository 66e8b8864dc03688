from .ui import DivisionUI, SchoolEventUI, SchoolUI, SchoolYearUI

app_name = "orgs"
urlpatterns = [*DivisionUI.urls(), *SchoolUI.urls(), *SchoolEventUI.urls(), *SchoolYearUI.urls()]
