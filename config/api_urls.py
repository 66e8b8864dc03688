from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from emis.accounts import tokens
from emis.admissions import api as admissions_api
from emis.core import api_views as core_api
from emis.orgs import api as orgs_api
from emis.population import api as population_api
from emis.staff import api as staff_api
from emis.students import api as students_api

router = DefaultRouter()
for module in (orgs_api, students_api, staff_api, population_api, admissions_api, core_api):
    for prefix, viewset in module.ROUTES:
        router.register(prefix, viewset, basename=prefix)

urlpatterns = [
    path("", include(router.urls)),
    path("token/", tokens.ObtainTokenView.as_view(), name="api-token"),
    path("token/logout/", tokens.RevokeTokenView.as_view(), name="api-token-logout"),
    path("token/logout-all/", tokens.RevokeAllTokensView.as_view(), name="api-token-logout-all"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the Content Security Policy refuses inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
