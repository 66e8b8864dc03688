from django.urls import include, path

from emis.core.urls import site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),
    path("core/", include("emis.core.urls")),
    path("accounts/", include("emis.accounts.urls")),
    path("orgs/", include("emis.orgs.urls")),
    path("students/", include("emis.students.urls")),
    path("staff/", include("emis.staff.urls")),
    path("population/", include("emis.population.urls")),
    path("admissions/", include("emis.admissions.urls")),
    path("indicators/", include("emis.indicators.urls")),
    path("reports/", include("emis.reports.urls")),
    path("api/", include("config.api_urls")),
]
