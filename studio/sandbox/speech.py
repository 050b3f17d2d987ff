"""Speech both ways: audio that plays for text, and transcripts for audio.

Audio the sandbox spoke is remembered by the digest of its bytes, so transcribing it gives the original
text back; any other audio gets a deterministic placeholder sentence. Both need a file PyAV can decode.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from studio.sandbox import media
from studio.sandbox.models import SpeechClip

VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse"}
)
TRANSCRIPT_FORMATS = frozenset({"json", "text", "srt", "verbose_json", "vtt"})
MAX_INPUT_CHARACTERS = 4096
PLACEHOLDER = "This is a sandbox transcript of an audio file the sandbox did not produce."
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


@dataclass(frozen=True)
class Transcript:
    """What was said in a recording, how long it lasts, and in which language."""

    text: str
    duration: float
    language: str


def speak(*, text: str, response_format: str, speed: float) -> bytes:
    """Audio for `text` in `response_format`; remembers the text for later transcription."""
    audio = media.render_speech(text, response_format=response_format, speed=speed)
    digest = hashlib.sha256(audio).hexdigest()
    SpeechClip.objects.get_or_create(digest=digest, defaults={"text": text})
    return audio


def transcribe(audio: bytes, *, is_translation: bool) -> Transcript:
    """The transcript of `audio`; raises media.MediaError if it is not audio PyAV can read."""
    duration = media.media_duration(audio)
    clip = SpeechClip.objects.filter(digest=hashlib.sha256(audio).hexdigest()).first()
    text = PLACEHOLDER if clip is None else clip.text
    if is_translation and not text.isascii():
        text = f"(Translated to English) {text}"
    language = "english" if text.isascii() else "chinese"
    return Transcript(text=text, duration=round(duration, 2), language=language)


def _segments(transcript: Transcript) -> list[tuple[float, float, str]]:
    sentences = [part.strip() for part in _SENTENCE_END.split(transcript.text) if part.strip()] or [""]
    total = sum(len(sentence) for sentence in sentences) or 1
    start, segments = 0.0, []
    for sentence in sentences:
        end = start + transcript.duration * len(sentence) / total
        segments.append((round(start, 2), round(end, 2), sentence))
        start = end
    return segments


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{separator}{millis:03d}"


def render_transcript(transcript: Transcript, response_format: str, *, task: str) -> tuple[str, str]:
    """The body and content type of a transcript in `response_format` (json, text, srt, vtt, verbose_json)."""
    segments = _segments(transcript)
    if response_format == "text":
        return transcript.text + "\n", "text/plain; charset=utf-8"
    if response_format == "srt":
        blocks = [
            f"{number}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n{text}\n"
            for number, (start, end, text) in enumerate(segments, start=1)
        ]
        return "\n".join(blocks), "text/plain; charset=utf-8"
    if response_format == "vtt":
        cues = [
            f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n{text}\n" for start, end, text in segments
        ]
        return "WEBVTT\n\n" + "\n".join(cues), "text/vtt; charset=utf-8"
    payload: dict[str, Any] = {"text": transcript.text}
    if response_format == "verbose_json":
        payload = {
            "task": task,
            "language": transcript.language,
            "duration": transcript.duration,
            "text": transcript.text,
            "segments": [
                {
                    "id": index,
                    "seek": 0,
                    "start": start,
                    "end": end,
                    "text": text,
                    "tokens": [],
                    "temperature": 0.0,
                    "avg_logprob": -0.2,
                    "compression_ratio": 1.2,
                    "no_speech_prob": 0.01,
                }
                for index, (start, end, text) in enumerate(segments)
            ],
        }
    else:
        payload["usage"] = {"type": "duration", "seconds": math.ceil(transcript.duration)}
    return json.dumps(payload, ensure_ascii=False), "application/json"
