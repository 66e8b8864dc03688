"""`make demo`: the demo county on http://127.0.0.1:8000 as a user meets it, with DEBUG off.

Plain http on this machine only (no HTTPS redirect or Secure cookies), static files served by WhiteNoise
straight from the source folders (no collectstatic), and a random secret key kept under var/ so that the
key is never a published one and sessions survive a restart.
"""

import secrets

from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env_list

DEBUG = False
ALLOWED_HOSTS = env_list("EMIS_ALLOWED_HOSTS", "127.0.0.1,localhost")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

_key_file = VAR_DIR / "demo-secret-key"
if not _key_file.exists():
    _key_file.write_text(secrets.token_urlsafe(64))
    _key_file.chmod(0o600)
SECRET_KEY = _key_file.read_text().strip()

# The demo prints one password per role for a newcomer to sign in with; two-factor login stays available
# (我的账号 › 两步验证) but is not required, as in the developer's profile.
EMIS_OTP_REQUIRED_ROLES = env_list("EMIS_OTP_REQUIRED_ROLES", "")
# The demo's data are synthetic and share the database with `make serve` (the developer's profile), so both use
# the development keys for ID numbers at rest.
EMIS_DATA_KEYS = EMIS_DATA_KEYS or DEVELOPMENT_DATA_KEYS  # noqa: F405
EMIS_HASH_KEY = EMIS_HASH_KEY or DEVELOPMENT_HASH_KEY  # noqa: F405
