"""Template filters for task cards: durations and sizes a person reads at a glance."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value: timedelta | float | None) -> str:
    """`timedelta` or seconds as "42 s", "3 min 05 s" or "1 h 02 min"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}


@register.filter
def epoch_ms(value: object) -> int:
    """A datetime as milliseconds since the epoch (for the page's elapsed-time ticker)."""
    timestamp = getattr(value, "timestamp", None)
    return int(timestamp() * 1000) if timestamp else 0


@register.filter
def pretty_json(value: object) -> str:
    """A JSON-able value indented for reading (non-ASCII kept: gateway messages are often Chinese)."""
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
