"""The deployment profile, and the default of manage.py, `emis` and wsgi: safe unless told otherwise.

It refuses to start without a real secret key (EMIS_SECRET_KEY: at least 50 characters, not a known default).
HTTPS is assumed: every http request is redirected, HSTS is sent, and session and CSRF cookies are Secure.
Behind a reverse proxy that ends TLS, set EMIS_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set
X-Forwarded-Proto itself and strip it from clients), or the redirect loops.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool, env_list, env_str

# Keys that are public (in this repository, Django's template, the docs) sign nothing in production.
KNOWN_SECRET_KEYS = {"dev-insecure-change-me", "change-me", "changeme", "secret", "insecure"}
MIN_SECRET_KEY_LENGTH = 50


def checked_secret_key(key: str) -> str:
    if not key:
        raise ImproperlyConfigured("EMIS_SECRET_KEY must be set for config.settings.production.")
    if key in KNOWN_SECRET_KEYS or key.startswith("django-insecure"):
        raise ImproperlyConfigured("EMIS_SECRET_KEY is a published default key; generate a new random one.")
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"EMIS_SECRET_KEY is too short or too simple: use at least {MIN_SECRET_KEY_LENGTH} random characters "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    return key


SECRET_KEY = checked_secret_key(env_str("EMIS_SECRET_KEY"))
DEBUG = False  # never from the environment: a production traceback page shows settings and data

SECURE_SSL_REDIRECT = env_bool("EMIS_SSL_REDIRECT", True)
# The health check is asked for over plain http by a local probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env_str("EMIS_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("EMIS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("EMIS_HSTS_PRELOAD", True)
if env_str("EMIS_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (env_str("EMIS_PROXY_SSL_HEADER"), "https")
CSRF_TRUSTED_ORIGINS = env_list("EMIS_CSRF_TRUSTED_ORIGINS")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "emis.core.staticfiles.StaticFilesStorage"}}  # noqa: F405


# Children's ID numbers are encrypted with keys from the environment (never in the database or a backup).
def checked_data_keys(data_keys: str, hash_key: str) -> None:
    if not data_keys or not hash_key:
        raise ImproperlyConfigured(
            "EMIS_DATA_KEYS and EMIS_HASH_KEY must be set for config.settings.production (docs/security.md)."
        )
    if DEVELOPMENT_HASH_KEY in (data_keys + hash_key) or DEVELOPMENT_DATA_KEYS.split(":", 1)[1] in data_keys:  # noqa: F405
        raise ImproperlyConfigured("EMIS_DATA_KEYS and EMIS_HASH_KEY must not be the development keys in production.")


checked_data_keys(env_str("EMIS_DATA_KEYS"), env_str("EMIS_HASH_KEY"))
