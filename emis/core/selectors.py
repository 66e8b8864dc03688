"""Reads with no domain of their own: the exact lookup of a person by ID number. (The home page's counts come from
the apps' plugins: emis.core.registry.home_summary.)"""

from functools import reduce
from operator import or_

from django.db.models import Q

from emis.common.idnumbers import normalize_id_number


def find_by_id_number(queryset, fields: str | tuple[str, ...], value: str):
    """Rows of ``queryset`` whose ID number (or G 学籍号, which contains one) in any of ``fields`` is ``value``.

    The one place rows are matched by a whole ID number for a reader (the lookup pages and the API's
    ``lookup/`` endpoints); list searches never match ID numbers. Callers pass a queryset already scoped with
    ``for_user`` and have checked that the role may see ID numbers. Whole values only: no partial match.
    """
    value = normalize_id_number(value)
    if not value:
        return queryset.none()
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    return queryset.filter(reduce(or_, [Q(**{field: value}) for field in fields]))
