"""The accounts app's contributions: sign-in routes, token endpoints, user administration and "我的账号"."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import Domain
from emis.core.registry import AppRegistration, MenuEntry, MenuGroup, register

register(
    AppRegistration(
        app="accounts",
        url_prefix="accounts/",
        urls="emis.accounts.urls",
        site_urls="emis.accounts.urls.site_urlpatterns",
        api_urls="emis.accounts.api_urls.urlpatterns",
        menu_groups=(MenuGroup("account", _("我的账号"), 1000),),
        menu=(
            MenuEntry("system", "accounts:user_list", _("用户与权限"), 30, domain=Domain.ACCOUNTS),
            MenuEntry("system", "accounts:security_log", _("登录安全"), 40, domain=Domain.ACCOUNTS),
            MenuEntry("account", "accounts:password_change", _("修改密码"), 10),
            MenuEntry("account", "accounts:otp", _("两步验证"), 20),
            MenuEntry("account", "accounts:my_tokens", _("我的令牌"), 30, when="emis.core.access.uses_api"),
        ),
    )
)
