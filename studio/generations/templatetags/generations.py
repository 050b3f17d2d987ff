"""Template filters for task cards: durations and sizes a person reads at a glance."""

import json
from datetime import timedelta

from django import template
from django.utils.translation import gettext_lazy

from studio.lib.urls import cheap_reverse

register = template.Library()


# Shared with the page's elapsed-time ticker (static/js/app.js), which fills in the same placeholders.
DURATION_PATTERNS = {
    "seconds": gettext_lazy("%(s)d s"),
    "minutes": gettext_lazy("%(m)d min %(s)02d s"),
    "hours": gettext_lazy("%(h)d h %(m)02d min"),
}


@register.filter
def duration(value: timedelta | float | None) -> str:
    """`timedelta` or seconds as "42 s", "3 min 05 s" or "1 h 02 min"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds < 60:
        return str(DURATION_PATTERNS["seconds"]) % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return str(DURATION_PATTERNS["minutes"]) % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return str(DURATION_PATTERNS["hours"]) % {"h": hours, "m": minutes}


@register.simple_tag
def duration_pattern(unit: str) -> str:
    """The `duration` filter's pattern for "seconds", "minutes" or "hours", in the active language."""
    return str(DURATION_PATTERNS[unit])


@register.filter
def epoch_ms(value: object) -> int:
    """A datetime as milliseconds since the epoch (for the page's elapsed-time ticker)."""
    timestamp = getattr(value, "timestamp", None)
    return int(timestamp() * 1000) if timestamp else 0


@register.filter
def pretty_json(value: object) -> str:
    """A JSON-able value indented for reading (non-ASCII kept: gateway messages are often Chinese)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


@register.simple_tag
def link(name: str, *args: int | str) -> str:
    """`{% url %}` for the patterns every card links to: each resolved once, the ids formatted in."""
    return cheap_reverse(name, *args)
