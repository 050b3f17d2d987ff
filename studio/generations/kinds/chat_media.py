"""Video through a chat model (Veo3, Sora2), and Sora watermark removal."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    SYNC_VIDEO_STALL,
    VIDEO,
    Display,
    InputOffer,
    InputRule,
    Kind,
    sync_spec,
)
from studio.upstream import Capability

CHAT_VIDEO = sync_spec(
    Kind.CHAT_VIDEO,
    _("Video via chat"),
    Capability.VIDEO_CHAT,
    "veo3-fast",
    runner="chat_video",
    stall_after=SYNC_VIDEO_STALL,
    image_inputs={"first_frame": (0, 1)},
    model_pattern=r"^(veo|sora)(?!.*(remover|watermark))",
    sora_model_prefix="sora",
    parent_role="first_frame",
    form_family="video_chat",
    mode_label=_("Video via chat (Veo3, Sora2)"),
    display=Display.MEDIA_CHAT,
    input_offer=InputOffer(IMAGE, _("Animate it via chat")),
)
WATERMARK_REMOVAL = sync_spec(
    Kind.WATERMARK_REMOVAL,
    _("Watermark removal"),
    Capability.VIDEO_CHAT,
    "sora_remover",
    runner="watermark_removal",
    stall_after=SYNC_VIDEO_STALL,
    media_inputs={"source": InputRule(VIDEO, 0, 1)},
    needs_prompt=False,
    model_pattern=r"remover|watermark",
    parent_role="source",
    form_family="video_chat",
    mode_label=_("Remove a Sora watermark"),
    display=Display.MEDIA_CHAT,
    # Only a Sora video carries the watermark the gateway removes.
    input_offer=InputOffer(VIDEO, _("Remove the watermark"), only_sora_video=True),
)
SPECS = (CHAT_VIDEO, WATERMARK_REMOVAL)
