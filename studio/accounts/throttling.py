"""How the login throttles see a request: the account it names, and the address it came from.

django-axes and allauth's rate limits both ask `client_address`, so behind a reverse proxy they count the
same client, not the proxy.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or credentials.get("login")
        or request.POST.get("login", "")
    )
    # Case-folded so that "Ann@Example.com" and "ann@example.com" share one failure counter.
    return str(value).strip().casefold()


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address they saw.

    Each trusted proxy appends the address it was connected from to X-Forwarded-For, so the client is the
    entry that many places from the right; anything further left was written by the client and is ignored.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()
    ]
    if proxies <= 0 or not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate.strip("[]")))
    except ValueError:
        return remote
