"""Amounts as people read them: "0.40 USD", or "price unknown" (never 0)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from studio.costs.services import format_amount

register = template.Library()


@register.filter
def money(micros: int | None, currency: str = "") -> str:
    """An amount in micro-units with the team's currency label; "price unknown" when there is none."""
    if micros is None:
        return _("price unknown")
    return f"{format_amount(micros)} {currency}".strip()


@register.filter
def price_of(model: str, labels: dict[str, str]) -> str:
    """The model's price from `price_labels`, or "price unknown" (never 0)."""
    return labels.get(model) or _("price unknown")
