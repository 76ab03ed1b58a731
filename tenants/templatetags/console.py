"""Template filters the console's pages share."""

from django import template

register = template.Library()

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@register.filter
def duration_words(seconds) -> str:
    """3600 -> "1 hour", 5400 -> "1 hour 30 minutes": what an admin reads, not "3600 s"."""
    try:
        left = int(seconds)
    except (TypeError, ValueError):
        return ""
    parts = []
    for unit, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 seconds"
