"""Users, their role and their data scope (a set of divisions and schools)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from emis.core.access import Domain, Role, ScopeSpec, domain_choices
from emis.core.models import ChangeLogged, ScopedQuerySet


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`emis createsuperuser` makes the deployment's first account: a 系统管理员 (not the default role)."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(ChangeLogged, AbstractUser):
    """A bureau, township, school or inspector account. Its scope is `divisions` plus `schools`."""

    domain = Domain.ACCOUNTS
    # Only administrators (who see everything) reach user rows; see access.role_may.
    scope = ScopeSpec()
    audit_exclude = ("password", "last_login", "date_joined")

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.SCHOOL)
    domains = models.JSONField(
        _("负责业务"), default=list, blank=True, help_text=_("股室人员可编辑的业务范围，如 students、staff。")
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    must_change_password = models.BooleanField(
        _("须修改初始密码"),
        default=False,
        help_text=_("账号仍使用发放的初始密码（如演示账号公开的密码）：每一页提示其修改，本人修改密码后清除。"),
    )
    divisions = models.ManyToManyField("orgs.Division", verbose_name=_("管辖区划"), blank=True, related_name="users")
    schools = models.ManyToManyField("orgs.School", verbose_name=_("管辖学校"), blank=True, related_name="users")

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ("username",)

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # set_password keeps the new raw password in _password until the row is saved; a hash upgrade on login
        # clears it first, so this is a real change of password, whoever made it (page, form, command).
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from .services import password_changed as on_password_changed

            on_password_changed(user=self)

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    @classmethod
    def history_value(cls, name: str, value):
        """A 股室 account's domains by name in the change history (core.views.history_rows)."""
        if name == "domains" and isinstance(value, list):
            labels = dict(domain_choices())
            return "、".join(str(labels.get(code, code)) for code in value)
        return NotImplemented

    @cached_property
    def _scope_keys(self) -> tuple[list[int], list[str]]:
        from emis.orgs.models import School

        school_ids = list(self.schools.values_list("id", flat=True))
        if school_ids:
            # A primary school's teaching points are its own (their pupils, classes and change records).
            school_ids += list(School.objects.filter(parent_id__in=school_ids).values_list("id", flat=True))
        division_codes = list(self.divisions.values_list("code", flat=True))
        return school_ids, division_codes

    def scope_keys(self) -> tuple[list[int], list[str]]:
        """(school ids, division codes) that bound what this user sees; cached per request object."""
        return self._scope_keys

    def may_edit_domain(self, domain: str) -> bool:
        from emis.core.access import CHANGE, role_may

        return role_may(self, domain, CHANGE)

    @property
    def domain_labels(self) -> list[str]:
        labels = dict(domain_choices())
        return [str(labels[code]) for code in self.domains or [] if code in labels]
