"""Table columns shared by every domain."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import mask_id_number

from . import access


class IdNumberColumn(tables.Column):
    """Shows an ID number in full or masked (421224************), by the viewing user's role. Not sortable: the
    column holds ciphertext (emis.core.crypto), whose order means nothing."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, value, table):
        user = getattr(getattr(table, "request", None), "user", None)
        return access.display_id(user, value) if user is not None else mask_id_number(value)


class BaseTable(tables.Table):
    """Links the first column to the object's page; Bootstrap styling from settings."""

    class Meta:
        attrs = {"class": "table table-vcenter table-striped card-table"}
        empty_text = _("没有符合条件的记录。")
        per_page = 25

    def __init__(self, *args, request=None, **kwargs):
        # The request is applied after the masked columns are made unsortable: django-tables2 orders the rows as
        # soon as it sees the request, and a later configuration with no valid ordering keeps that order.
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        if user is None or not access.may_see_full_ids(user):
            # Sorting by a masked column would tell what the mask hides (which of two pupils born the same day has
            # the lower number); the columns are this table's own copies, so other users' tables keep sorting.
            for bound in self.columns:
                if isinstance(bound.column, IdNumberColumn):
                    bound.column.orderable = False
        if request is not None:
            tables.RequestConfig(request).configure(self)
