from django.conf import settings
from django.utils.translation import gettext_lazy as _

from emis.core.views import ModelUI
from emis.orgs.tables import DivisionTable, SchoolTable

from . import filtersets, forms, models, tables


class UserUI(ModelUI):
    model = models.User
    namespace = "accounts"
    filterset_class = filtersets.UserFilterSet
    table_class = tables.UserTable
    form_class = forms.UserForm
    detail_fields = ("username", "display_name", "role", "is_active", "last_login", "date_joined")
    related = (
        (_("管辖区划"), lambda obj, user: obj.divisions.for_user(user).select_related("parent"), DivisionTable),
        (_("管辖学校"), lambda obj, user: obj.schools.for_user(user).select_related("township", "parent"), SchoolTable),
    )

    detail_page_template = "accounts/user_detail.html"

    @classmethod
    def detail_context(cls, obj, request) -> dict:
        from . import services

        return {
            "security": {
                "otp_enrolled": services.otp_confirmed_devices(obj).exists(),
                "otp_required": obj.role in settings.EMIS_OTP_REQUIRED_ROLES,
                "lockouts": list(services.lockouts_for(obj.username)),
                "tokens": list(services.tokens_for(obj)),
            }
        }

    @staticmethod
    def export_columns(user):
        return [
            (_("用户名"), lambda o: o.username),
            (_("姓名"), lambda o: o.display_name),
            (_("角色"), lambda o: o.get_role_display()),
            (_("负责业务"), lambda o: "、".join(o.domain_labels)),
            (_("启用"), lambda o: o.is_active),
        ]
