from .ui import OutsideEnrollmentUI, PopulationRecordUI

app_name = "population"
urlpatterns = [*PopulationRecordUI.urls(), *OutsideEnrollmentUI.urls()]
