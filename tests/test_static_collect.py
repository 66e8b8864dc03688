"""`collectstatic` with the production storage: it used to stop on vendored CSS (Tabler) whose source-map comment
names a .map file that is not shipped, so a deployment following the guide could not collect its static files."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage_succeeds(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "emis.core.staticfiles.StaticFilesStorage"}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        call_command("collectstatic", "--noinput", "-v0")
    css = next(tmp_path.glob("vendor/tabler/css/tabler.min.*.css"))  # hashed, and compressed beside it
    assert css.with_name(css.name + ".gz").exists()
