import django_tables2 as tables

from emis.core.tables import BaseTable

from .models import User


class UserTable(BaseTable):
    username = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = User
        fields = ("username", "display_name", "role", "is_active", "last_login")
