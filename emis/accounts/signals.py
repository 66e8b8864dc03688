from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_KEY
from .services import otp_required


@receiver(user_logged_in)
def remember_whether_otp_applies(sender, request, user, **kwargs):
    """Decide once per session, at login, whether it must pass a second factor (see OTPRequiredMiddleware)."""
    session = getattr(request, "session", None)
    if session is None or request.path.startswith("/api/"):
        return  # a token login makes no session
    session[SESSION_KEY] = otp_required(user)
