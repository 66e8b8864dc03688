from .base import *  # noqa: F401,F403
from .base import env_str

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env_str("EMIS_SECRET_KEY") == "":
    raise RuntimeError("EMIS_SECRET_KEY must be set in production")
