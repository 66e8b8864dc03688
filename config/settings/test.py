from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploads in a local directory whatever EMIS_STORAGE says; tests/test_files_storage.py runs them against S3.
STORAGES = {**STORAGES, "uploads": uploads_storage("local")}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# Tests sign users in with force_login; the two-factor tests turn the requirement on with override_settings.
EMIS_OTP_REQUIRED_ROLES = []

# Development keys for ID numbers at rest, public in the source: never for real data (production has its own).
EMIS_DATA_KEYS = EMIS_DATA_KEYS or DEVELOPMENT_DATA_KEYS  # noqa: F405
EMIS_HASH_KEY = EMIS_HASH_KEY or DEVELOPMENT_HASH_KEY  # noqa: F405
# Notifications: e-mail through locmem (django.core.mail.outbox), the other channel in memory
# (emis.notifications.backends.outbox).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMIS_NOTIFICATION_BACKENDS = ["emis.notifications.backends.EmailBackend", "emis.notifications.backends.LocmemBackend"]
