"""Request types for views: what the middleware adds to Django's HttpRequest."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from studio.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request behind @login_required: its user is a real User."""

    user: User
