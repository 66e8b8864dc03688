"""Core's own contributions: the home page, the import and change-log pages, the API docs link, and the menu's
first and "系统" groups (which other apps add entries to)."""

from django.utils.translation import gettext_lazy as _

from .registry import AppRegistration, MenuEntry, MenuGroup, register

register(
    AppRegistration(
        app="core",
        url_prefix="core/",
        urls="emis.core.urls",
        site_urls="emis.core.urls.site_urlpatterns",
        menu_groups=(MenuGroup("overview", _("概览"), 0), MenuGroup("system", _("系统"), 900)),
        menu=(
            MenuEntry("overview", "home", _("首页"), 10),
            MenuEntry("system", "core:import_list", _("数据导入"), 10, when="emis.core.imports.views.may_import"),
            MenuEntry("system", "core:objectchange_list", _("审计日志"), 20),
            MenuEntry("system", "api-docs", _("接口文档"), 90, when="emis.core.access.uses_api"),
        ),
    )
)
