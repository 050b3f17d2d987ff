"""The studio's own WSGI application, wrapped so that `bench/engine.py` can count gateway calls.

Served by gunicorn from the bench (`--pythonpath bench counting_wsgi:application`). Every request under
`/sandbox/` and every browser poll is appended, one JSON object a line, to the file named by
`BENCH_REQUEST_LOG`: its start (unix seconds), server time, method, path, status and, for Midjourney's
batched `list-by-condition`, the task ids asked about. Nothing in the studio changes: this only wraps the
callable that `aitre_site/wsgi.py` exports.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aitre_site.wsgi import application as studio_application

LOG_PATH = os.environ["BENCH_REQUEST_LOG"]
COUNTED_PREFIXES = ("/sandbox/", "/generations/poll/")
BATCH_PATH_END = "/task/list-by-condition"

_lock = threading.Lock()
# Opened once per worker process in append mode: each line is one write, so processes never interleave.
_log = open(LOG_PATH, "a", buffering=1, encoding="utf-8")  # noqa: SIM115


def _batch_ids(environ: dict[str, Any]) -> list[str]:
    """Reads the ids of a batched Midjourney query and puts the body back for the view."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        ids = json.loads(body or b"{}").get("ids") or []
    except (ValueError, AttributeError):
        return []
    return [str(task_id) for task_id in ids]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if not path.startswith(COUNTED_PREFIXES):
        return studio_application(environ, start_response)  # type: ignore[no-any-return]
    started = time.time()
    ids = _batch_ids(environ) if path.endswith(BATCH_PATH_END) else None
    status: list[str] = []

    def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(code.split(" ", 1)[0])
        return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

    body = studio_application(environ, recording_start_response)
    record: dict[str, Any] = {
        "t": round(started, 4),
        "ms": round((time.time() - started) * 1000, 1),
        "method": environ.get("REQUEST_METHOD", ""),
        "path": path,
        "status": int(status[0]) if status else 0,
        "pid": os.getpid(),
    }
    if ids is not None:
        record["ids"] = ids
    with _lock:
        _log.write(json.dumps(record) + "\n")
    return body  # type: ignore[no-any-return]
