"""The kinds of generation as stored in the database: the one list of their codes and labels.

It sits below the models and the catalogue of kinds (`kinds.py`), so that both can import it and the models
can ask the catalogue about a kind without an import cycle.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a generation makes, and through which gateway route (see `studio.generations.kinds`)."""

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
