from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("EMIS_DEBUG", True)
