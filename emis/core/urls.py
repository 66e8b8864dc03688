from django.contrib.auth import views as auth_views
from django.urls import path

from . import pages
from .ui import ObjectChangeUI

app_name = "core"
urlpatterns = [*ObjectChangeUI.urls()]

# Routes outside the "core" namespace, included by config.urls at the site root.
site_urlpatterns = [
    path("", pages.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", pages.healthz, name="healthz"),
]
