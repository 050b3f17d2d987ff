"""Middleware for signed-in people: their own time zone, and pages no cache keeps."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SANDBOX_PREFIX = "/sandbox/"


class UserTimezoneMiddleware:
    """Shows every date and time in the signed-in user's own time zone (they are stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        time_zone = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
        if time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Marks every answer to a signed-in person `Cache-Control: private, no-store`.

    Their pages show team data; no shared cache may keep them, and the browser must not either, so that
    the back button after logging out on a shared computer shows nothing. Answers that chose their own
    caching keep it (media files, share pages), and the sandbox, a stand-in for another server, is left
    alone. Static files never get here: WhiteNoise answers them first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(SANDBOX_PREFIX) or response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response
