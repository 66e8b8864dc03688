from django import template
from django.template.base import render_value_in_context
from django.templatetags import l10n
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from emis.core.tables import CellDrawer

register = template.Library()


@register.filter
def thousands(value):
    """88210 -> 88,210 in every language (the zh-hans locale defines no grouping for humanize's intcomma)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """A table's rows, cell by cell as django-tables2's bootstrap5 template draws them (the same markup, values
    localised and escaped the same way), in one loop of Python: the template language's loop, lookups and filters
    cost more than the cells themselves on a 25-row list (about a third of a list page's drawing)."""
    parts = []
    # A column's cell attributes are the same on every row unless one of them is computed from the row.
    fixed_td = {}
    # Each visible column once (BoundRow.items() finds each cell's column again by its name, a walk over every column),
    # with what its cells share worked out once.
    drawers = [CellDrawer(column) for column in table.columns]
    for row in table.paginated_rows:
        parts.append(format_html("<tr {}>", row.attrs.as_html()))
        for drawer in drawers:
            column = drawer.bound_column
            cell = drawer.draw(row)
            # What BoundRow.items() leaves for attributes computed from the row (column.attrs' callables).
            column.current_value, column.current_record = cell, row.record
            if column.localize is not None:
                cell = l10n.localize(cell) if column.localize else l10n.unlocalize(cell)
            td = fixed_td.get(column.name)
            if td is None:
                td = column.attrs["td"].as_html()
                if not _computed_td(table, column):
                    fixed_td[column.name] = td
            # td is as_html()'s escaped output and render_value_in_context escapes the cell: format_html's work, done.
            parts.append(f"<td {td}>{render_value_in_context(cell, context)}</td>")
        parts.append("</tr>")
    if not parts and table.empty_text:
        parts.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped (format_html, as_html, render_value_in_context)


def _computed_td(table, column) -> bool:
    """Whether a column's cell attributes (its own or the table's, under "td" or "cell") hold a callable, computed per
    row by django-tables2."""
    sources = (table.attrs, column.column.attrs)
    return any(callable(value) for attrs in sources for key in ("td", "cell") for value in attrs.get(key, {}).values())
