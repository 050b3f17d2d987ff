"""Veo3 video as a gateway task, polled at /v1/video/generations/{id}."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    VIDEO_STALL,
    Family,
    InputOffer,
    Kind,
    KindSpec,
)
from studio.upstream import Capability

SPECS = (
    KindSpec(
        Kind.VEO3_VIDEO,
        _("Video: Veo3"),
        Family.VIDEO_TASK,
        Capability.VIDEO_VEO3_ASYNC,
        "veo3-fast",
        VIDEO_STALL,
        image_inputs={"first_frame": (0, 1)},
        form_family="veo3",
        input_offer=InputOffer(IMAGE, _("Animate it with Veo3"), sets_mode=False),
    ),
)
