"""What every kind of generation is described by: its label (`Kind`) and its facts (`KindSpec`).

The specs themselves live in one module per family beside this one; nothing here imports the models, so
the model field can take its choices from `Kind`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._payload import Submitter
from studio.upstream import Capability


class Kind(models.TextChoices):
    """What a generation makes, and through which gateway route: the one label of a kind."""

    VEO3_VIDEO = "veo3_video", _("Video: Veo3")
    SORA2_VIDEO = "sora2_video", _("Video: Sora2")
    SORA2_REMIX = "sora2_remix", _("Sora2 remix")
    SORA2_CHARACTER = "sora2_character", _("Sora2 character")
    MJ_IMAGINE = "mj_imagine", _("Midjourney imagine")
    MJ_ACTION = "mj_action", _("Midjourney action")
    MJ_BLEND = "mj_blend", _("Midjourney blend")
    MJ_DESCRIBE = "mj_describe", _("Midjourney describe")
    MJ_SHORTEN = "mj_shorten", _("Midjourney shorten")
    MJ_SWAP_FACE = "mj_swap_face", _("Midjourney face swap")
    # Kinds the gateway answers within one (often streamed) request.
    CHAT_IMAGE = "chat_image", _("Image via chat")
    IMAGES_GENERATE = "images_generate", _("Image")
    IMAGES_EDIT = "images_edit", _("Image edit")
    CHAT_VIDEO = "chat_video", _("Video via chat")
    WATERMARK_REMOVAL = "watermark_removal", _("Watermark removal")
    SPEECH = "speech", _("Speech")
    TRANSCRIPTION = "transcription", _("Transcription")
    TRANSLATION = "translation", _("Translation")
    CHAT = "chat", _("Chat")
    COMPLETION = "completion", _("Completion")
    EMBEDDINGS = "embeddings", _("Embeddings")


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


class Display(StrEnum):
    """How a card shows a generation's text beside its files."""

    ANSWER = "answer"  # the model's answer, streamed while it runs
    MEDIA_CHAT = "media_chat"  # a chat-format media answer: progress lines, then "what the model said"
    REVISED_PROMPT = "revised_prompt"
    EMBEDDINGS = "embeddings"
    TEXT = "text"
    NONE = "none"


@dataclass(frozen=True)
class InputOffer:
    """A finished result of one of `media` can be sent to this kind's form ("Use as input")."""

    media: frozenset[str]
    label: str | Promise
    # Whether the link presets the form's mode to this kind (a one-kind form has no mode to set).
    sets_mode: bool = True
    only_sora_video: bool = False


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
    # The tab of the project workspace's form that makes this kind.
    form_family: str = ""
    # How a card shows the generation's text.
    display: Display = Display.TEXT
    # The finished task yields text (a prompt list, a shorter prompt) rather than files to download.
    has_text_result: bool = False
    # What a finished result can be remixed into and made into a character by (Sora's own videos).
    remix_kind: str = ""
    character_kind: str = ""
    # A finished generation is a character the project's library lists (and its ingest stores none).
    makes_character: bool = False
    # Its video results are Sora's (carrying the watermark the gateway removes) when the model starts so.
    sora_model_prefix: str = ""
    # Where a finished result of another generation can be used as this kind's input, if anywhere.
    input_offer: InputOffer | None = None
    # How a task kind is sent (its family module's request builder).
    submit: Submitter | None = None
    # A sync kind's runner: its name in `engine.run.RUNNERS`, which holds the function.
    runner: str = ""
    # How the family's form offers this kind in its list of modes.
    mode_label: str | Promise = ""

    @property
    def is_sync(self) -> bool:
        return self.family == Family.SYNC

    @property
    def can_remix(self) -> bool:
        return bool(self.remix_kind)

    def priced(self, *, model: str, params: Mapping[str, Any], prompt: str) -> PriceBasis:
        """The price entry and quantity one generation of this kind is charged for."""
        return self.price_basis(model, params, prompt)

    def input_rules(self) -> dict[str, InputRule]:
        """Every input role with its counts and media kinds, images included."""
        rules = {role: InputRule(IMAGE, low, high) for role, (low, high) in self.image_inputs.items()}
        return {**rules, **self.media_inputs}

    def image_range(self, role: str) -> tuple[int, int]:
        """How many images the role takes, (0, 0) when it takes none."""
        return self.image_inputs.get(role, (0, 0))


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


def sync_spec(
    kind: Kind,
    label: str | Promise,
    capability: Capability,
    default_model: str,
    *,
    runner: str,
    stall_after: timedelta = SYNC_STALL,
    **facts: Any,
) -> KindSpec:
    """A kind the gateway answers within one request, run by `engine.run.RUNNERS[runner]`."""
    return KindSpec(kind, label, Family.SYNC, capability, default_model, stall_after, runner=runner, **facts)
