"""Audio: text-to-speech (bytes), transcription and translation (multipart uploads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_text
from studio.upstream.transport import CallKind, GatewayHttp, GatewayResponse
from studio.upstream.uploads import FileUpload


@dataclass(frozen=True)
class SpeechAudio:
    content: bytes = field(repr=False)
    content_type: str
    request_id: str | None


@dataclass(frozen=True)
class Transcript:
    """Text of a transcription or translation; subtitles (srt, vtt) are kept as their text."""

    text: str
    response_format: str
    language: str | None
    request_id: str | None
    raw: Mapping[str, Any] | None = field(default=None, repr=False)


def _transcript(response: GatewayResponse, response_format: str) -> Transcript:
    if response.is_json or response_format in ("json", "verbose_json"):
        payload = response.json_object()
        return Transcript(
            text=as_text(payload.get("text")),
            response_format=response_format,
            language=as_text(payload.get("language")) or None,
            request_id=response.request_id,
            raw=payload,
        )
    return Transcript(
        text=response.content.decode("utf-8", errors="replace"),
        response_format=response_format,
        language=None,
        request_id=response.request_id,
    )


class AudioAPI:
    """`/v1/audio/speech`, `/v1/audio/transcriptions` and `/v1/audio/translations`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def speech(
        self,
        *,
        input: str,
        model: str = "tts-1",
        voice: str = "alloy",
        response_format: str | None = None,
        speed: float | None = None,
        **extra: Any,
    ) -> SpeechAudio:
        """Synthesise speech and return the audio bytes (billed by the gateway)."""
        body: dict[str, Any] = {"model": model, "input": input, "voice": voice}
        if response_format is not None:
            body["response_format"] = response_format
        if speed is not None:
            body["speed"] = speed
        body.update(extra)
        response = self._http.request("POST", "/v1/audio/speech", kind=CallKind.CHAT, json_body=body)
        if response.is_json or not response.content:
            raise MalformedResponse(
                "The gateway sent no audio.",
                status_code=response.status_code,
                gateway_message=response.describe("audio"),
                request_id=response.request_id,
            )
        return SpeechAudio(
            content=response.content,
            content_type=response.content_type or "application/octet-stream",
            request_id=response.request_id,
        )

    def transcribe(
        self,
        *,
        file: FileUpload,
        model: str = "whisper-1",
        language: str | None = None,
        prompt: str | None = None,
        response_format: str = "json",
        temperature: float | None = None,
    ) -> Transcript:
        """Transcribe an audio file (multipart upload; billed by the gateway)."""
        return self._upload(
            "/v1/audio/transcriptions",
            file,
            model=model,
            language=language,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
        )

    def translate(
        self,
        *,
        file: FileUpload,
        model: str = "whisper-1",
        prompt: str | None = None,
        response_format: str = "json",
        temperature: float | None = None,
    ) -> Transcript:
        """Translate an audio file into English text (multipart upload; billed by the gateway)."""
        return self._upload(
            "/v1/audio/translations",
            file,
            model=model,
            language=None,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
        )

    def _upload(
        self,
        path: str,
        file: FileUpload,
        *,
        model: str,
        language: str | None,
        prompt: str | None,
        response_format: str,
        temperature: float | None,
    ) -> Transcript:
        fields = {"model": model, "response_format": response_format}
        optional = {"language": language, "prompt": prompt, "temperature": temperature}
        fields.update({key: str(value) for key, value in optional.items() if value is not None})
        response = self._http.request(
            "POST", path, kind=CallKind.UPLOAD, data=fields, files=[("file", file.as_multipart())]
        )
        return _transcript(response, response_format)
