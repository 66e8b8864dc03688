"""The API's token authentication (kept apart from views: DRF imports it while rest_framework.views loads)."""

from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`: a knox token that exists (not revoked), has not expired and whose user is
    active. Its own class so that the OpenAPI schema names and describes it (emis.accounts.tokens)."""
