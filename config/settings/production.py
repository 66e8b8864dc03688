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

# Children's ID numbers are encrypted with keys from the environment; refuse to run without them.
if not env_str("EMIS_DATA_KEYS") or not env_str("EMIS_HASH_KEY"):
    raise RuntimeError("EMIS_DATA_KEYS and EMIS_HASH_KEY must be set in production (see docs/security.md)")
if "ZGV2LW9ubHkt" in env_str("EMIS_DATA_KEYS") + env_str("EMIS_HASH_KEY"):  # base64 of "dev-only-"
    raise RuntimeError("EMIS_DATA_KEYS and EMIS_HASH_KEY must not be the development keys in production")
