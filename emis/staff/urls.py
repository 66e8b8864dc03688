from .ui import PostingUI, StaffUI

app_name = "staff"
urlpatterns = [*StaffUI.urls(), *PostingUI.urls()]
