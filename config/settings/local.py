from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("EMIS_DEBUG", True)

# A newcomer to the demo signs in with the printed password alone; two-factor login stays available (and is then
# asked for) but is not required. Production requires it for the roles in base.EMIS_OTP_REQUIRED_ROLES.
EMIS_OTP_REQUIRED_ROLES = env_list("EMIS_OTP_REQUIRED_ROLES", "")  # noqa: F405
