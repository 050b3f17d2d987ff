"""The gateway's price list (`GET /api/pricing` on new-api based gateways), parsed leniently."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_int, as_mapping, as_text
from studio.upstream.transport import GatewayHttp

# new-api counts spend in quota units; this many make one unit of the gateway's currency (USD).
QUOTA_PER_UNIT = 500_000


@dataclass(frozen=True)
class ModelPricing:
    """One model's (or Midjourney action's) price: per call, or per token through ratios."""

    model_name: str
    is_per_call: bool
    model_price: Decimal
    model_ratio: Decimal
    completion_ratio: Decimal
    groups: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class PriceList:
    models: tuple[ModelPricing, ...]
    group_ratios: Mapping[str, Decimal]


def as_decimal(value: object) -> Decimal | None:
    """A number from a JSON number or numeric string; None for anything else (never NaN or infinity)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _model_pricing(record: Mapping[str, Any]) -> ModelPricing | None:
    name = as_text(record.get("model_name") or record.get("model"))
    if not name:
        return None
    price = as_decimal(record.get("model_price")) or Decimal(0)
    ratio = as_decimal(record.get("model_ratio")) or Decimal(0)
    completion = as_decimal(record.get("completion_ratio"))
    quota_type = as_int(record.get("quota_type"))
    # Gateways that omit quota_type price a model per call exactly when it has a model price.
    is_per_call = quota_type == 1 if quota_type is not None else price > 0
    groups = record.get("enable_groups") or record.get("groups") or ()
    return ModelPricing(
        model_name=name,
        is_per_call=is_per_call,
        model_price=price,
        model_ratio=ratio,
        completion_ratio=completion if completion is not None else Decimal(1),
        groups=tuple(as_text(group) for group in groups if as_text(group))
        if isinstance(groups, list)
        else (),
        raw=record,
    )


def parse_price_list(payload: object, *, request_id: str | None = None) -> PriceList:
    """Reads new-api's `{"success": true, "data": [...], "group_ratio": {...}}`, ignoring unknown fields."""
    body = as_mapping(payload)
    items = body.get("data") if body else payload
    if body.get("success") is False or not isinstance(items, list):
        raise MalformedResponse(
            "The gateway publishes no price list.",
            gateway_message=as_text(body.get("message")),
            request_id=request_id,
        )
    models = (_model_pricing(as_mapping(item)) for item in items)
    ratios = {
        as_text(name): ratio
        for name, value in as_mapping(body.get("group_ratio")).items()
        if (ratio := as_decimal(value)) is not None and ratio >= 0
    }
    unique = {model.model_name: model for model in models if model is not None}
    return PriceList(models=tuple(unique.values()), group_ratios=ratios)


def fetch_price_list(http: GatewayHttp) -> PriceList:
    """`GET /api/pricing`; no side effects."""
    response = http.request("GET", "/api/pricing")
    return parse_price_list(response.json(), request_id=response.request_id)
