"""Sora2 videos, their remixes and the characters taken from them, polled at /v1/videos/{id}."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    VIDEO_STALL,
    Family,
    Kind,
    KindSpec,
    per_video_second,
)
from studio.upstream import Capability

SPECS = (
    KindSpec(
        Kind.SORA2_VIDEO,
        _("Video: Sora2"),
        Family.SORA,
        Capability.VIDEO_SORA2,
        "sora-2",
        VIDEO_STALL,
        image_inputs={"reference": (0, 1)},
        price_basis=per_video_second,
        form_family="sora2",
        can_remix=True,
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
        can_remix=True,
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
)
