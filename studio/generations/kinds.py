"""The catalogue of generation kinds: how each is polled, how long it may stay silent, what it accepts.

Adding a kind means adding a row here, a submitter in `submitters.py` and a form in `forms.py`; the
engine (records, polling, ingest, cards) is shared.
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
    needs_prompt: bool = True
    is_child_only: bool = False


VIDEO_STALL = timedelta(minutes=20)
MIDJOURNEY_STALL = timedelta(minutes=10)
# Past this, a task is shown as timed out, but still checked every TIMED_OUT_POLL until GIVE_UP_AFTER.
TIMEOUT_AFTER = timedelta(minutes=60)
TIMED_OUT_POLL = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)

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
            Capability.VIDEO_SORA2,
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
        ),
        KindSpec(
            Kind.MJ_SHORTEN,
            _("Midjourney: shorten"),
            Family.MIDJOURNEY,
            Capability.MIDJOURNEY,
            "midjourney",
            MIDJOURNEY_STALL,
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
        ),
    )
}
