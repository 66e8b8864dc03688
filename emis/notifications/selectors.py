from .models import Notification


def unread_count(user) -> int:
    """The bell's number: one COUNT (asked once per request through the top bar, core.navigation)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")
