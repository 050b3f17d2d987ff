"""Audio: speech, transcription and translation."""

from __future__ import annotations

import httpx
import pytest

from studio.upstream import FileUpload, MalformedResponse
from tests.upstream.fakes import REQUEST_ID, FakeGateway, json_response

MP3 = b"ID3\x04\x00fake mp3"
CLIP = FileUpload("clip.mp3", MP3, "audio/mpeg")


def test_audio_speech_posts_body_and_returns_bytes():
    gateway = FakeGateway(
        httpx.Response(
            200, content=MP3, headers={"Content-Type": "audio/mpeg", "X-Oneapi-Request-Id": REQUEST_ID}
        )
    )

    audio = gateway.client().audio.speech(input="你好，世界", voice="alloy", response_format="mp3", speed=1.0)

    assert gateway.last.url.path == "/sandbox/v1/audio/speech"
    assert gateway.last_json() == {
        "model": "tts-1",
        "input": "你好，世界",
        "voice": "alloy",
        "response_format": "mp3",
        "speed": 1.0,
    }
    assert audio.content == MP3
    assert audio.content_type == "audio/mpeg"
    assert audio.request_id == REQUEST_ID


def test_audio_speech_raises_malformed_response_when_answer_is_json():
    gateway = FakeGateway(json_response({"text": "not audio"}))

    with pytest.raises(MalformedResponse):
        gateway.client().audio.speech(input="hi")


def test_audio_transcribe_uploads_file_and_reads_json_text():
    gateway = FakeGateway(json_response({"text": "你好，世界"}))

    transcript = gateway.client().audio.transcribe(file=CLIP, language="zh", temperature=0)

    body = gateway.last.content
    assert gateway.last.url.path == "/sandbox/v1/audio/transcriptions"
    assert b'name="file"; filename="clip.mp3"' in body
    assert b'name="model"\r\n\r\nwhisper-1' in body
    assert b'name="language"\r\n\r\nzh' in body
    assert b'name="response_format"\r\n\r\njson' in body
    assert transcript.text == "你好，世界"


@pytest.mark.parametrize(
    ("response_format", "body"),
    [
        ("text", "hello world"),
        ("srt", "1\n00:00:00,000 --> 00:00:01,000\nhello world\n"),
        ("vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nhello world\n"),
    ],
)
def test_audio_transcribe_keeps_plain_and_subtitle_formats_as_text(response_format, body):
    gateway = FakeGateway(
        httpx.Response(200, text=body, headers={"Content-Type": "text/plain; charset=utf-8"})
    )

    transcript = gateway.client().audio.transcribe(file=CLIP, response_format=response_format)

    assert transcript.text == body
    assert transcript.response_format == response_format


def test_audio_translate_posts_to_translations_without_language():
    gateway = FakeGateway(json_response({"text": "Hello, world"}))

    transcript = gateway.client().audio.translate(file=CLIP)

    assert gateway.last.url.path == "/sandbox/v1/audio/translations"
    assert b'name="language"' not in gateway.last.content
    assert transcript.text == "Hello, world"
