"""An encrypted text field for secrets such as gateway API keys.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under FIELD_ENCRYPTION_KEYS,
newest key first; older keys still decrypt, so keys can be rotated with `manage.py rotate_encryption_keys`.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "Each FIELD_ENCRYPTION_KEYS entry must be a 32-byte url-safe base64 Fernet key."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted: FIELD_ENCRYPTION_KEYS lacks the key it was saved with."
        ) from exc


class EncryptedTextField(models.TextField[str, str]):
    """Stores text encrypted; the empty string stays empty so "not set" needs no decryption."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)
