"""Audio: text to speech, and speech to text (transcription, translation into English)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    SOUND,
    Display,
    InputOffer,
    InputRule,
    Kind,
    KindSpec,
    per_token,
    sync_spec,
)
from studio.upstream import Capability


def _listening(kind: Kind, label: str | Promise, offer: InputOffer, **facts: Any) -> KindSpec:
    """Speech-to-text kinds: one audio or video in, text out."""
    return sync_spec(
        kind,
        label,
        Capability.STT,
        "whisper-1",
        media_inputs={"source": InputRule(SOUND, 1, 1)},
        needs_prompt=False,
        parent_role="source",
        price_basis=per_token(expected_answer=500),
        form_family="audio",
        display=Display.ANSWER,
        input_offer=offer,
        **facts,
    )


SPEECH = sync_spec(
    Kind.SPEECH,
    _("Speech"),
    Capability.TTS,
    "tts-1",
    runner="speech",
    price_basis=per_token(expected_answer=0),
    form_family="audio",
    mode_label=_("Text to speech"),
    display=Display.NONE,
)
TRANSCRIPTION = _listening(
    Kind.TRANSCRIPTION,
    _("Transcription"),
    InputOffer(SOUND, _("Transcribe it")),
    runner="transcription",
    mode_label=_("Transcribe audio or video"),
)
# OpenAI's newer speech-to-text models transcribe but do not translate.
TRANSLATION = _listening(
    Kind.TRANSLATION,
    _("Translation"),
    InputOffer(frozenset({"audio"}), _("Translate it")),
    runner="translation",
    model_pattern=r"whisper",
    mode_label=_("Translate audio or video into English text"),
)
SPECS = (SPEECH, TRANSCRIPTION, TRANSLATION)
