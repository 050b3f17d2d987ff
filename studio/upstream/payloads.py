"""Lenient readers for gateway payloads: the gateway's field types vary between versions."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Unix times above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
_MILLISECONDS_THRESHOLD = 1e11
_MICROSECONDS_THRESHOLD = 1e14
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def as_mapping(value: object) -> Mapping[str, Any]:
    """Return `value` if it is a JSON object, else an empty mapping."""
    if isinstance(value, Mapping):
        return value
    return {}


def as_text(value: object) -> str:
    """Return a string field, stripped; numbers become their text, anything else ''."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def as_int(value: object) -> int | None:
    """Return an integer from an int, a float or a numeric string ('12', '12.0'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        match = _NUMBER.fullmatch(value.strip())
        if match:
            return int(float(match.group()))
    return None


def first_text(record: Mapping[str, Any], *keys: str) -> str:
    """Return the first non-empty string among `keys` of `record`."""
    for key in keys:
        text = as_text(record.get(key))
        if text:
            return text
    return ""


def parse_progress(value: object) -> int | None:
    """Read a progress value: "57%", "57", 57 or 57.4 all give 57; clamped to 0..100."""
    if isinstance(value, bool) or value is None:
        return None
    number: float
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.search(value)
        if not match:
            return None
        number = float(match.group())
    else:
        return None
    if not math.isfinite(number):
        return None
    return max(0, min(100, round(number)))


def parse_timestamp(value: object) -> datetime | None:
    """Read a gateway time as an aware UTC datetime: unix seconds or milliseconds, or ISO 8601.

    Zero means "not yet" on the gateway and gives None.
    """
    if isinstance(value, bool) or value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _NUMBER.fullmatch(text):
            number = float(text)
        else:
            return _parse_iso(text)
    if number is None or not math.isfinite(number) or number <= 0:
        return None
    if number >= _MICROSECONDS_THRESHOLD:
        number /= 1_000_000
    elif number >= _MILLISECONDS_THRESHOLD:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def url_strings(value: object) -> list[str]:
    """Collect http(s) URLs from a string, a list of strings, or objects with a `url` field."""
    if isinstance(value, str):
        text = value.strip()
        return [text] if text.startswith(("http://", "https://")) else []
    if isinstance(value, Mapping):
        return url_strings(value.get("url"))
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        urls: list[str] = []
        for item in value:
            urls.extend(url_strings(item))
        return urls
    return []


def unique(items: Sequence[str]) -> tuple[str, ...]:
    """Drop repeated and empty strings, keeping the first occurrence's order."""
    return tuple(dict.fromkeys(item for item in items if item))
