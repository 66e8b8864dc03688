from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .ui import UserUI

app_name = "accounts"
urlpatterns = [
    *UserUI.urls(),
    path("user/<int:pk>/tokens/revoke/", views.user_token_revoke, name="user_token_revoke"),
    path("user/<int:pk>/otp-reset/", views.user_otp_reset, name="user_otp_reset"),
    path("user/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("2fa/", views.otp, name="otp"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", views.my_tokens, name="my_tokens"),
    path("tokens/revoke/", views.my_token_revoke, name="my_token_revoke"),
    path("security/", views.security_log, name="security_log"),
    path("security/unlock/", views.lockout_release, name="lockout_release"),
]

# Routes outside the "accounts" namespace, mounted at the site root (the plugin names them as its site_urls).
site_urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/login/verify/", views.login_verify, name="login_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
