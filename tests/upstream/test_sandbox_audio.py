"""Speech, transcription and translation against the sandbox: real audio there and back."""

from __future__ import annotations

import io

import av
import pytest

from studio.upstream import BadRequest, FileUpload

TEXT = "The studio renders every frame. Then it ships the film."


def audio_facts(content):
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, samples / stream.rate


@pytest.fixture
def spoken(gateway):
    """English speech made by the sandbox, as an upload."""
    audio = gateway.audio.speech(input=TEXT, voice="nova", response_format="mp3")
    return FileUpload("speech.mp3", audio.content, audio.content_type)


@pytest.mark.parametrize(
    ("response_format", "content_type", "codec"),
    [("mp3", "audio/mpeg", "mp3float"), ("wav", "audio/wav", "pcm_s16le"), ("flac", "audio/flac", "flac")],
)
def test_audio_speech_returns_audio_that_decodes(gateway, response_format, content_type, codec):
    audio = gateway.audio.speech(input=TEXT, model="tts-1-hd", voice="alloy", response_format=response_format)

    assert audio.content_type == content_type
    assert audio.request_id
    decoded_codec, seconds = audio_facts(audio.content)
    assert decoded_codec == codec
    assert seconds > 1.0


def test_audio_speech_is_shorter_when_spoken_faster(gateway):
    normal = gateway.audio.speech(input=TEXT, response_format="wav")
    fast = gateway.audio.speech(input=TEXT, response_format="wav", speed=2.0)

    assert audio_facts(fast.content)[1] < audio_facts(normal.content)[1] * 0.75


def test_audio_speech_raises_bad_request_for_an_unknown_voice(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.audio.speech(input=TEXT, voice="robot")

    assert caught.value.status_code == 400
    assert "voice" in caught.value.gateway_message


def test_audio_transcribe_returns_the_spoken_text(gateway, spoken):
    transcript = gateway.audio.transcribe(file=spoken, language="en")

    assert transcript.text == TEXT
    assert transcript.response_format == "json"
    assert transcript.raw is not None
    assert transcript.raw["usage"]["seconds"] >= 1


def test_audio_transcribe_returns_plain_text(gateway, spoken):
    transcript = gateway.audio.transcribe(file=spoken, model="gpt-4o-transcribe", response_format="text")

    assert transcript.text.strip() == TEXT
    assert transcript.raw is None


def test_audio_transcribe_returns_srt_subtitles_one_cue_per_sentence(gateway, spoken):
    transcript = gateway.audio.transcribe(file=spoken, response_format="srt")

    blocks = transcript.text.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["1", "2"]
    assert blocks[0].splitlines()[1].startswith("00:00:00,000 --> 00:00:0")
    assert [block.splitlines()[2] for block in blocks] == [
        "The studio renders every frame.",
        "Then it ships the film.",
    ]


def test_audio_transcribe_returns_vtt_subtitles(gateway, spoken):
    transcript = gateway.audio.transcribe(file=spoken, response_format="vtt")

    assert transcript.text.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert "Then it ships the film." in transcript.text


def test_audio_transcribe_returns_verbose_json_with_language_and_segments(gateway, spoken):
    transcript = gateway.audio.transcribe(file=spoken, response_format="verbose_json")

    assert transcript.text == TEXT
    assert transcript.language == "english"
    assert transcript.raw is not None
    assert len(transcript.raw["segments"]) == 2


def test_audio_translate_returns_english_text(gateway):
    audio = gateway.audio.speech(input="你好，世界。", response_format="mp3")

    transcript = gateway.audio.translate(file=FileUpload("hello.mp3", audio.content, audio.content_type))

    assert transcript.text == "(Translated to English) 你好，世界。"
    assert transcript.response_format == "json"


def test_audio_translate_returns_text_format(gateway, spoken):
    transcript = gateway.audio.translate(file=spoken, response_format="text")

    assert transcript.text.strip() == TEXT


def test_audio_transcribe_raises_bad_request_for_a_file_that_is_not_audio(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.audio.transcribe(file=FileUpload("notes.txt", b"not audio at all", "text/plain"))

    assert "Invalid file format" in caught.value.gateway_message
