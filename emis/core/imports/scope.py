"""Which stored records an import may touch: those inside the importing user's `for_user(user, action)` scope.

Importers look records up by natural key across the whole county (an ID number is unique county-wide, so a row
must be matched against everyone to avoid a duplicate), then ask here which of the records found they may
write. A record outside scope is refused with one neutral message that says nothing about it (see
OUT_OF_SCOPE_PERSON), so an import can neither take a pupil or teacher over nor tell where one is.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.core.bulk import select_where_in

# One message for every stored person outside the importer's scope, whoever and wherever they are: no name,
# school, status or township, so that a dry run of guessed ID numbers maps none of them to a school.
OUT_OF_SCOPE_STUDENT = _(
    "此学生的学籍不在您的管辖范围内，不能通过导入接收或修改。如为转入学生，请由乡镇中心学校或县教育局股室办理转学。"
)
OUT_OF_SCOPE_STAFF = _(
    "此人不在您的管辖范围内，不能通过导入接收或修改。如为调入人员，请由乡镇中心学校或县教育局股室办理调动。"
)
OUT_OF_SCOPE_PERSON = _("此人本学年的登记不在您的管辖范围内，不能通过导入修改。如需变更，请联系县教育局股室。")


def pks_in_scope(model, user, pks, action: str = access.CHANGE) -> set[int]:
    """The subset of `pks` that `model.objects.for_user(user, action)` holds, in one query.

    The scope condition is the queryset of the one permission path, compiled to SQL and used as a
    subquery, so the rule is never restated here; the keys travel as one array (select_where_in).
    """
    pks = set(pks)
    if not pks:
        return set()
    if access.scope_filter(user, model, action) is None:
        return pks
    scoped = model.objects.for_user(user, action).order_by().values("pk")
    try:
        sql, params = scoped.query.sql_with_params()
    except EmptyResultSet:  # a scope of nothing (Q(pk__in=[])) compiles to no SQL at all
        return set()
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model._meta.pk.column)
    found = select_where_in(
        f"SELECT {column} FROM {table} WHERE {column} IN %s AND {column} IN ({sql})", [sorted(pks), *params]
    )
    return {row[0] for row in found}
