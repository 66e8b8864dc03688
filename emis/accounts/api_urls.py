"""The token endpoints under /api/ (mounted by config.api_urls through the accounts plugin)."""

from django.urls import path

from . import tokens

urlpatterns = [
    path("token/", tokens.ObtainTokenView.as_view(), name="api-token"),
    path("token/logout/", tokens.RevokeTokenView.as_view(), name="api-token-logout"),
    path("token/logout-all/", tokens.RevokeAllTokensView.as_view(), name="api-token-logout-all"),
]
