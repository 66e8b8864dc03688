from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("EMIS_DEBUG", True)

# A newcomer to the demo signs in with the printed password alone; two-factor login stays available (and is then
# asked for) but is not required. Production requires it for the roles in base.EMIS_OTP_REQUIRED_ROLES.
EMIS_OTP_REQUIRED_ROLES = env_list("EMIS_OTP_REQUIRED_ROLES", "")  # noqa: F405
# Development keys for ID numbers at rest, public in the source: never for real data (production has its own).
EMIS_DATA_KEYS = EMIS_DATA_KEYS or DEVELOPMENT_DATA_KEYS  # noqa: F405
EMIS_HASH_KEY = EMIS_HASH_KEY or DEVELOPMENT_HASH_KEY  # noqa: F405
# Notifications: e-mail to the console, and what an SMS or webhook would send written to var/notifications.jsonl.
EMIS_NOTIFICATION_BACKENDS = env_list(  # noqa: F405
    "EMIS_NOTIFICATION_BACKENDS",
    "emis.notifications.backends.EmailBackend,emis.notifications.backends.FileBackend",
)
