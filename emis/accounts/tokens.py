"""API tokens: obtained with username, password (and the TOTP code where two-factor login applies), stored hashed
by django-rest-knox, one per login, expiring after REST_KNOX["TOKEN_TTL"], revoked at logout and password change.

The token endpoint authenticates through django.contrib.auth.authenticate with the Django request, so
django-axes counts its failures and locks it out exactly like the login page.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_out, user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.settings import knox_settings
from knox.views import LoginView, LogoutAllView, LogoutView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from . import services
from .authentication import ExpiringTokenAuthentication


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = (
            "A token from POST /api/token/ (valid for a limited time; revoked by POST /api/token/logout/, "
            "a password change or its owner on the 我的令牌 page)."
        )
        return scheme


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(label=_("密码"), trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        label=_("动态验证码"),
        required=False,
        allow_blank=True,
        help_text=_("已绑定两步验证的账号必填：身份验证器应用显示的 6 位数字。"),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ObtainTokenView(LoginView):
    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="Obtain an API token",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong username, password or TOTP code (reasons in Chinese)."),
            403: OpenApiResponse(ErrorSerializer, description="Too many live tokens: revoke some first."),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after too many failures."),
        },
        auth=[],
        tags=["token"],
    )
    def post(self, request, format=None):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The Django request, not DRF's wrapper: axes marks the lockout on it, and AxesMiddleware reads it there.
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if user is None:
            raise serializers.ValidationError({"non_field_errors": [_("用户名或密码不正确。")]})
        if services.otp_required(user):
            if not services.otp_confirmed_devices(user).exists():
                raise serializers.ValidationError(
                    {"otp_token": [_("该账号须使用两步验证：请先在网页登录并绑定身份验证器，再申请接口令牌。")]}
                )
            if services.otp_verify(user, data.get("otp_token", "")) is None:
                # A wrong code counts as a failed login, so guessing codes locks the account like guessing passwords.
                user_login_failed.send(
                    sender=__name__, credentials={"username": data["username"]}, request=django_request
                )
                raise serializers.ValidationError({"otp_token": [services.wrong_code_message()]})
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and services.tokens_for(user).count() >= limit:
            message = _("有效的接口令牌已达 {limit} 个：请先在“我的令牌”页面作废不用的令牌。")
            return Response({"detail": message.format(limit=limit)}, status=403)
        request.user = user
        return super().post(request, format=format)

    def get_token_limit_per_user(self):
        return None  # checked above, with a message in Chinese


class RevokeTokenView(LogoutView):
    authentication_classes = (ExpiringTokenAuthentication,)

    @extend_schema(
        summary="Revoke the token sending this request",
        request=None,
        responses={204: None, 401: OpenApiResponse(ErrorSerializer, description="No valid token.")},
        tags=["token"],
    )
    def post(self, request, format=None):
        services.token_revoke(user=request.user, digest=request.auth.digest)
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return self.get_post_response(request)


class RevokeAllTokensView(LogoutAllView):
    authentication_classes = (ExpiringTokenAuthentication,)

    @extend_schema(
        summary="Revoke every token of this user",
        request=None,
        responses={204: None, 401: OpenApiResponse(ErrorSerializer, description="No valid token.")},
        tags=["token"],
    )
    def post(self, request, format=None):
        services.token_revoke(user=request.user)
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return self.get_post_response(request)
