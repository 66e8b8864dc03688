"""API permission class; kept apart from api.py because DRF imports it while loading its own views."""

from rest_framework import permissions

from . import access

ACTION_FOR_METHOD = {
    "GET": access.VIEW,
    "HEAD": access.VIEW,
    "OPTIONS": access.VIEW,
    "POST": access.ADD,
    "PUT": access.CHANGE,
    "PATCH": access.CHANGE,
    "DELETE": access.DELETE,
}


class ScopedModelPermission(permissions.BasePermission):
    """Signed in, and the role may perform the method's action on the model's domain."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        ui = getattr(view, "ui", None)
        if ui is None:
            return True
        return ui.may(request.user, ACTION_FOR_METHOD.get(request.method, access.CHANGE))
