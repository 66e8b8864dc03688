"""The production settings on plain http over the loopback, for bench/cluster only.

In a deployment TLS ends at the front server (docs/deployment.md); here there is none, so the cookies are not
marked Secure (a client does not send Secure cookies over http) and nothing is redirected to https.
"""

import os

from config.settings.production import *  # noqa: F401,F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = os.environ["EMIS_STATIC_ROOT"]
# Many simulated users sign in from one address within seconds.
AXES_ENABLED = False
