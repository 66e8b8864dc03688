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
    for row in table.paginated_rows:
        parts.append(format_html("<tr {}>", row.attrs.as_html()))
        for column, cell in row.items():
            if column.localize is not None:
                cell = l10n.localize(cell) if column.localize else l10n.unlocalize(cell)
            parts.append(
                format_html("<td {}>{}</td>", column.attrs["td"].as_html(), render_value_in_context(cell, context))
            )
        parts.append("</tr>")
    if not parts and table.empty_text:
        parts.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is format_html's escaped output
