from .base import *  # noqa: F401,F403
from .base import env_bool

DEBUG = env_bool("EMIS_DEBUG", True)

# Development keys for ID numbers at rest, public in the source: never for real data (production has its own).
EMIS_DATA_KEYS = EMIS_DATA_KEYS or "dev:ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="  # noqa: F405
EMIS_HASH_KEY = EMIS_HASH_KEY or "ZGV2LW9ubHktaGFzaC1rZXktMzItYnl0ZXMtbG9uZyEh"  # noqa: F405
