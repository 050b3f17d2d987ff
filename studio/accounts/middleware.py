"""Shows every date and time in the signed-in user's own time zone (they are stored in UTC)."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class UserTimezoneMiddleware:
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
