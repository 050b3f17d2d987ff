"""The sandbox gateway's knobs: read from settings, falling back to environment variables.

Every knob is looked up on each use, so a test can change it with pytest-django's `settings` fixture and a
developer can set it in the environment of `manage.py runserver` without touching settings.py. A value that
cannot be parsed raises ImproperlyConfigured, as settings.py does for its own variables.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_BANNED_WORDS = ("nsfw", "nude", "gore", "sandbox-banned")


def _raw(name: str) -> object | None:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return value


def _float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def _bool(name: str, *, default: bool) -> bool:
    raw = _raw(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _text(name: str, default: str) -> str:
    raw = _raw(name)
    return default if raw is None else str(raw)


def time_scale() -> float:
    """SANDBOX_TIME_SCALE: multiplies every simulated duration (1.0 = real gateway, 0 = instant)."""
    return _float("SANDBOX_TIME_SCALE", 1.0)


def poll_interval() -> float:
    """SANDBOX_POLL_INTERVAL: seconds (before scaling) between the simulated gateway's task polls."""
    return _float("SANDBOX_POLL_INTERVAL", 15.0)


def notify_hosts() -> frozenset[str]:
    """SANDBOX_NOTIFY_HOSTS: comma-separated hosts a Midjourney `notifyHook` may point at (loopback)."""
    raw = _text("SANDBOX_NOTIFY_HOSTS", "127.0.0.1,localhost")
    return frozenset(host.strip() for host in raw.split(",") if host.strip())


def default_faults() -> str:
    """SANDBOX_FAULTS: fault tokens applied to every API request of this instance."""
    return _text("SANDBOX_FAULTS", "")


def error_rate() -> float:
    """SANDBOX_ERROR_RATE: share (0..1) of API requests answered with a random 500/502/503."""
    return min(_float("SANDBOX_ERROR_RATE", 0.0), 1.0)


def rate_limit_rate() -> float:
    """SANDBOX_RATE_LIMIT_RATE: share (0..1) of API requests answered with 429."""
    return min(_float("SANDBOX_RATE_LIMIT_RATE", 0.0), 1.0)


def task_failure_rate() -> float:
    """SANDBOX_TASK_FAILURE_RATE: share (0..1) of new tasks and media chats that end in failure."""
    return min(_float("SANDBOX_TASK_FAILURE_RATE", 0.0), 1.0)


def retry_after() -> int:
    """SANDBOX_RETRY_AFTER: the Retry-After seconds sent with an injected 429."""
    return int(_float("SANDBOX_RETRY_AFTER", 5.0))


def timeout_seconds() -> float:
    """SANDBOX_TIMEOUT_SECONDS: how long (real seconds) the `timeout` fault holds a request."""
    return _float("SANDBOX_TIMEOUT_SECONDS", 120.0)


def invalid_key_marker() -> str:
    """SANDBOX_INVALID_KEY_MARKER: a key containing this text is rejected as invalid."""
    return _text("SANDBOX_INVALID_KEY_MARKER", "invalid")


def banned_words() -> tuple[str, ...]:
    """SANDBOX_MJ_BANNED_WORDS: Midjourney prompts containing one of these get code 24."""
    raw = _raw("SANDBOX_MJ_BANNED_WORDS")
    if raw is None:
        return DEFAULT_BANNED_WORDS
    if isinstance(raw, str):
        words = raw.split(",")
    elif isinstance(raw, list | tuple):
        words = [str(word) for word in raw]
    else:
        raise ImproperlyConfigured("SANDBOX_MJ_BANNED_WORDS must be a list or a comma-separated text.")
    return tuple(word.strip().lower() for word in words if word.strip())


def midjourney_concurrency() -> int:
    """SANDBOX_MJ_CONCURRENCY: Midjourney jobs that run at once; later ones wait in the queue."""
    return max(1, int(_float("SANDBOX_MJ_CONCURRENCY", 3.0)))


def midjourney_queue_size() -> int:
    """SANDBOX_MJ_QUEUE_SIZE: Midjourney jobs that may wait; one more gets code 23 (queue full)."""
    return int(_float("SANDBOX_MJ_QUEUE_SIZE", 10.0))


def video_concurrency() -> int:
    """SANDBOX_VIDEO_CONCURRENCY: Veo3 (and, apart, Sora2) tasks that may run at once; past it a create
    answers 429 `当前分组上游负载已饱和` as the gateway does when its provider is saturated. 0: no limit."""
    return int(_float("SANDBOX_VIDEO_CONCURRENCY", 0.0))


def midjourney_rewrites_codes() -> bool:
    """SANDBOX_MJ_REWRITE_CODES: answer codes 21/22 as 1, as new-api does (except for MODAL)."""
    return _bool("SANDBOX_MJ_REWRITE_CODES", default=True)


def midjourney_forwards_images() -> bool:
    """SANDBOX_MJ_FORWARD_IMAGES: give `imageUrl` as `<base>/mj/image/<id>` instead of a CDN URL."""
    return _bool("SANDBOX_MJ_FORWARD_IMAGES", default=False)


def api_version() -> str:
    """SANDBOX_API_VERSION: `2025` (URL in fail_reason, bare task_id) or `2026` (result_url, task_ ids)."""
    value = _text("SANDBOX_API_VERSION", "2025")
    if value not in {"2025", "2026"}:
        raise ImproperlyConfigured(f"SANDBOX_API_VERSION must be 2025 or 2026, not {value!r}.")
    return value


def scopes_tasks_by_key() -> bool:
    """SANDBOX_SCOPE_TASKS_BY_KEY: a task is visible only to the key that created it."""
    return _bool("SANDBOX_SCOPE_TASKS_BY_KEY", default=True)


def video_seconds() -> float:
    """SANDBOX_VIDEO_SECONDS: length of the rendered clips (kept short so rendering stays fast)."""
    return min(max(_float("SANDBOX_VIDEO_SECONDS", 2.0), 0.5), 10.0)


def sora_content_is_json() -> bool:
    """SANDBOX_SORA_CONTENT_JSON: `/v1/videos/{id}/content` answers JSON with URLs instead of bytes."""
    return _bool("SANDBOX_SORA_CONTENT_JSON", default=False)
