"""Deleting a row deletes what cascades from it: all of it must lie in the deleting user's scope.

A pupil's enrolments at earlier schools, or a teacher's postings elsewhere, hang from the person by CASCADE. A school
holding the person now may delete them, but not, through the cascade, another school's records of them.
"""

from __future__ import annotations

from django.db import router
from django.db.models import ProtectedError
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

from . import access


class OutOfScopeCascade(ProtectedError):
    """The delete would cascade to rows outside the user's scope (`protected_objects`: their models, no rows)."""


def delete_in_scope(obj, user) -> None:
    """Delete `obj` and its cascade, or raise OutOfScopeCascade naming only the kinds of rows beyond the scope.

    Raises ProtectedError/RestrictedError as Model.delete() does. Call inside the caller's transaction.
    """
    if not access.sees_everything(user):
        collector = Collector(using=router.db_for_write(type(obj), instance=obj), origin=obj)
        collector.collect([obj])
        beyond = []
        for model, instances in collector.data.items():
            pks = {instance.pk for instance in instances}
            if _outside(model, user, model._base_manager.filter(pk__in=pks)):
                beyond.append(model)
        for queryset in collector.fast_deletes:
            if _outside(queryset.model, user, queryset):
                beyond.append(queryset.model)
        if beyond:
            raise OutOfScopeCascade("cascade outside the scope", set(beyond))
    obj.delete()


def _outside(model, user, rows) -> bool:
    scoped = getattr(model._default_manager, "for_user", None)
    if scoped is None:
        return False  # rows with no scope of their own (many-to-many links, change records) go with their row
    return rows.exclude(pk__in=scoped(user, access.DELETE).values("pk")).exists()


def delete_refused_message(obj, exc) -> str:
    """Why a delete was refused, naming only kinds of rows (never a row outside the scope)."""
    blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
    kinds = sorted({str(item._meta.verbose_name) for item in blocking})
    if isinstance(exc, OutOfScopeCascade):
        return _(
            "无法删除“%(object)s”：会一并删除您管辖范围以外的%(list)s，请联系上级（乡镇中心学校或县教育局股室）处理。"
        ) % {
            "object": obj,
            "list": "、".join(kinds),
        }
    return _("无法删除“%(object)s”：仍被以下数据引用：%(list)s。") % {"object": obj, "list": "、".join(kinds)}
