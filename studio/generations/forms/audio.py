"""The audio form: text to speech, and speech to text (transcription, translation into English)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import (
    SOUND,
    AssetIdsField,
    GenerationForm,
    InputField,
    given_count,
    mode_field,
    modes,
    prompt_field,
)
from studio.generations.kinds.audio import SPEECH, TRANSCRIPTION, TRANSLATION
from studio.generations.models import Asset

MAX_SPEECH_LENGTH = 4096
# What the speech-to-text models take: OpenAI's 25 MB upload limit, and an hour of sound.
MAX_TRANSCRIPTION_BYTES = 25_000_000
MAX_TRANSCRIPTION_SECONDS = 3600.0
VOICES = ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]
SPEECH_FORMATS = [("mp3", "MP3"), ("opus", "Opus"), ("aac", "AAC"), ("flac", "FLAC"), ("wav", "WAV")]
TRANSCRIPT_FORMATS = [
    ("text", _("Plain text")),
    ("json", _("JSON (text with usage)")),
    ("srt", _("SubRip subtitles (.srt)")),
    ("vtt", _("WebVTT subtitles (.vtt)")),
]
LISTENING = (TRANSCRIPTION, TRANSLATION)


class AudioForm(GenerationForm):
    """Speech from text, and text (or subtitles) from audio or video."""

    kind = SPEECH.kind
    use_as_input = {"audio": "audio_assets", "video": "audio_assets"}
    mode_for_input = {"audio": TRANSCRIPTION.kind, "video": TRANSCRIPTION.kind}
    mode = mode_field(_("What to do"), "audio")
    prompt = prompt_field(
        required=False, label=_("Text to speak"), max_length=MAX_SPEECH_LENGTH, attrs=modes(SPEECH)
    )
    voice = forms.ChoiceField(
        label=_("Voice"),
        choices=[(voice, voice.capitalize()) for voice in VOICES],
        initial="alloy",
        widget=forms.Select(attrs=modes(SPEECH)),
    )
    audio_format = forms.ChoiceField(
        label=_("Audio format"),
        choices=SPEECH_FORMATS,
        initial="mp3",
        widget=forms.Select(attrs=modes(SPEECH)),
    )
    speed = forms.FloatField(
        label=_("Speed"),
        min_value=0.25,
        max_value=4.0,
        initial=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05", **modes(SPEECH)}),
    )
    audio = forms.FileField(
        label=_("Audio or video to transcribe"),
        required=False,
        help_text=_("Up to 25 MB and one hour, or use an earlier result."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*,video/*", **modes(*LISTENING)}),
    )
    audio_assets = AssetIdsField(required=False)
    language = forms.CharField(
        label=_("Language (optional)"),
        required=False,
        max_length=8,
        help_text=_("The spoken language as a code like en or zh, if you know it."),
        validators=[
            RegexValidator(r"^[a-zA-Z]{2,3}(-[a-zA-Z]{2})?$", _("Write a language code like en or zh."))
        ],
        widget=forms.TextInput(attrs=modes(TRANSCRIPTION)),
    )
    transcript_format = forms.ChoiceField(
        label=_("Transcript format"),
        choices=TRANSCRIPT_FORMATS,
        initial="text",
        widget=forms.Select(attrs=modes(*LISTENING)),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or SPEECH.kind
        if self.spec.needs_prompt and not data.get("prompt"):
            self.add_error("prompt", _("Write the text to speak."))
        if (rule := self.spec.media_inputs.get("source")) is not None:
            count = given_count(data, "audio", "audio_assets")
            if not rule.minimum <= count <= rule.maximum:
                self.add_error("audio", _("Give one audio or video file to transcribe."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        if "source" not in self.spec.media_inputs:
            return {}
        field = InputField(
            "audio",
            "audio_assets",
            allowed=SOUND,
            max_bytes=MAX_TRANSCRIPTION_BYTES,
            max_duration=MAX_TRANSCRIPTION_SECONDS,
        )
        return {"source": field}

    def check_inputs(self, inputs: Mapping[str, Sequence[Asset]]) -> None:
        # An earlier result was never checked against what the speech-to-text models take.
        for source in inputs.get("source", ()):
            if source.size > MAX_TRANSCRIPTION_BYTES:
                self.add_error(
                    "audio",
                    _("This file is larger than the %(mb)d MB the speech-to-text models take.")
                    % {"mb": MAX_TRANSCRIPTION_BYTES // 1_000_000},
                )
            elif source.duration and source.duration > MAX_TRANSCRIPTION_SECONDS:
                self.add_error("audio", _("This recording is longer than the one hour the models take."))

    def generation_prompt(self) -> str:
        return super().generation_prompt() if self.spec.needs_prompt else ""

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.spec is SPEECH:
            return {"voice": data["voice"], "response_format": data["audio_format"], "speed": data["speed"]}
        params = {"response_format": data["transcript_format"]}
        if self.spec is TRANSCRIPTION and data.get("language"):
            params["language"] = data["language"].lower()
        return params
