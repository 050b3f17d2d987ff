"""Tunes django-allauth to the studio."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.utils import translation

from studio.accounts.services import mail_language
from studio.accounts.throttling import client_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """A deployment can close public sign-up (ACCOUNT_ALLOW_SIGNUP=false) and grow by invitation."""
        return bool(settings.ACCOUNT_ALLOW_SIGNUP)

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """allauth's e-mails (password reset, confirmations) in the language the recipient chose."""
        language = mail_language(email if isinstance(email, str) else email[0])
        with translation.override(language):
            message: EmailMessage = super().render_mail(
                template_prefix, email, context, headers={**(headers or {}), "Content-Language": language}
            )
        return message

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits count: the same one django-axes counts (TRUSTED_PROXY_COUNT)."""
        return client_address(request)
