"""Tunes django-allauth to the studio."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from studio.accounts.throttling import client_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """A deployment can close public sign-up (ACCOUNT_ALLOW_SIGNUP=false) and grow by invitation."""
        return bool(settings.ACCOUNT_ALLOW_SIGNUP)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits count: the same one django-axes counts (TRUSTED_PROXY_COUNT)."""
        return client_address(request)
