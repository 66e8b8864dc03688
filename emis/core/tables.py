"""Table columns shared by every domain."""

import datetime
import functools

import django_tables2 as tables
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage
from django.db import models
from django.db.models import QuerySet
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils
from django_tables2.columns import library, templatecolumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.data import TableQuerysetData

from emis.common.idnumbers import mask_id_number

from . import access, counts


def field_has_choices(known: dict, accessor, record) -> bool:
    """Whether the model field ``accessor`` leads to from ``record`` has choices, as django-tables2 asks for every cell
    (get_FOO_display, a BooleanColumn's reverse lookup); the answer depends only on the record's class, kept in
    ``known``."""
    kind = type(record)
    try:
        return known[kind]
    except KeyError:
        try:
            field = accessor.get_field(record) if hasattr(record, "_meta") else None
        except FieldDoesNotExist:
            field = None
        known[kind] = has = bool(getattr(field, "choices", None))
        return has


@library.register
class DateColumn(tables.DateColumn):
    """The column of every model DateField a table lists (registered after django-tables2's, so preferred): a date
    drawn as django-tables2's template draws it (``value|date:format|default:default``, escaped) without the template,
    a tenth of a pupil list's cells. Anything but a plain date (a datetime, which the template first turns to local
    time) still goes through the template."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        self.date_format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
        super().__init__(format, short, *args, **kwargs)

    def render(self, record, table, value, bound_column, **kwargs):
        if type(value) is datetime.date:
            return conditional_escape(formats.date_format(value, self.date_format) or bound_column.default)
        return super().render(record=record, table=table, value=value, bound_column=bound_column, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None


@library.register
class BooleanColumn(tables.BooleanColumn):
    """The column of every model BooleanField a table lists (preferred to django-tables2's): the same ✔/✘ span, with
    the field's choices looked up once per model and the two spans drawn once per column, not for every cell."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices_of: dict[type, bool] = {}
        self._spans: dict[bool, str] = {}

    def _get_bool_value(self, record, value, bound_column):
        if field_has_choices(self._choices_of, bound_column.accessor, record):
            return super()._get_bool_value(record, value, bound_column)
        return bool(value)

    def render(self, value, record, bound_column):
        value = self._get_bool_value(record, value, bound_column)
        span = self._spans.get(value)
        if span is None:
            span = self._spans[value] = super().render(value, None, bound_column)
        return span


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

    # True when the paginator's count is PostgreSQL's estimate (the list says 约 N 条): see paginate.
    count_estimated = False

    def paginate(self, *args, per_page=None, **kwargs):
        # django-tables2 also reads ?per_page= from the request itself: a negative or huge one is clamped here too.
        if per_page is not None:
            per_page = min(max(int(per_page), MIN_PAGE_SIZE), MAX_PAGE_SIZE)
        if self.estimate_count and self._planned is None:  # once: the view paginates again with its settings
            limit = settings.EMIS_LIST_EXACT_COUNT_LIMIT if self.estimate_count is True else self.estimate_count
            queryset = getattr(self.data, "data", None)
            planned = None
            if limit and isinstance(self.data, TableQuerysetData) and isinstance(queryset, QuerySet):
                planned = counts.planner_rows(queryset)
            self._planned = planned or 0
            # django-tables2 counts a queryset once, through len(), and keeps the length here: the paginator (and
            # anything else asking the rows' length) takes the estimate, or a remembered count, instead of COUNT(*).
            if planned is not None and planned > limit:
                self.data._length = planned
                self.count_estimated = True
            elif planned is not None:
                self.data._length = counts.remembered_count(queryset, planned)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def settle_estimate(self) -> None:
        """A page past the rows there are, when the count was an estimate above them (a search's estimate can be
        half again the matches): count them exactly and show the last page there is, with the exact count. One COUNT,
        only for such a page; the page's rows read here are the rows drawn (the queryset keeps them)."""
        if not self.count_estimated or self.page.number == 1 or len(self.page.object_list):
            return
        self._planned, self.count_estimated = 0, False
        self.data._length = None
        number = self.page.number
        try:
            self.paginate(per_page=self.paginator.per_page, page=number)
        except EmptyPage:
            self.page = self.paginator.page(self.paginator.num_pages)

    def __init__(self, *args, request=None, estimate_count=False, **kwargs):
        # estimate_count: a list page's own table, which may hold a city's or province's rows (ObjectListView): True
        # for EMIS_LIST_EXACT_COUNT_LIMIT, or the limit its filters ask (ScopedFilterSet.exact_count_limit); the
        # tables on a record's page hold that record's rows and are counted.
        self.estimate_count, self._planned = estimate_count, None
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


# Rows per page a list offers; a size asked for is remembered per user and list (ListPreference).
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 25
MIN_PAGE_SIZE, MAX_PAGE_SIZE = 10, 500


class ListSettings:
    """One user's settings of one list page: rows per page and hidden columns, stored per user (ListPreference) so
    that a size or a choice of columns holds across pages, visits and sessions. One query to read; a write only when
    the user changes something."""

    def __init__(self, request, list_name: str):
        from .models import ListPreference

        self.request, self.list_name = request, list_name
        self.preference = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.preference = ListPreference.objects.filter(user=user, list_name=list_name).first()

    @property
    def hidden_columns(self) -> set[str]:
        return set(self.preference.hidden_columns) if self.preference is not None else set()

    def per_page(self) -> int:
        """The size the request asks for (remembered when it is one of PAGE_SIZES), else the remembered one."""
        asked = self.request.GET.get("per_page")
        if asked is not None:
            try:
                number = int(asked)
            except ValueError:
                number = None
            if number is not None:
                if number in PAGE_SIZES:
                    self.save(per_page=number)
                return max(MIN_PAGE_SIZE, min(MAX_PAGE_SIZE, number))
        if self.preference is not None and self.preference.per_page:
            return self.preference.per_page
        return DEFAULT_PAGE_SIZE

    def save(self, **values) -> None:
        from .models import ListPreference

        user = self.request.user
        if user is None or not user.is_authenticated:
            return
        if self.preference is not None and all(getattr(self.preference, k) == v for k, v in values.items()):
            return
        self.preference, _created = ListPreference.objects.update_or_create(
            user=user, list_name=self.list_name, defaults=values
        )

    def apply(self, table) -> None:
        """Hide the columns the user hid (the first column, the row's link, always shows)."""
        names = table.columns.names()
        for name in self.hidden_columns:
            if name in names[1:]:
                table.columns.hide(name)

    @staticmethod
    def choosable(table) -> list[dict]:
        """The columns a user may show or hide (all but the first), with their headers and whether they show now."""
        return [
            {"name": column.name, "header": column.header, "visible": column.visible}
            for column in table.columns.all()[1:]
        ]


_uncached_signature = tables_utils.signature
_signatures: dict[tuple, tuple] = {}


def _cached_signature(fn):
    """django-tables2 reads a render method's signature (inspect.signature) for every cell it draws, to pass only the
    arguments the method takes: about 3 ms of each 25-row list. The signature of a function does not change, so it is
    read once per function (bound methods share their function's; ``self`` is dropped either way)."""
    key = (getattr(fn, "__func__", fn), hasattr(fn, "__self__"))
    try:
        return _signatures[key]
    except (KeyError, TypeError):
        pass
    result = _uncached_signature(fn)
    if len(_signatures) < 4096:  # render functions are defined once per column class, not per call
        try:
            _signatures[key] = result
        except TypeError:
            pass
    return result


# django-tables2's TemplateColumn compiles its template for every cell it draws (DateColumn and DateTimeColumn are
# TemplateColumns: ``{{ value|date:"..."|default:default }}``): a fifth of a 25-row pupil list's drawing was the
# birth dates' template compiled 25 times. A compiled template holds no state of a render (Django's cached loader
# shares them between threads too), and the codes are the columns' own, a few dozen in all.
_compiled_template = functools.lru_cache(maxsize=256)(templatecolumn.Template)


def speed_up_cells() -> None:
    """Installed once at start-up (CoreConfig.ready): ``call_with_appropriate`` looks ``signature`` up in its module
    on every call, and ``TemplateColumn.render`` looks ``Template`` up in its own."""
    tables_utils.signature = _cached_signature
    templatecolumn.Template = _compiled_template


_ROW_ARGUMENTS = frozenset(("value", "record", "column", "bound_column", "bound_row", "table"))


class CellDrawer:
    """One column's cells as django-tables2's ``BoundRow.get_cell`` draws them (the model's get_FOO_display for a field
    with choices, the column's empty values and default, the table's ``render_FOO`` or the column's render with the
    arguments it takes, then the link), with what depends only on the column worked out once per table instead of once
    per cell: the accessor, the render function's arguments, the link, the default, and whether the field has choices
    (per model class). That work was a fifth of drawing a 25-row pupil list; the test draws every list both ways."""

    def __init__(self, bound_column):
        column = bound_column.column
        self.bound_column, self.column = bound_column, column
        self.accessor = tables_utils.A(bound_column.accessor)
        self.render, self.link, self.default = bound_column.render, bound_column.link, bound_column.default
        self.table = bound_column._table
        arguments, takes_any = tables_utils.signature(self.render)
        self.arguments = None if takes_any else arguments
        # call_with_appropriate draws nothing (None) when the render function asks for an argument no cell has.
        self.never_called = not takes_any and not _ROW_ARGUMENTS.issuperset(arguments)
        self.empty_values = column.empty_values
        self.many_to_many = isinstance(column, ManyToManyColumn)
        self.text_link = isinstance(column, BaseLinkColumn) and column.text is not None
        self._path, _, self._last = self.accessor.rpartition(self.accessor.SEPARATOR)
        self._path = tables_utils.A(self._path)
        self._choices: dict[type, bool] = {}

    def draw(self, row):
        record = row._record
        value = None
        remainder = self._last
        penultimate = self._path.resolve(record, quiet=True)
        if isinstance(penultimate, models.Model) and field_has_choices(self._choices, self.accessor, record):
            display = getattr(penultimate, f"get_{remainder}_display", None)
            if display:
                value, remainder = display(), None
        if remainder:
            try:
                value = self.accessor.resolve(record)
            except Exception:
                # django-tables2's case of a link column whose text does not come from the record (issue #257).
                if self.text_link:
                    return self._render(row, None)
        if value in self.empty_values or (self.many_to_many and not value.exists()):
            return self.default
        return self._render(row, value)

    def _render(self, row, value):
        available = {
            "value": value,
            "record": row._record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": self.table,
        }
        if self.never_called:
            content = None
        elif self.arguments is None:
            content = self.render(**available)
        else:
            content = self.render(**{name: available[name] for name in self.arguments})
        return self.link(content, **available) if self.link else content
