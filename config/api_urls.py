from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from emis.core import api_views as core_api
from emis.core import registry

router = DefaultRouter()
# Each app's API routes come from its plugin; the change log (core's own) is listed last.
for prefix, viewset in (*registry.api_routes(), *core_api.ROUTES):
    router.register(prefix, viewset, basename=prefix)

urlpatterns = [
    path("", include(router.urls)),
    *registry.api_urlpatterns(),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the Content Security Policy refuses inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
