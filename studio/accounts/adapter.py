"""Tunes django-allauth to the studio."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """A deployment can close public sign-up (ACCOUNT_ALLOW_SIGNUP=false) and grow by invitation."""
        return bool(settings.ACCOUNT_ALLOW_SIGNUP)
