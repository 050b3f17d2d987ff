"""`manage.py check --deploy` warns when the sandbox gateway is served by a production studio."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_sandbox_off_in_production(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The sandbox answers any key and makes free media: anyone could use it as a gateway."""
    if settings.DEBUG or not settings.SANDBOX_ENABLED:
        return []
    return [
        Warning(
            "The sandbox gateway is served under /sandbox/ although DEBUG is off.",
            hint="Set SANDBOX_ENABLED=false in production unless this is a demonstration server.",
            id="sandbox.W001",
        )
    ]
