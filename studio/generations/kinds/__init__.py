"""The catalogue of generation kinds: one module per family, each holding its kinds' specs.

Adding a kind means one `Kind` line in `_base.py` and one `KindSpec` in its family's module (for a task
kind, with its request builder beside it as `submit`; a sync kind names its runner, which is in
`engine/run.py`'s `RUNNERS`). Everything
else (the forms' checks, cards, use-as-input offers, prices, polling) asks the spec.
"""

from __future__ import annotations

import functools

from django.utils.translation import get_language

from studio.generations.kinds import (
    audio,
    chat_media,
    embeddings,
    images,
    midjourney,
    sora,
    text,
    veo3,
)
from studio.generations.kinds._base import (
    GIVE_UP_AFTER,
    IMAGE,
    MIDJOURNEY_MODELS,
    MJ_BUTTON_PRICES,
    SORA_LARGE_SIZES,
    SOUND,
    TIMED_OUT_POLL,
    TIMEOUT_AFTER,
    VIDEO,
    Display,
    Family,
    InputOffer,
    InputRule,
    Kind,
    KindSpec,
    PriceBasis,
    PriceRule,
    midjourney_button,
    per_call,
    per_token,
    per_video_second,
)

KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for family in (veo3, sora, midjourney, images, chat_media, audio, text, embeddings)
    for spec in family.SPECS
}
assert set(KINDS) == set(Kind), "every Kind needs exactly one spec"

SYNC_KINDS = frozenset(kind for kind, spec in KINDS.items() if spec.is_sync)


def input_offers(media_kind: str, *, is_sora_video: bool) -> list[tuple[str, str, str]]:
    """(label, form family, mode) of each form a finished result of this media kind can go to."""
    return list(_input_offers(media_kind, is_sora_video, get_language()))


@functools.lru_cache(maxsize=256)
def _input_offers(
    media_kind: str, is_sora_video: bool, language: str | None
) -> tuple[tuple[str, str, str], ...]:
    """Once per media kind and language: a workspace page asks for every result on it."""
    return tuple(
        (str(offer.label), spec.form_family, spec.kind if offer.sets_mode else "")
        for spec in KINDS.values()
        if (offer := spec.input_offer) is not None
        and media_kind in offer.media
        and (is_sora_video or not offer.only_sora_video)
    )


__all__ = [
    "GIVE_UP_AFTER",
    "IMAGE",
    "KINDS",
    "MIDJOURNEY_MODELS",
    "MJ_BUTTON_PRICES",
    "SORA_LARGE_SIZES",
    "SOUND",
    "SYNC_KINDS",
    "TIMED_OUT_POLL",
    "TIMEOUT_AFTER",
    "VIDEO",
    "Display",
    "Family",
    "InputOffer",
    "InputRule",
    "Kind",
    "KindSpec",
    "PriceBasis",
    "PriceRule",
    "input_offers",
    "midjourney_button",
    "per_call",
    "per_token",
    "per_video_second",
]
