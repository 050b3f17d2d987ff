"""Middleware for signed-in people: their own time zone and language, and pages no cache keeps."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

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


class UserLanguageMiddleware:
    """Shows the studio in the signed-in user's chosen language, on every device they sign in from.

    LocaleMiddleware has already picked the visitor's language (the language cookie, then the browser's
    Accept-Language); a user who chose a language on the profile page or in the header overrides it. The
    cookie is brought in line so that the log-in page after signing out stays in that language too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = user_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read again: the view may just have changed it (the language switch), or signed the user in.
        language = user_language(request)
        if (
            language
            and settings.LANGUAGE_COOKIE_NAME not in response.cookies
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language
        ):
            set_language_cookie(response, language)
        return response


def user_language(request: HttpRequest) -> str:
    """The signed-in user's chosen language, or "" to follow the browser."""
    user = getattr(request, "user", None)
    language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    return language if language and translation.check_for_language(language) else ""


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Sets Django's language cookie with the settings its own set_language view uses."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


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
