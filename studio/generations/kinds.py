"""The catalogue of generation kinds: how each is polled, how long it may stay silent, what it accepts.

Adding a kind means adding a row here, a submitter in `submitters.py` (or a runner in `direct.py` for a
kind the gateway answers within one request) and a form in `forms.py`; the engine (records, polling,
ingest, cards) is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.models import Kind
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

    @property
    def is_sync(self) -> bool:
        return self.family == Family.SYNC

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
        ),
        KindSpec(
            Kind.SORA2_REMIX,
            _("Sora2 remix"),
            Family.SORA,
            Capability.VIDEO_SORA2,
            "sora-2",
            VIDEO_STALL,
            is_child_only=True,
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
        ),
        KindSpec(
            Kind.MJ_SHORTEN,
            _("Midjourney: shorten"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
            model_pattern=MIDJOURNEY_MODELS,
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
        KindSpec(Kind.SPEECH, _("Speech"), Family.SYNC, Capability.TTS, "tts-1", SYNC_STALL),
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
        ),
        KindSpec(
            Kind.COMPLETION,
            _("Completion"),
            Family.SYNC,
            Capability.COMPLETIONS,
            "gpt-3.5-turbo-instruct",
            SYNC_STALL,
        ),
        KindSpec(
            Kind.EMBEDDINGS,
            _("Embeddings"),
            Family.SYNC,
            Capability.EMBEDDINGS,
            "text-embedding-3-small",
            SYNC_STALL,
        ),
    )
}

SYNC_KINDS = frozenset(kind for kind, spec in KINDS.items() if spec.is_sync)
