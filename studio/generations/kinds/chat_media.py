"""Video through a chat model (Veo3, Sora2), and Sora watermark removal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    SYNC_VIDEO_STALL,
    VIDEO,
    Display,
    Family,
    InputOffer,
    InputRule,
    Kind,
    KindSpec,
)
from studio.upstream import Capability

SPECS = (
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
        form_family="video_chat",
        display=Display.MEDIA_CHAT,
        input_offer=InputOffer(IMAGE, _("Animate it via chat")),
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
        form_family="video_chat",
        display=Display.MEDIA_CHAT,
        # Only a Sora video carries the watermark the gateway removes.
        input_offer=InputOffer(VIDEO, _("Remove the watermark"), only_sora_video=True),
    ),
)
