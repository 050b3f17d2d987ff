"""Settles a generation's charge when its status changes (inside the change's own transaction)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from studio.costs.services import settle_cost
from studio.generations.models import Generation, status_changed


@receiver(status_changed, sender=Generation, dispatch_uid="costs-settle")
def settle_on_status_change(
    sender: type[Generation],
    *,
    generation: Generation,
    previous: str,
    status: str,
    fields: dict[str, Any],
    payload: Any,
    **kwargs: Any,
) -> None:
    settle_cost(generation=generation, previous=previous, status=status, fields=fields, payload=payload)
