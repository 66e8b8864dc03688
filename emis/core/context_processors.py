from . import access
from .navigation import menu_for, topbar_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Kept on the request: a page whose table is drawn by {% render_table %} runs the context processors twice.
    cached = request.__dict__.get("_emis_navigation")
    if cached is None:
        cached = request._emis_navigation = {
            "menu": menu_for(request),
            "topbar": topbar_for(request),
            "user_role_label": access.Role(user.role).label if user.role in access.Role.values else "",
        }
    return cached
