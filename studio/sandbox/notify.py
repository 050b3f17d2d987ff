"""Midjourney's `notifyHook`: the gateway POSTs the task to the caller's URL once it sees the task finish.

The moment is the simulated gateway's first poll tick at or after the upstream's end (see `lifecycle`), the
same moment the task's status turns final. The call is made from a timer thread of the serving process, so
a restart loses it, as a real gateway may: the studio's polling is the fallback. Hooks go only to the hosts
in SANDBOX_NOTIFY_HOSTS (loopback by default), never to an address a request made up.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from urllib.parse import urlsplit

import httpx

from studio.sandbox import config
from studio.sandbox.models import SandboxTask

logger = logging.getLogger(__name__)

# After the tick, so that a check made on the hook's word sees the final status.
MARGIN = 0.05


def is_allowed(url: str) -> bool:
    """Whether the sandbox may call `url`: http(s) to one of the allowed hosts."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and (parts.hostname or "") in config.notify_hosts()


def schedule(task: SandboxTask, url: str) -> bool:
    """Arranges one POST of the task's id and final status to `url` when the gateway sees it finish."""
    end = task.finishes_at
    if not url or end is None or not is_allowed(url):
        return False
    period = task.poll_interval * task.time_scale
    seen = math.ceil(end.timestamp() / period) * period if period > 0 else end.timestamp()
    delay = max(0.0, seen - time.time()) + MARGIN
    timer = threading.Timer(delay, _call, args=(url, task.public_id))
    timer.daemon = True
    timer.start()
    return True


def _call(url: str, task_id: str) -> None:
    try:
        httpx.post(url, json={"id": task_id}, timeout=5.0)
    except httpx.HTTPError as exc:
        logger.info("notifyHook %s failed: %r", url, exc)
