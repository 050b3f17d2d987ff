"""Chat, completions, images, audio, embeddings, models and unknown routes under /v1/."""

from __future__ import annotations

import base64
import io
import json
import struct

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.sandbox.helpers import cdn_path, decode_image, png_bytes


def sse_events(response):
    """The data payloads and comment lines of an SSE response."""
    text = b"".join(response.streaming_content).decode()
    blocks = [block for block in text.split("\n\n") if block]
    comments = [block for block in blocks if block.startswith(":")]
    data = [block.removeprefix("data: ") for block in blocks if block.startswith("data: ")]
    return comments, data


def test_chat_completion_echoes_last_user_message(api):
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "terse"}, {"role": "user", "content": "Say hi"}],
    }

    response = api.post("/v1/chat/completions", body)

    assert response.status_code == 200
    payload = response.json()
    assert payload["object"] == "chat.completion"
    assert payload["id"].startswith("chatcmpl-")
    assert payload["choices"][0]["message"] == {
        "role": "assistant",
        "content": "[sandbox gpt-4o-mini] You said: Say hi",
    }
    assert payload["choices"][0]["finish_reason"] == "stop"
    usage = payload["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_chat_completion_stops_at_max_tokens(api):
    body = {
        "model": "gpt-4o",
        "max_tokens": 3,
        "messages": [{"role": "user", "content": "one two three four five"}],
    }

    choice = api.post("/v1/chat/completions", body).json()["choices"][0]

    assert choice["finish_reason"] == "length"
    assert len(choice["message"]["content"].split(" ")) == 3


def test_chat_stream_sends_chunks_keep_alive_usage_and_done(api):
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hello there"}]}

    response = api.post("/v1/chat/completions", body)

    assert response["Content-Type"] == "text/event-stream"
    comments, data = sse_events(response)
    assert comments
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "[sandbox gpt-4o-mini] You said: hello there"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_chat_requires_messages(api):
    response = api.post("/v1/chat/completions", {"model": "gpt-4o"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "messages"
    assert "(request id: " in error["message"]


def test_chat_answers_no_channel_for_unknown_model(api):
    response = api.post(
        "/v1/chat/completions", {"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "model_not_found"


def test_chat_rejects_unparsable_body(api, client):
    response = client.post(
        "/sandbox/v1/chat/completions",
        data="{nope",
        content_type="application/json",
        headers={"Authorization": "Bearer sk-x"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Invalid request, ")


def test_completions_continue_prompt(api):
    response = api.post(
        "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a", "max_tokens": 4}
    )

    payload = response.json()
    assert payload["object"] == "text_completion"
    assert payload["choices"][0]["finish_reason"] == "length"
    assert payload["choices"][0]["text"].startswith(" ")


def test_completions_stream_uses_text_chunks(api):
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a", "stream": True}

    _, data = sse_events(api.post("/v1/completions", body))

    chunks = [json.loads(item) for item in data[:-1]]
    assert all(chunk["object"] == "text_completion" for chunk in chunks)
    assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]).startswith(" ")


def test_dall_e_3_returns_url_with_revised_prompt_in_asked_size(api, client):
    body = {"model": "dall-e-3", "prompt": "isometric city", "size": "1792x1024"}

    payload = api.post("/v1/images/generations", body).json()

    item = payload["data"][0]
    assert item["revised_prompt"].endswith("isometric city")
    assert decode_image(client.get(cdn_path(item["url"])).content).size == (1792, 1024)


def test_dall_e_3_rejects_more_than_one_image(api):
    response = api.post("/v1/images/generations", {"model": "dall-e-3", "prompt": "x", "n": 2})

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("You must provide n=1 for this model.")


def test_dall_e_3_rejects_unknown_size(api):
    response = api.post("/v1/images/generations", {"model": "dall-e-3", "prompt": "x", "size": "1000x1000"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "size"


def test_dall_e_3_honours_b64_json(api):
    payload = api.post(
        "/v1/images/generations", {"model": "dall-e-3", "prompt": "x", "response_format": "b64_json"}
    ).json()

    assert decode_image(base64.b64decode(payload["data"][0]["b64_json"])).size == (1024, 1024)


def test_images_differ_per_prompt(api):
    def render(prompt):
        payload = api.post(
            "/v1/images/generations",
            {"model": "flux-schnell", "prompt": prompt, "response_format": "b64_json"},
        ).json()
        return decode_image(base64.b64decode(payload["data"][0]["b64_json"]))

    assert render("a red fox").tobytes() != render("a blue whale").tobytes()


def test_gpt_image_1_returns_transparent_b64_with_usage(api):
    body = {
        "model": "gpt-image-1",
        "prompt": "sticker",
        "size": "1536x1024",
        "background": "transparent",
        "n": 2,
    }

    payload = api.post("/v1/images/generations", body).json()

    assert len(payload["data"]) == 2
    image = decode_image(base64.b64decode(payload["data"][0]["b64_json"]))
    assert image.size == (1536, 1024)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert payload["usage"]["total_tokens"] > 0
    assert "url" not in payload["data"][0]


def test_flux_uses_aspect_ratio(api, client):
    payload = api.post(
        "/v1/images/generations", {"model": "flux-kontext-pro", "prompt": "x", "aspect_ratio": "9:16"}
    ).json()

    image = decode_image(client.get(cdn_path(payload["data"][0]["url"])).content)
    assert image.size == (576, 1024)


def test_gemini_image_defaults_to_b64(api):
    payload = api.post("/v1/images/generations", {"model": "gemini-2.5-flash-image", "prompt": "x"}).json()

    assert "b64_json" in payload["data"][0]


def test_image_edit_uses_input_image(api):
    upload = SimpleUploadedFile("in.png", png_bytes((300, 200), (0, 200, 0)), content_type="image/png")

    response = api.post_form(
        "/v1/images/edits", {"model": "gpt-image-1", "prompt": "add a hat", "image": upload}
    )

    image = decode_image(base64.b64decode(response.json()["data"][0]["b64_json"]))
    assert image.size == (1024, 680)
    red, green, blue = image.getpixel((image.width // 2, 5))
    assert green > red
    assert green > blue


def test_image_edit_requires_image(api):
    response = api.post_form("/v1/images/edits", {"model": "gpt-image-1", "prompt": "x"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "image"


def test_image_variations_are_not_implemented(api):
    response = api.post("/v1/images/variations", {})

    assert response.status_code == 501
    assert response.json()["error"]["code"] == "api_not_implemented"


@pytest.mark.parametrize(
    ("response_format", "container"),
    [("mp3", "mp3"), ("wav", "wav"), ("opus", "ogg"), ("aac", "aac"), ("flac", "flac")],
)
def test_speech_returns_playable_audio(api, response_format, container):
    body = {"model": "tts-1", "input": "hello world", "voice": "alloy", "response_format": response_format}

    response = api.post("/v1/audio/speech", body)

    assert response.status_code == 200
    with av.open(io.BytesIO(response.content)) as decoded:
        assert container in decoded.format.name
        frames = list(decoded.decode(audio=0))
    assert sum(frame.samples / frame.sample_rate for frame in frames) > 0.5


def test_speech_length_follows_text(api):
    def seconds(text):
        body = {"model": "tts-1", "input": text, "voice": "nova", "response_format": "wav"}
        with av.open(io.BytesIO(api.post("/v1/audio/speech", body).content)) as decoded:
            return decoded.duration / av.time_base

    assert seconds("a much longer sentence than the other one") > 2 * seconds("short")


def test_speech_rejects_unknown_voice(api):
    response = api.post("/v1/audio/speech", {"model": "tts-1", "input": "x", "voice": "robot"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "voice"


def _speech(api, text="Hello from the sandbox. Second sentence!"):
    body = {"model": "tts-1", "input": text, "voice": "alloy", "response_format": "mp3"}
    return api.post("/v1/audio/speech", body).content


def test_transcription_returns_original_text_of_own_audio(api):
    audio = SimpleUploadedFile("a.mp3", _speech(api), content_type="audio/mpeg")

    response = api.post_form("/v1/audio/transcriptions", {"model": "whisper-1", "file": audio})

    assert response.json()["text"] == "Hello from the sandbox. Second sentence!"


@pytest.mark.parametrize(
    ("response_format", "marker"), [("text", "Hello"), ("srt", "00:00:00,000 --> "), ("vtt", "WEBVTT")]
)
def test_transcription_formats(api, response_format, marker):
    audio = SimpleUploadedFile("a.mp3", _speech(api), content_type="audio/mpeg")

    response = api.post_form(
        "/v1/audio/transcriptions", {"model": "whisper-1", "file": audio, "response_format": response_format}
    )

    assert marker in response.content.decode()


def test_transcription_verbose_json_has_segments(api):
    audio = SimpleUploadedFile("a.mp3", _speech(api), content_type="audio/mpeg")

    payload = api.post_form(
        "/v1/audio/transcriptions", {"model": "whisper-1", "file": audio, "response_format": "verbose_json"}
    ).json()

    assert payload["task"] == "transcribe"
    assert payload["duration"] > 0
    assert [segment["text"] for segment in payload["segments"]] == [
        "Hello from the sandbox.",
        "Second sentence!",
    ]


def test_transcription_of_foreign_audio_is_placeholder(api):
    audio_bytes = _speech(api)
    other = SimpleUploadedFile("b.mp3", audio_bytes + b"\x00" * 10, content_type="audio/mpeg")

    payload = api.post_form("/v1/audio/transcriptions", {"model": "whisper-1", "file": other}).json()

    assert payload["text"].startswith("This is a sandbox transcript")


def test_transcription_rejects_non_audio(api):
    junk = SimpleUploadedFile("a.mp3", b"not audio at all", content_type="audio/mpeg")

    response = api.post_form("/v1/audio/transcriptions", {"model": "whisper-1", "file": junk})

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Invalid file format.")


def test_translation_returns_english(api):
    audio = SimpleUploadedFile("a.mp3", _speech(api, "你好，世界"), content_type="audio/mpeg")

    payload = api.post_form("/v1/audio/translations", {"model": "whisper-1", "file": audio}).json()

    assert payload["text"] == "(Translated to English) 你好，世界"


def test_embeddings_are_deterministic_unit_vectors(api):
    body = {"model": "text-embedding-3-small", "input": ["alpha", "beta"], "dimensions": 64}

    first = api.post("/v1/embeddings", body).json()
    second = api.post("/v1/embeddings", body).json()

    assert first["data"] == second["data"]
    alpha, beta = (item["embedding"] for item in first["data"])
    assert len(alpha) == 64
    assert abs(sum(value * value for value in alpha) - 1) < 1e-6
    assert alpha != beta
    assert first["usage"]["prompt_tokens"] == first["usage"]["total_tokens"] > 0


def test_embeddings_encode_base64_float32(api):
    body = {"model": "text-embedding-3-small", "input": "alpha", "encoding_format": "base64"}
    floats = api.post("/v1/embeddings", {**body, "encoding_format": "float"}).json()["data"][0]["embedding"]

    encoded = api.post("/v1/embeddings", body).json()["data"][0]["embedding"]

    decoded = struct.unpack(f"<{len(floats)}f", base64.b64decode(encoded))
    assert len(decoded) == 1536
    assert abs(decoded[0] - floats[0]) < 1e-6


def test_models_list_covers_every_family(api):
    payload = api.get("/v1/models").json()

    assert payload["success"] is True
    ids = {model["id"] for model in payload["data"]}
    expected = {
        "gpt-4o-mini",
        "gpt-4o-image",
        "gemini-2.5-flash-image",
        "gemini-3-pro-image-preview",
        "sora_remover",
        "veo3-fast",
        "sora-2",
        "dall-e-3",
        "flux-kontext-pro",
        "gpt-image-1",
        "tts-1",
        "whisper-1",
        "text-embedding-3-small",
        "gpt-3.5-turbo-instruct",
        "mj_imagine",
    }
    assert expected <= ids
    assert payload["data"][0]["object"] == "model"


def test_model_detail_404s_for_unknown_model(api):
    assert api.get("/v1/models/veo3").json()["id"] == "veo3"
    assert api.get("/v1/models/nope").status_code == 404


def test_unknown_route_answers_invalid_url(api):
    response = api.get("/v1/xyz")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["message"].startswith("Invalid URL (GET /v1/xyz)")
    assert error["type"] == "invalid_request_error"


def test_missing_key_is_rejected_with_short_envelope(api):
    response = api.get("/v1/models", key="")

    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"message", "type"}
    assert error["message"].startswith("未提供令牌 (request id: ")
    assert response["X-Oneapi-Request-Id"] in error["message"]


def test_marked_key_is_rejected_as_invalid(api):
    response = api.get("/v1/models", key="sk-invalid-123")

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("无效的令牌")


@pytest.mark.parametrize("header", ["x-api-key", "x-goog-api-key"])
def test_alternative_key_headers_are_accepted(api, client, header):
    response = client.get("/sandbox/v1/models", headers={header: "sk-x"})

    assert response.status_code == 200


def test_api_is_csrf_exempt(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/sandbox/v1/embeddings",
        data={"model": "text-embedding-3-small", "input": "x"},
        content_type="application/json",
        headers={"Authorization": "Bearer sk-x"},
    )

    assert response.status_code == 200
