"""Fault injection: the ways the sandbox gateway misbehaves on purpose, and where each one comes from.

Sources, merged in this order (a later one adds to or overrides an earlier one):

1. the instance: the `SANDBOX_FAULTS` setting (same tokens as the header), plus the random rates
   `SANDBOX_ERROR_RATE` (500/502/503), `SANDBOX_RATE_LIMIT_RATE` (429) and `SANDBOX_TASK_FAILURE_RATE`;
2. the API key: everything after `-fault-` in the key, e.g. `sk-sandbox-fault-429` or
   `sk-sandbox-fault-slow-2+fail`; a key containing `SANDBOX_INVALID_KEY_MARKER` (`invalid`, e.g.
   `sk-invalid-123`) is rejected as an unknown key;
3. the request header `X-Sandbox-Fault`, e.g. `X-Sandbox-Fault: 500` or `X-Sandbox-Fault: slow-1, stuck`.

Tokens are separated by commas, `+` or spaces; arguments follow the name after `-` or `:`.

- `<status>[-<retry after>]`: answer that HTTP status (`500`, `502`, `503`, `429`, ...) in the endpoint's
  error envelope; a 429 carries `Retry-After` (the argument, or `SANDBOX_RETRY_AFTER`).
- `slow[-<seconds>]`: wait that many real seconds (default 3) before answering normally.
- `timeout[-<seconds>]`: hold the request that many real seconds (default `SANDBOX_TIMEOUT_SECONDS`), then
  answer 504 as a proxy would.
- `malformed`: answer 200 with a body that is not valid JSON.
- `fail`: the task (Veo3, Sora, Midjourney) fails part-way through its run; a media chat fails in-band.
- `stuck`: the task never finishes (Midjourney: the gateway's 1 h time-out, scaled, fails it); a media
  chat hangs, then fails in-band.
- `expire[-<seconds>[-<status>]]`: the task's result files answer `<status>` (403 by default, or 404) once
  `<seconds>` simulated seconds (default 0) have passed after it finished.
- `banned`: Midjourney submits answer code 24 (banned word), as prompts containing a word of
  `SANDBOX_MJ_BANNED_WORDS` do.
- `queue-full`: Midjourney submits answer code 23 (queue full).
- `queued`: Midjourney submits wait in the queue (code 22, shown as 1 unless `SANDBOX_MJ_REWRITE_CODES` is
  off).
- `invalid-key`: the key is rejected with 401 `无效的令牌`.

Task faults (`fail`, `stuck`, `expire`) are stored on the task row when it is created, so every later
query follows them whichever key or header it carries. Request faults (status, slow, timeout, malformed)
apply to the request that carries them, including downloads from the fake CDN (header only there).
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from studio.sandbox import config

HEADER = "X-Sandbox-Fault"
KEY_MARKER = "-fault-"
DEFAULT_SLOW_SECONDS = 3.0
RANDOM_ERROR_STATUSES = (500, 502, 503)

_SEPARATORS = re.compile(r"[,+\s]+")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_FLAGS = {
    "malformed": "is_malformed",
    "fail": "is_failing",
    "stuck": "is_stuck",
    "banned": "is_banned",
    "queue-full": "is_queue_full",
    "queued": "is_queued",
    "invalid-key": "is_invalid_key",
}


class UnknownFault(ValueError):
    """A fault token the sandbox does not understand."""


@dataclass(frozen=True)
class Faults:
    """The faults that apply to one request."""

    status: int | None = None
    retry_after: int | None = None
    slow_seconds: float = 0.0
    timeout_seconds: float | None = None
    is_malformed: bool = False
    is_failing: bool = False
    is_stuck: bool = False
    expire_after: float | None = None
    expire_status: int = 403
    is_banned: bool = False
    is_queue_full: bool = False
    is_queued: bool = False
    is_invalid_key: bool = False

    def merged(self, other: Faults) -> Faults:
        """These faults with `other`'s on top: flags add up, values set in `other` win."""
        changes: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(other, field.name)
            if value != field.default:
                changes[field.name] = value
        return dataclasses.replace(self, **changes)


def _token_faults(token: str) -> Faults:
    parts = re.split(r"[-:]", token.strip().lower())
    name_parts: list[str] = []
    while parts and not _NUMBER.match(parts[0]):
        name_parts.append(parts.pop(0))
    name = "-".join(name_parts)
    if any(not _NUMBER.match(part) for part in parts):
        raise UnknownFault(token)
    numbers = [float(part) for part in parts]
    if not name and numbers and 400 <= numbers[0] <= 599:
        retry = int(numbers[1]) if len(numbers) > 1 else None
        return Faults(status=int(numbers[0]), retry_after=retry)
    if name == "slow":
        return Faults(slow_seconds=numbers[0] if numbers else DEFAULT_SLOW_SECONDS)
    if name == "timeout":
        return Faults(timeout_seconds=numbers[0] if numbers else config.timeout_seconds())
    if name == "expire":
        status = int(numbers[1]) if len(numbers) > 1 else 403
        return Faults(expire_after=numbers[0] if numbers else 0.0, expire_status=status)
    if name in _FLAGS and not numbers:
        return Faults(**{_FLAGS[name]: True})
    raise UnknownFault(token)


def parse(spec: str) -> Faults:
    """The faults named by a list of tokens; raises UnknownFault on a token it does not know."""
    faults = Faults()
    for token in _SEPARATORS.split(spec.strip()):
        if token:
            faults = faults.merged(_token_faults(token))
    return faults


def from_key(key: str) -> Faults:
    """The faults an API key asks for (`...-fault-<tokens>`), and `invalid-key` for a marked key."""
    faults = Faults()
    marker = config.invalid_key_marker()
    if marker and marker.lower() in key.lower():
        faults = Faults(is_invalid_key=True)
    position = key.lower().find(KEY_MARKER)
    if position >= 0:
        faults = faults.merged(parse(key[position + len(KEY_MARKER) :]))
    return faults


def from_header(request: HttpRequest) -> Faults:
    """The faults named in the request's `X-Sandbox-Fault` header."""
    return parse(request.headers.get(HEADER, ""))


def for_request(request: HttpRequest, key: str) -> Faults:
    """All faults of an API request: the instance's, the key's and the header's, plus random ones."""
    faults = parse(config.default_faults()).merged(from_key(key)).merged(from_header(request))
    if faults.status is None:
        roll = random.random()
        if roll < config.error_rate():
            faults = dataclasses.replace(faults, status=random.choice(RANDOM_ERROR_STATUSES))
        elif roll < config.error_rate() + config.rate_limit_rate():
            faults = dataclasses.replace(faults, status=429)
    if not faults.is_failing and random.random() < config.task_failure_rate():
        faults = dataclasses.replace(faults, is_failing=True)
    return faults
