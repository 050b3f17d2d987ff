"""The forms a member fills in to make something, one module per family, plus the result actions' forms.

Each family's form takes its modes, input counts and which fields a mode shows from its kinds' specs
(`studio.generations.kinds`); `_base` holds what they share.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import GenerationForm, InputField
from studio.generations.forms.audio import AudioForm
from studio.generations.forms.chat_media import VideoChatForm
from studio.generations.forms.embeddings import EmbeddingsForm
from studio.generations.forms.images import ImageForm
from studio.generations.forms.midjourney import ButtonForm, MidjourneyForm
from studio.generations.forms.sora import CharacterForm, RemixForm, Sora2Form
from studio.generations.forms.text import TextForm
from studio.generations.forms.veo3 import Veo3Form

FORMS: dict[str, type[GenerationForm]] = {
    "veo3": Veo3Form,
    "sora2": Sora2Form,
    "midjourney": MidjourneyForm,
    "image": ImageForm,
    "video_chat": VideoChatForm,
    "audio": AudioForm,
    "text": TextForm,
    "embeddings": EmbeddingsForm,
}

# The tabs of the project page's form, in order: family key → label.
FAMILY_LABELS: dict[str, Any] = {
    "veo3": _("Video: Veo3"),
    "sora2": _("Video: Sora2"),
    "midjourney": _("Midjourney"),
    "image": _("Image"),
    "video_chat": _("Video via chat"),
    "audio": _("Audio"),
    "text": _("Text"),
    "embeddings": _("Embeddings"),
}

__all__ = [
    "FAMILY_LABELS",
    "FORMS",
    "AudioForm",
    "ButtonForm",
    "CharacterForm",
    "EmbeddingsForm",
    "GenerationForm",
    "ImageForm",
    "InputField",
    "MidjourneyForm",
    "RemixForm",
    "Sora2Form",
    "TextForm",
    "Veo3Form",
    "VideoChatForm",
]
