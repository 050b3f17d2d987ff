"""The studio's side of the gateway: which client a team uses, how a gateway is slowed down after it
pushed back, how its responses are recorded, and how its errors read to a person."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

from studio.accounts.models import Team
from studio.generations.models import REQUEST_ID_PREFIX, Generation, GenerationEvent


def _backoff_key(team: Team) -> str:
    digest = hashlib.sha256(team.effective_gateway_url.encode()).hexdigest()[:24]
    return f"gateway-backoff:{digest}"


def slow_down(team: Team, *, seconds: float) -> None:
    """Asks every poller to leave this gateway alone for a while (after a 429 or 5xx)."""
    until = time.time() + seconds
    cache.set(_backoff_key(team), until, timeout=int(seconds) + 1)


def resting_until(team: Team) -> float | None:
    """When this gateway may be asked again, if it is resting after pushing back."""
    until = cache.get(_backoff_key(team))
    return until if until and until > time.time() else None


# Keys whose values are never kept in the record, and key-like strings found anywhere in a reply.
SECRET_KEY_NAMES = re.compile(r"(api[_-]?key|token|secret|password|authorization)", re.IGNORECASE)
SECRET_VALUE = re.compile(r"\bsk-[A-Za-z0-9_-]{4,}")
REPLY_EXCERPT_CHARS = 2000


def without_secrets(value: Any) -> Any:
    """A copy of a reply with keys, tokens and data URLs removed, for the record a person reads."""
    if isinstance(value, Mapping):
        return {
            key: "<removed>" if SECRET_KEY_NAMES.search(str(key)) else without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [without_secrets(item) for item in value]
    if isinstance(value, str):
        if value.startswith("data:") and ";base64," in value:
            return f"<{value.split(',', 1)[0]}, {len(value)} characters>"
        return SECRET_VALUE.sub("sk-<removed>", value)
    return value


def reply_excerpt(raw: Mapping[str, Any] | None, *, status_code: int | None) -> dict[str, Any]:
    """What the event log shows of a gateway reply: its HTTP status and its body, cut to a readable size."""
    body = without_secrets(dict(raw)) if raw is not None else None
    text = json.dumps(body, ensure_ascii=False, default=str)
    if len(text) > REPLY_EXCERPT_CHARS:
        body = text[:REPLY_EXCERPT_CHARS] + "…"
    return {"status": status_code, "body": body}


def record_response(
    generation: Generation,
    raw: Mapping[str, Any] | None,
    *,
    request_id: str | None = None,
    status_code: int | None = None,
) -> None:
    """Keeps a gateway reply in the generation's record: its status and its body without secrets."""
    generation.log(
        GenerationEvent.Kind.RESPONSE,
        message=f"{REQUEST_ID_PREFIX}{request_id}" if request_id else "",
        payload=reply_excerpt(raw, status_code=status_code),
    )
