"""Rate limits on lookups that could be used to confirm guesses about people (exact ID-number lookup)."""

from django.conf import settings
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited


def id_lookup_limited(request) -> bool:
    """Count one ID-number lookup by the signed-in user (pages and API share the count); True once over the rate.

    The rate (EMIS_ID_LOOKUP_RATE, e.g. "30/h") is per user, so guessing the few candidates a birth date leaves
    for many people takes days rather than minutes, while a registrar's normal look-ups stay well below it.
    """
    request = getattr(request, "_request", request)  # a DRF request wraps Django's
    return is_ratelimited(
        request, group="emis.id-lookup", key="user", rate=settings.EMIS_ID_LOOKUP_RATE, method=ALL, increment=True
    )
