"""How django-axes names the account an attempt was made against (allauth logs in by e-mail)."""

from typing import Any

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
