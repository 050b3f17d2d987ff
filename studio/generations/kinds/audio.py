"""Audio: text to speech, and speech to text (transcription, translation into English)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    SOUND,
    SYNC_STALL,
    Display,
    Family,
    InputOffer,
    InputRule,
    Kind,
    KindSpec,
    per_token,
)
from studio.upstream import Capability


def _listening(kind: Kind, label: str | Promise, offer: InputOffer, model_pattern: str = "") -> KindSpec:
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
        price_basis=per_token(expected_answer=500),
        form_family="audio",
        display=Display.ANSWER,
        input_offer=offer,
    )


SPECS = (
    KindSpec(
        Kind.SPEECH,
        _("Speech"),
        Family.SYNC,
        Capability.TTS,
        "tts-1",
        SYNC_STALL,
        price_basis=per_token(expected_answer=0),
        form_family="audio",
        display=Display.NONE,
    ),
    _listening(Kind.TRANSCRIPTION, _("Transcription"), InputOffer(SOUND, _("Transcribe it"))),
    # OpenAI's newer speech-to-text models transcribe but do not translate.
    _listening(
        Kind.TRANSLATION,
        _("Translation"),
        InputOffer(frozenset({"audio"}), _("Translate it")),
        model_pattern=r"whisper",
    ),
)
