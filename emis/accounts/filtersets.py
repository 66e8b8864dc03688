import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.access import Role
from emis.core.filtersets import ScopedFilterSet

from .models import User


class UserFilterSet(ScopedFilterSet):
    search_fields = ("username", "display_name")
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("角色"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ("q", "role", "is_active")
