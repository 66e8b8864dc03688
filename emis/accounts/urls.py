from .ui import UserUI

app_name = "accounts"
urlpatterns = [*UserUI.urls()]
