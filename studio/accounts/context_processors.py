"""Puts the user's teams and the current team in every template, for the navigation's team switcher."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from studio.accounts.access import current_membership, user_memberships


def teams(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_memberships": SimpleLazyObject(lambda: user_memberships(request)),
        "current_membership": SimpleLazyObject(lambda: current_membership(request)),
    }
