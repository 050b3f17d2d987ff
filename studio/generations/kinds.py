"""The catalogue of generation kinds: how each is polled, how long it may stay silent, what it accepts.

Adding a kind means adding a row here, a submitter in `submitters.py` (or a runner in `direct.py` for a
kind the gateway answers within one request) and a form in `forms.py`; the engine (records, polling,
ingest, cards) is shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kind_choices import Kind
from studio.upstream import Capability


class Family(StrEnum):
    """How the gateway reports on a kind after the submit."""

    VIDEO_TASK = "video_task"  # GET /v1/video/generations/{id}
    SORA = "sora"  # GET /v1/videos/{id} (remix and characters alike)
    MIDJOURNEY = "midjourney"  # POST /mj/task/list-by-condition, batched
    # Answered within the one (often streamed) request the submit task makes; never polled.
    SYNC = "sync"


@dataclass(frozen=True)
class InputRule:
    """How many assets a role takes, and of which media kinds (`Asset.MediaKind` values)."""

    media: frozenset[str]
    minimum: int
    maximum: int


@dataclass(frozen=True)
class PriceBasis:
    """What the gateway charges one generation for: `calls` times a per-call price, or tokens.

    `price_name` is the price list entry to use: the model, or a Midjourney action's own name.
    """

    price_name: str
    calls: float = 1.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


PriceRule = Callable[[str, Mapping[str, Any], str], PriceBasis]


def _count(params: Mapping[str, Any]) -> int:
    try:
        return max(1, int(params.get("n") or params.get("count") or 1))
    except (TypeError, ValueError):
        return 1


def per_call(model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
    """One call of the model per result asked for (`n`)."""
    return PriceBasis(model, calls=_count(params))


SORA_LARGE_SIZES = frozenset({"1792x1024", "1024x1792"})


def per_video_second(model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
    """Sora: the price times `seconds` (4 unless given), and times 1.666667 for the large sizes."""
    try:
        seconds = float(params.get("seconds") or 4)
    except (TypeError, ValueError):
        seconds = 4.0
    factor = 1.666667 if str(params.get("size") or "") in SORA_LARGE_SIZES else 1.0
    return PriceBasis(model, calls=seconds * factor)


def midjourney(price_name: str) -> PriceRule:
    """A Midjourney job, priced under the action's own name (`mj_imagine`, `mj_blend`…), not the model."""

    def rule(model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
        return PriceBasis(price_name)

    return rule


# Words of a Midjourney button's custom id → the price name the gateway charges it under.
MJ_BUTTON_PRICES = (
    ("upsample", "mj_upscale"),
    ("high_variation", "mj_high_variation"),
    ("low_variation", "mj_low_variation"),
    ("variation", "mj_variation"),
    ("reroll", "mj_reroll"),
    ("inpaint", "mj_inpaint"),
    ("customzoom", "mj_custom_zoom"),
    ("outpaint", "mj_zoom"),
    ("zoom", "mj_zoom"),
    ("pan", "mj_pan"),
)


def midjourney_button(model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
    """A pressed button, priced by what it does (upscale, variation, reroll, zoom, pan, vary region)."""
    custom_id = str(params.get("custom_id") or "").lower().replace(" ", "")
    name = next((price for word, price in MJ_BUTTON_PRICES if word in custom_id), "mj_variation")
    return PriceBasis(name)


def _tokens(text: str) -> int:
    """About four characters a token: a rough estimate, settled later to the gateway's usage."""
    return math.ceil(len(text) / 4)


def per_token(expected_answer: int) -> PriceRule:
    """Prompt tokens from the prompt, and the answer's tokens from `max_tokens` or a typical length."""

    def rule(model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
        try:
            answer = int(params.get("max_tokens") or expected_answer)
        except (TypeError, ValueError):
            answer = expected_answer
        prompt_tokens = _tokens(prompt) + _tokens(str(params.get("system") or ""))
        # A per-call model ignores the tokens and costs one call.
        return PriceBasis(model, calls=1, prompt_tokens=prompt_tokens, completion_tokens=answer)

    return rule


IMAGE = frozenset({"image"})
VIDEO = frozenset({"video"})
SOUND = frozenset({"audio", "video"})


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    label: str | Promise
    family: Family
    capability: Capability
    default_model: str
    stall_after: timedelta
    # Role name → (minimum, maximum) number of input images.
    image_inputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Role name → rule, for inputs that are not (only) images: audio, video.
    media_inputs: dict[str, InputRule] = field(default_factory=dict)
    needs_prompt: bool = True
    is_child_only: bool = False
    # The catalogue offers only models whose id matches this (on top of the capability), when set.
    model_pattern: str = ""
    # An earlier result used in this role makes its generation the new one's parent ("from #12").
    parent_role: str = ""
    # What the gateway charges for one generation of this kind (see `PriceBasis`).
    price_basis: PriceRule = per_call

    @property
    def is_sync(self) -> bool:
        return self.family == Family.SYNC

    def priced(self, *, model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
        """The price entry and quantity one generation of this kind is charged for."""
        return self.price_basis(model, params, prompt)

    def input_rules(self) -> dict[str, InputRule]:
        """Every input role with its counts and media kinds, images included."""
        rules = {role: InputRule(IMAGE, low, high) for role, (low, high) in self.image_inputs.items()}
        return {**rules, **self.media_inputs}


VIDEO_STALL = timedelta(minutes=20)
MIDJOURNEY_STALL = timedelta(minutes=10)
# A streamed answer is silent for seconds, not minutes; a sync video still takes a few minutes.
SYNC_STALL = timedelta(minutes=2)
SYNC_VIDEO_STALL = timedelta(minutes=10)
# Past this, a task is shown as timed out, but still checked every TIMED_OUT_POLL until GIVE_UP_AFTER.
TIMEOUT_AFTER = timedelta(minutes=60)
TIMED_OUT_POLL = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
# The gateway lists Midjourney's price names (`mj_imagine`, `mj_upscale`…) and `swap_face` as models; none
# is a model to ask for: Midjourney requests carry no model, and face swap has its own kind.
MIDJOURNEY_MODELS = r"^(?!mj_|swap_face$)"


def _listening(kind: Kind, label: str | Promise, model_pattern: str = "") -> KindSpec:
    """Speech-to-text kinds: one audio or video in, text out."""
    return KindSpec(
        kind,
        label,
        Family.SYNC,
        Capability.STT,
        "whisper-1",
        SYNC_STALL,
        media_inputs={"source": InputRule(SOUND, 1, 1)},
        needs_prompt=False,
        model_pattern=model_pattern,
        parent_role="source",
        price_basis=per_token(expected_answer=500),
    )


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            Kind.VEO3_VIDEO,
            _("Video: Veo3"),
            Family.VIDEO_TASK,
            Capability.VIDEO_VEO3_ASYNC,
            "veo3-fast",
            VIDEO_STALL,
            image_inputs={"first_frame": (0, 1)},
        ),
        KindSpec(
            Kind.SORA2_VIDEO,
            _("Video: Sora2"),
            Family.SORA,
            Capability.VIDEO_SORA2,
            "sora-2",
            VIDEO_STALL,
            image_inputs={"reference": (0, 1)},
            price_basis=per_video_second,
        ),
        KindSpec(
            Kind.SORA2_REMIX,
            _("Sora2 remix"),
            Family.SORA,
            Capability.VIDEO_SORA2,
            "sora-2",
            VIDEO_STALL,
            is_child_only=True,
            price_basis=per_video_second,
        ),
        KindSpec(
            Kind.SORA2_CHARACTER,
            _("Sora2 character"),
            Family.SORA,
            Capability.SORA_CHARACTER,
            "sora-2-character",
            VIDEO_STALL,
            needs_prompt=False,
            is_child_only=True,
        ),
        KindSpec(
            Kind.MJ_IMAGINE,
            _("Midjourney: imagine"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            image_inputs={"reference": (0, 5)},
            model_pattern=MIDJOURNEY_MODELS,
            price_basis=midjourney("mj_imagine"),
        ),
        KindSpec(
            Kind.MJ_ACTION,
            _("Midjourney: button"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            needs_prompt=False,
            is_child_only=True,
            model_pattern=MIDJOURNEY_MODELS,
            price_basis=midjourney_button,
        ),
        KindSpec(
            Kind.MJ_BLEND,
            _("Midjourney: blend"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            image_inputs={"source": (2, 5)},
            needs_prompt=False,
            model_pattern=MIDJOURNEY_MODELS,
            price_basis=midjourney("mj_blend"),
        ),
        KindSpec(
            Kind.MJ_DESCRIBE,
            _("Midjourney: describe"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            image_inputs={"source": (1, 1)},
            needs_prompt=False,
            model_pattern=MIDJOURNEY_MODELS,
            price_basis=midjourney("mj_describe"),
        ),
        KindSpec(
            Kind.MJ_SHORTEN,
            _("Midjourney: shorten"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            model_pattern=MIDJOURNEY_MODELS,
            price_basis=midjourney("mj_shorten"),
        ),
        KindSpec(
            Kind.MJ_SWAP_FACE,
            _("Midjourney: face swap"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "swap_face",
            MIDJOURNEY_STALL,
            image_inputs={"face": (1, 1), "target": (1, 1)},
            needs_prompt=False,
            model_pattern=r"swap_face",
            price_basis=midjourney("swap_face"),
        ),
        KindSpec(
            Kind.CHAT_IMAGE,
            _("Image via chat"),
            Family.SYNC,
            Capability.IMAGE_CHAT,
            "gemini-2.5-flash-image",
            SYNC_STALL,
            image_inputs={"image": (0, 4)},
            parent_role="image",
        ),
        KindSpec(
            Kind.IMAGES_GENERATE,
            _("Image"),
            Family.SYNC,
            Capability.IMAGES_API,
            "dall-e-3",
            SYNC_STALL,
        ),
        KindSpec(
            Kind.IMAGES_EDIT,
            _("Image edit"),
            Family.SYNC,
            Capability.IMAGES_API,
            "gpt-image-1",
            SYNC_STALL,
            image_inputs={"image": (1, 4), "mask": (0, 1)},
            parent_role="image",
            # DALL·E 3 only generates; the edits endpoint rejects it.
            model_pattern=r"^(?!dall-e-3)",
        ),
        KindSpec(
            Kind.CHAT_VIDEO,
            _("Video via chat"),
            Family.SYNC,
            Capability.VIDEO_CHAT,
            "veo3-fast",
            SYNC_VIDEO_STALL,
            image_inputs={"first_frame": (0, 1)},
            model_pattern=r"^(veo|sora)(?!.*(remover|watermark))",
            parent_role="first_frame",
        ),
        KindSpec(
            Kind.WATERMARK_REMOVAL,
            _("Watermark removal"),
            Family.SYNC,
            Capability.VIDEO_CHAT,
            "sora_remover",
            SYNC_VIDEO_STALL,
            media_inputs={"source": InputRule(VIDEO, 0, 1)},
            needs_prompt=False,
            model_pattern=r"remover|watermark",
            parent_role="source",
        ),
        KindSpec(
            Kind.SPEECH,
            _("Speech"),
            Family.SYNC,
            Capability.TTS,
            "tts-1",
            SYNC_STALL,
            price_basis=per_token(expected_answer=0),
        ),
        _listening(Kind.TRANSCRIPTION, _("Transcription")),
        # OpenAI's newer speech-to-text models transcribe but do not translate.
        _listening(Kind.TRANSLATION, _("Translation"), model_pattern=r"whisper"),
        KindSpec(
            Kind.CHAT,
            _("Chat"),
            Family.SYNC,
            Capability.CHAT,
            "gpt-4o-mini",
            SYNC_STALL,
            image_inputs={"image": (0, 4)},
            price_basis=per_token(expected_answer=800),
        ),
        KindSpec(
            Kind.COMPLETION,
            _("Completion"),
            Family.SYNC,
            Capability.COMPLETIONS,
            "gpt-3.5-turbo-instruct",
            SYNC_STALL,
            price_basis=per_token(expected_answer=256),
        ),
        KindSpec(
            Kind.EMBEDDINGS,
            _("Embeddings"),
            Family.SYNC,
            Capability.EMBEDDINGS,
            "text-embedding-3-small",
            SYNC_STALL,
            price_basis=per_token(expected_answer=0),
        ),
    )
}

SYNC_KINDS = frozenset(kind for kind, spec in KINDS.items() if spec.is_sync)
