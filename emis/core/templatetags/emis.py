from django import template
from django.template.base import render_value_in_context
from django.templatetags import l10n
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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
    for row in table.paginated_rows:
        parts.append(format_html("<tr {}>", row.attrs.as_html()))
        for column, cell in row.items():
            if column.localize is not None:
                cell = l10n.localize(cell) if column.localize else l10n.unlocalize(cell)
            td = fixed_td.get(column.name)
            if td is None:
                td = column.attrs["td"].as_html()
                if not _computed_td(table, column):
                    fixed_td[column.name] = td
            parts.append(format_html("<td {}>{}</td>", td, render_value_in_context(cell, context)))
        parts.append("</tr>")
    if not parts and table.empty_text:
        parts.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is format_html's escaped output


def _computed_td(table, column) -> bool:
    """Whether a column's cell attributes (its own or the table's, under "td" or "cell") hold a callable, computed per
    row by django-tables2."""
    sources = (table.attrs, column.column.attrs)
    return any(callable(value) for attrs in sources for key in ("td", "cell") for value in attrs.get(key, {}).values())
