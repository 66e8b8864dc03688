from .ui import PopulationRecordUI

app_name = "population"
urlpatterns = [*PopulationRecordUI.urls()]
