"""The sandbox gateway's price list, published at `GET /api/pricing` in new-api's shape.

Per-call models cost `model_price` USD a call (Sora: a second, as new-api multiplies by `seconds`, and by
1.666667 for the large sizes); per-token models cost (prompt + completion × completion_ratio) ×
model_ratio quota a token, 500,000 quota to the USD. One model is deliberately left without a price, as
real gateways leave some, so the studio's "price unknown" can be seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from studio.sandbox.catalogue import MODELS

QUOTA_PER_USD = 500_000
GROUP_RATIOS = {"default": 1, "vip": 0.8}
LARGE_SORA_SIZES = frozenset({"1792x1024", "1024x1792"})
UNPRICED = frozenset({"gemini-2.5-flash-image-preview"})

PER_CALL: dict[str, str] = {
    "veo3": "2.0",
    "veo3-fast": "0.4",
    "veo3-pro": "3.0",
    "veo3-frames": "2.0",
    "veo3-fast-frames": "0.4",
    "veo3-pro-frames": "3.0",
    "veo3.1": "2.0",
    "veo3.1-fast": "0.4",
    "veo3.1-pro": "3.0",
    # Per second of video.
    "sora-2": "0.1",
    "sora-2-pro": "0.3",
    "sora2-landscape-10s": "0.1",
    "sora2-portrait-10s": "0.1",
    "sora2-landscape-15s": "0.1",
    "sora2-portrait-15s": "0.1",
    "sora-2-character": "0.05",
    "sora-2-character-real": "0.05",
    "sora_remover": "0.05",
    "gpt-4o-image": "0.04",
    "gpt-4o-image-vip": "0.08",
    "gemini-2.5-flash-image": "0.039",
    "gemini-3-pro-image-preview": "0.134",
    "dall-e-3": "0.04",
    "gpt-image-1": "0.042",
    "flux-kontext-pro": "0.04",
    "flux-kontext-max": "0.08",
    "flux-pro": "0.05",
    "flux-dev": "0.025",
    "flux-schnell": "0.003",
    "mj_imagine": "0.1",
    "mj_variation": "0.1",
    "mj_reroll": "0.1",
    "mj_blend": "0.1",
    "mj_upscale": "0.05",
    "mj_describe": "0.05",
    "mj_shorten": "0.05",
    "mj_modal": "0.1",
    "mj_zoom": "0.1",
    "mj_custom_zoom": "0.1",
    "mj_inpaint": "0.1",
    "mj_high_variation": "0.1",
    "mj_low_variation": "0.1",
    "mj_pan": "0.1",
    "swap_face": "0.05",
}

# model_ratio, completion_ratio
PER_TOKEN: dict[str, tuple[str, str]] = {
    "gpt-4o": ("1.25", "4"),
    "gpt-4o-mini": ("0.075", "4"),
    "gpt-4.1": ("1", "4"),
    "gpt-4.1-mini": ("0.2", "4"),
    "gpt-4.1-nano": ("0.05", "4"),
    "gpt-5": ("0.625", "8"),
    "gpt-5-mini": ("0.125", "8"),
    "o3-mini": ("0.55", "4"),
    "o4-mini": ("0.55", "4"),
    "claude-3-5-haiku-20241022": ("0.4", "5"),
    "claude-sonnet-4-20250514": ("1.5", "5"),
    "gemini-2.5-pro": ("0.625", "8"),
    "gemini-2.5-flash": ("0.15", "8.33"),
    "deepseek-chat": ("0.135", "4"),
    "deepseek-reasoner": ("0.275", "4"),
    "gpt-3.5-turbo-instruct": ("0.75", "1.33"),
    "davinci-002": ("1", "1"),
    "babbage-002": ("0.2", "1"),
    "tts-1": ("7.5", "1"),
    "tts-1-hd": ("15", "1"),
    "gpt-4o-mini-tts": ("0.3", "20"),
    "whisper-1": ("15", "1"),
    "gpt-4o-transcribe": ("1.25", "4"),
    "gpt-4o-mini-transcribe": ("0.625", "4"),
    "text-embedding-3-small": ("0.01", "1"),
    "text-embedding-3-large": ("0.065", "1"),
    "text-embedding-ada-002": ("0.05", "1"),
}


def price_list() -> dict[str, Any]:
    """The `GET /api/pricing` answer."""
    data: list[dict[str, Any]] = []
    for name, card in MODELS.items():
        if name in UNPRICED:
            continue
        record: dict[str, Any] = {
            "model_name": name,
            "owner_by": card.owned_by,
            "enable_groups": sorted(GROUP_RATIOS),
            "supported_endpoint_types": sorted(endpoint.value for endpoint in card.endpoints),
        }
        if name in PER_CALL:
            record.update(quota_type=1, model_price=float(PER_CALL[name]), model_ratio=0, completion_ratio=1)
        elif name in PER_TOKEN:
            ratio, completion = PER_TOKEN[name]
            record.update(
                quota_type=0, model_price=0, model_ratio=float(ratio), completion_ratio=float(completion)
            )
        else:
            continue
        data.append(record)
    return {"success": True, "data": data, "group_ratio": GROUP_RATIOS}


def other_ratios(model: str, params: Mapping[str, Any]) -> dict[str, float]:
    """The ratios `task_quota` multiplies a Sora video's price by, as new-api reports them in the
    `X-New-Api-Other-Ratios` header of the create answer; none for a per-call task."""
    if not model.startswith("sora") or "character" in model:
        return {}
    ratios = {"seconds": float(params.get("seconds") or 4)}
    if str(params.get("requested_size") or params.get("size") or "") in LARGE_SORA_SIZES:
        ratios["size"] = 1.666667
    return ratios


def task_quota(model: str, params: Mapping[str, Any]) -> int:
    """What a task of this model costs in quota, as new-api pre-charges it (seconds and size for Sora)."""
    price = Decimal(PER_CALL.get(model, "0"))
    if model.startswith("sora") and "character" not in model:
        price *= Decimal(str(params.get("seconds") or 4))
        if str(params.get("requested_size") or params.get("size") or "") in LARGE_SORA_SIZES:
            price *= Decimal("1.666667")
    return int(price * QUOTA_PER_USD)
