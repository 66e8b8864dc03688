from django import template

register = template.Library()


@register.filter
def thousands(value):
    """88210 -> 88,210 in every language (the zh-hans locale defines no grouping for humanize's intcomma)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
