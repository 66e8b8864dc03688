from django.urls import include, path

from emis.core import registry

# Every app's routes come from its plugin (emis/<app>/plugin.py): root-level routes first, then each app under
# its prefix, in INSTALLED_APPS order.
urlpatterns = [
    *registry.site_urlpatterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    *registry.app_urlpatterns(),
    path("api/", include("config.api_urls")),
]
