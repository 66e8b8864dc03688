from .ui import EnrollmentUI, SchoolClassUI, StudentUI

app_name = "students"
urlpatterns = [*StudentUI.urls(), *SchoolClassUI.urls(), *EnrollmentUI.urls()]
