"""Addresses the development server is reached at, shared by the settings and `manage.py run_studio`."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


def local_url(addr: str) -> str:
    """The address to reach a server listening on `addr` (runserver's `[host:]port`) from this machine."""
    host, _colon, port = addr.strip().rpartition(":")
    if not port.isdigit():
        raise ImproperlyConfigured(f"RUN_ADDR must be [host:]port, like 127.0.0.1:8001; got {addr!r}.")
    host = host.strip("[]")
    if host in {"", "0.0.0.0", "::", "0"}:
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
