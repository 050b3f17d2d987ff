"""Kinds the gateway answers within one request, end to end against the sandbox over real HTTP: chat-format
media (data URLs, links, progress lines, in-band failures), the Images API, audio, text and embeddings."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.accounts.models import Team, User
from studio.accounts.services import update_gateway
from studio.generations import services
from studio.generations.engine import run as engine_run
from studio.generations.engine.run import run_generation
from studio.generations.models import Asset, Generation, GenerationEvent, Kind, Status
from studio.lib.media import MediaKind
from studio.projects.models import Project
from studio.upstream import GatewayClient


def png_upload(
    size: tuple[int, int] = (320, 180), color: tuple[int, int, int] = (20, 120, 200), mode: str = "RGB"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else (*color, 0)).save(buffer, format="PNG")
    return SimpleUploadedFile("picture.png", buffer.getvalue(), content_type="image/png")


def start(
    project: Project, user: User, kind: str, prompt: str = "a red fox in the snow", **options: Any
) -> Generation:
    return services.start_generation(
        project=project,
        user=user,
        kind=kind,
        model=options.pop("model"),
        prompt=prompt,
        params=options.pop("params", {}),
        inputs=options.pop("inputs", None),
    )


def run(generation: Generation) -> Generation:
    run_generation(generation.pk)
    generation.refresh_from_db()
    return generation


@pytest.fixture
def make(sandbox_project: Project, user: User) -> Callable[..., Generation]:
    """Starts a generation of the sandbox project and runs it as the worker would; parameters by name."""

    def make_one(kind: str, model: str, *, prompt: str = "a red fox in the snow", inputs=None, **params):  # type: ignore[no-untyped-def]
        return run(
            start(sandbox_project, user, kind, prompt=prompt, model=model, params=params, inputs=inputs)
        )

    return make_one


def use_key(team: Team, key: str) -> None:
    update_gateway(team=team, base_url="", api_key=key)


def read(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


def test_gemini_text_to_image_stores_the_data_url_image_and_keeps_the_text_short(
    sandbox_project, user, make
) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.CHAT_IMAGE, "gemini-2.5-flash-image")

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert (asset.kind, asset.mime_type, asset.role) == (
        Asset.MediaKind.IMAGE,
        "image/png",
        Asset.Role.RESULT,
    )
    assert asset.thumbnail
    assert asset.width
    assert asset.source_url == ""
    assert "好的，这是根据你的描述生成的图片" in generation.result_text
    assert "data:image/png;base64,…" in generation.result_text
    assert len(generation.result_text) < 500
    assert generation.usage["total_tokens"] > 0
    assert generation.progress == 100


def test_gemini_image_to_image_downloads_the_linked_result_and_links_the_input(
    sandbox_project, user, make
) -> None:  # type: ignore[no-untyped-def]
    picture = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload((240, 320)), allowed={MediaKind.IMAGE}
    )

    generation = make(
        Kind.CHAT_IMAGE,
        "gemini-3-pro-image-preview",
        prompt="make the sky purple",
        inputs={"image": [picture]},
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert asset.kind == Asset.MediaKind.IMAGE
    assert asset.height > asset.width  # Follows the portrait input.
    assert asset.source_url.startswith(sandbox_project.team.effective_gateway_url)
    assert generation.result_urls == [asset.source_url]
    assert [link.asset for link in generation.inputs.all()] == [picture]
    body = generation.request_payload["body"]
    assert body["messages"][0]["content"][1]["image_url"]["url"].startswith("<data:image/png;base64")


def test_gpt_4o_image_streams_progress_then_stores_the_image(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.CHAT_IMAGE, "gpt-4o-image")

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.assets.get().kind == Asset.MediaKind.IMAGE
    assert "进度 **88%**" in generation.result_text
    assert generation.request_payload["body"]["stream"] is True
    statuses = list(generation.events.exclude(status_to="").values_list("status_to", flat=True))
    assert statuses == [Status.QUEUED, Status.SUBMITTING, Status.RUNNING, Status.SUCCEEDED]


@pytest.mark.parametrize(
    ("kind", "model", "words"),
    [
        (Kind.CHAT_IMAGE, "gpt-4o-image", "内容审核未通过"),
        (Kind.CHAT_IMAGE, "gemini-2.5-flash-image", "图片生成失败"),
        (Kind.CHAT_VIDEO, "veo3-fast", "内容审核未通过，请修改提示词后重试"),
        (Kind.CHAT_VIDEO, "sora-2", "This content may violate our content policies."),
    ],
)
def test_in_band_failure_fails_with_the_models_own_words(team, make, kind, model, words) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-fail")

    generation = make(kind, model)

    assert generation.status == Status.FAILED
    assert generation.error_message == "The model could not make this."
    assert words in generation.gateway_message
    assert words in generation.result_text  # What streamed, failure line included, stays on the card.
    assert generation.can_retry
    assert not generation.assets.exists()


def _scripted_gateway(monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    """A gateway that streams `answer` as one chat chunk (for answers the sandbox never gives)."""

    def handler(request: httpx.Request) -> httpx.Response:
        chunk = {"id": "c1", "model": "gemini-2.5-flash-image", "choices": [{"delta": {"content": answer}}]}
        done = {"id": "c1", "choices": [{"delta": {}, "finish_reason": "stop"}]}
        body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(done)}\n\ndata: [DONE]\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    client = GatewayClient("https://gateway.test", "sk-test", transport=httpx.MockTransport(handler))
    monkeypatch.setattr(engine_run, "client_for", lambda team: client)  # where the run looks it up


def _data_url(color: tuple[int, int, int]) -> str:
    import base64

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_every_image_of_an_answer_with_several_is_stored_in_order(
    sandbox_project, user, monkeypatch, make
) -> None:  # type: ignore[no-untyped-def]
    answer = f"Two takes:\n\n![one]({_data_url((255, 0, 0))})\n\n![two]({_data_url((0, 0, 255))})\n"
    _scripted_gateway(monkeypatch, answer)

    generation = make(Kind.CHAT_IMAGE, "gemini-2.5-flash-image")

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assets = list(generation.assets.order_by("position"))
    assert [asset.position for asset in assets] == [0, 1]
    colors = [Image.open(io.BytesIO(read(asset))).getpixel((0, 0)) for asset in assets]
    assert colors == [(255, 0, 0), (0, 0, 255)]


def test_an_answer_without_media_fails_with_its_text(sandbox_project, user, monkeypatch, make) -> None:  # type: ignore[no-untyped-def]
    _scripted_gateway(monkeypatch, "I cannot draw that, sorry.")

    generation = make(Kind.CHAT_IMAGE, "gemini-2.5-flash-image")

    assert generation.status == Status.FAILED
    assert generation.error_code == "no_media_in_answer"
    assert "I cannot draw that" in generation.gateway_message


def test_veo3_chat_stream_keeps_its_progress_lines_and_stores_the_video(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = run(
        start(sandbox_project, user, Kind.CHAT_VIDEO, model="veo3-fast", params={"stream": True})
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert (asset.kind, asset.mime_type) == (Asset.MediaKind.VIDEO, "video/mp4")
    assert asset.poster
    assert asset.duration
    assert "视频生成任务已创建" in generation.result_text
    assert "高质量视频已生成" in generation.result_text
    assert "/download/" in asset.source_url  # The download link is preferred over the player's.


def test_veo3_chat_without_streaming_and_with_a_first_frame_stores_the_video(
    sandbox_project, user, make
) -> None:  # type: ignore[no-untyped-def]
    frame = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    generation = make(Kind.CHAT_VIDEO, "veo3-fast-frames", inputs={"first_frame": [frame]}, stream=False)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.request_payload["body"]["stream"] is False
    assert "图片生成" in generation.result_text
    asset = generation.assets.get()
    assert asset.width > asset.height


def test_sora2_chat_stream_reports_percent_progress_and_stores_the_video(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.CHAT_VIDEO, "sora-2")

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert "进度 94%" in generation.result_text
    assert generation.assets.get().kind == Asset.MediaKind.VIDEO


def test_watermark_removal_of_an_earlier_video_result_is_its_child(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    source = make(Kind.CHAT_VIDEO, "sora-2")
    video = source.assets.get()

    cleaned = make(Kind.WATERMARK_REMOVAL, "sora_remover", prompt="", inputs={"source": [video]})

    assert cleaned.status == Status.SUCCEEDED, cleaned.error_message
    assert cleaned.parent == source
    assert cleaned.assets.get().kind == Asset.MediaKind.VIDEO
    assert cleaned.request_payload["body"]["messages"][0]["content"] == video.source_url
    assert "去除完成" in cleaned.result_text


def test_watermark_removal_of_a_share_link(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    link = "https://sora.chatgpt.com/p/s_68e3a1b2c3d4"

    generation = make(Kind.WATERMARK_REMOVAL, "sora_remover", prompt=link, video_url=link)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.assets.get().kind == Asset.MediaKind.VIDEO


def test_watermark_removal_of_a_video_without_a_link_fails_before_sending(
    sandbox_project, user, make
) -> None:  # type: ignore[no-untyped-def]
    source = make(Kind.CHAT_VIDEO, "sora-2")
    video = source.assets.get()
    Asset.objects.filter(pk=video.pk).update(source_url="")
    video.refresh_from_db()

    generation = make(Kind.WATERMARK_REMOVAL, "sora_remover", prompt="", inputs={"source": [video]})

    assert generation.status == Status.FAILED
    assert generation.error_code == "no_video_link"
    assert generation.sent_at is None


def test_dall_e_3_image_has_its_revised_prompt(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(
        Kind.IMAGES_GENERATE,
        "dall-e-3",
        prompt="isometric tiny city",
        size="1792x1024",
        quality="hd",
        style="natural",
        n=1,
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert (asset.width, asset.height) == (1792, 1024)
    assert asset.source_url
    assert generation.result_text == "A detailed, vivid rendering of isometric tiny city"
    assert generation.request_payload["path"] == "/v1/images/generations"


def test_gpt_image_1_images_come_as_base64_with_usage(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(
        Kind.IMAGES_GENERATE,
        "gpt-image-1",
        prompt="sticker of a cat",
        n=2,
        background="transparent",
        size="1024x1024",
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assets = list(generation.assets.order_by("position"))
    assert len(assets) == 2
    assert all(asset.source_url == "" and asset.mime_type == "image/png" for asset in assets)
    assert Image.open(io.BytesIO(read(assets[0]))).mode == "RGBA"
    assert generation.usage["output_tokens"] == 2 * 1056


def test_flux_takes_an_aspect_ratio(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.IMAGES_GENERATE, "flux-pro", aspect_ratio="16:9", n=1)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert asset.width > asset.height


def test_images_edit_sends_images_and_mask_as_files(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    picture = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload((256, 256)), allowed={MediaKind.IMAGE}
    )
    mask = services.store_upload(
        project=sandbox_project,
        user=user,
        upload=png_upload((256, 256), mode="RGBA"),
        allowed={MediaKind.IMAGE},
    )

    generation = make(
        Kind.IMAGES_EDIT, "gpt-image-1", prompt="add a hat", inputs={"image": [picture], "mask": [mask]}, n=1
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.assets.get().kind == Asset.MediaKind.IMAGE
    body = generation.request_payload["body"]
    assert generation.request_payload["path"] == "/v1/images/edits"
    assert body["image"][0].startswith("<image/png, ")
    assert body["mask"].startswith("<image/png, ")


def test_a_refused_images_request_shows_the_gateways_words(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.IMAGES_GENERATE, "dall-e-3", n=2)

    assert generation.status == Status.FAILED
    assert generation.error_code == "bad_request"
    assert "You must provide n=1" in generation.gateway_message


def test_speech_then_its_transcription_gives_the_words_back(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    words = "The quick brown fox jumps over the lazy dog."
    speech = make(Kind.SPEECH, "tts-1", prompt=words, voice="nova", response_format="mp3", speed=1.25)
    assert speech.status == Status.SUCCEEDED, speech.error_message
    audio = speech.assets.get()
    assert (audio.kind, audio.mime_type) == (Asset.MediaKind.AUDIO, "audio/mpeg")
    assert audio.duration
    assert audio.duration > 0.5
    assert audio.file.name.endswith(".mp3")

    transcript = make(
        Kind.TRANSCRIPTION,
        "whisper-1",
        prompt="",
        inputs={"source": [audio]},
        response_format="json",
        language="en",
    )

    assert transcript.status == Status.SUCCEEDED, transcript.error_message
    assert transcript.parent == speech
    assert transcript.result_text == words
    text = transcript.assets.get()
    assert (text.kind, text.mime_type) == (Asset.MediaKind.TEXT, "text/plain")
    assert read(text).decode() == words
    assert transcript.usage["type"] == "duration"
    assert "fox" in Generation.objects.get(pk=transcript.pk).search_text


@pytest.mark.parametrize(
    ("response_format", "mime", "extension"),
    [("srt", "application/x-subrip", "srt"), ("vtt", "text/vtt", "vtt")],
)
def test_transcription_as_subtitles_stores_the_text_and_the_subtitle_file(  # type: ignore[no-untyped-def]
    sandbox_project, user, response_format, mime, extension, make
) -> None:
    speech = make(
        Kind.SPEECH, "tts-1", prompt="Hello there. How are you?", voice="alloy", response_format="wav"
    )
    audio = speech.assets.get()

    transcript = make(
        Kind.TRANSCRIPTION,
        "whisper-1",
        prompt="",
        inputs={"source": [audio]},
        response_format=response_format,
    )

    assert transcript.status == Status.SUCCEEDED, transcript.error_message
    text, subtitles = transcript.assets.order_by("position")
    assert read(text).decode() == "Hello there.\nHow are you?"
    assert (subtitles.mime_type, subtitles.file.name.rsplit(".", 1)[1]) == (mime, extension)
    assert "-->" in read(subtitles).decode()


def test_translation_of_a_video_result(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    video = make(Kind.CHAT_VIDEO, "veo3-fast").assets.get()

    translation = make(
        Kind.TRANSLATION, "whisper-1", prompt="", inputs={"source": [video]}, response_format="text"
    )

    assert translation.status == Status.SUCCEEDED, translation.error_message
    assert translation.request_payload["path"] == "/v1/audio/translations"
    assert translation.result_text.startswith("This is a sandbox transcript")


def test_chat_with_a_system_prompt_and_an_image_stores_its_answer_and_usage(
    sandbox_project, user, make
) -> None:  # type: ignore[no-untyped-def]
    picture = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    generation = make(
        Kind.CHAT,
        "gpt-4o-mini",
        prompt="What is in this picture?",
        inputs={"image": [picture]},
        system="You are terse.",
        temperature=0.2,
        max_tokens=200,
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.result_text == "[sandbox gpt-4o-mini] You said: What is in this picture?"
    asset = generation.assets.get()
    assert read(asset).decode() == generation.result_text
    assert (
        generation.usage["total_tokens"]
        == generation.usage["prompt_tokens"] + generation.usage["completion_tokens"]
    )
    body = generation.request_payload["body"]
    assert body["messages"][0] == {"role": "system", "content": "You are terse."}
    assert body["temperature"] == 0.2


def test_completion_is_streamed_and_stored_as_text(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.COMPLETION, "gpt-3.5-turbo-instruct", prompt="Once upon a", max_tokens=40)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    assert generation.result_text.strip()
    assert read(generation.assets.get()).decode() == generation.result_text
    assert generation.request_payload["path"] == "/v1/completions"


def test_embeddings_are_stored_as_json_with_a_preview(sandbox_project, user, make) -> None:  # type: ignore[no-untyped-def]
    generation = make(Kind.EMBEDDINGS, "text-embedding-3-small", prompt="alpha\nbeta\nalpha", dimensions=8)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert (asset.kind, asset.mime_type) == (Asset.MediaKind.JSON, "application/json")
    document = json.loads(read(asset))
    assert [item["input"] for item in document["data"]] == ["alpha", "beta", "alpha"]
    assert all(len(item["embedding"]) == 8 for item in document["data"])
    summary = json.loads(generation.result_text)
    assert (summary["count"], summary["dimensions"]) == (3, 8)
    assert summary["preview"][0] == [round(value, 4) for value in document["data"][0]["embedding"][:4]]
    assert generation.usage["total_tokens"] > 0
    assert "0." not in generation.search_text


# The gateway's error envelopes and faults --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind", "model", "status", "code", "words"),
    [
        ("sk-invalid-key", Kind.CHAT, "gpt-4o-mini", Status.FAILED, "authentication_failed", "无效的令牌"),
        # No channel and 429 are capacity answers: the generation waits to be sent again (see test_capacity).
        ("sk-sandbox", Kind.SPEECH, "tts-9000", Status.WAITING, "model_not_available", "无可用渠道"),
        (
            "sk-sandbox-fault-malformed",
            Kind.EMBEDDINGS,
            "text-embedding-3-small",
            Status.FAILED,
            "malformed_response",
            "",
        ),
        (
            "sk-sandbox-fault-timeout-0",
            Kind.CHAT,
            "gpt-4o-mini",
            Status.OUTCOME_UNKNOWN,
            "outcome_unknown",
            "",
        ),
        ("sk-sandbox-fault-429", Kind.CHAT, "gpt-4o-mini", Status.WAITING, "rate_limited", ""),
        ("sk-sandbox-fault-503", Kind.EMBEDDINGS, "text-embedding-3-small", Status.QUEUED, "", ""),
    ],
)
def test_gateway_errors_settle_the_generation_like_any_submit(  # type: ignore[no-untyped-def]
    team, make, key, kind, model, status, code, words
) -> None:
    use_key(team, key)

    generation = make(kind, model, voice="alloy")

    assert generation.status == status
    assert generation.error_code == code
    assert words in generation.gateway_message
    assert generation.events.filter(kind=GenerationEvent.Kind.ERROR).exists()
    # Only a request that may have reached the gateway keeps its `sent_at`; one never sent is queued again.
    assert (generation.sent_at is None) == (status in {Status.QUEUED, Status.WAITING})


def test_running_twice_sends_once(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.CHAT, model="gpt-4o-mini")

    assert run_generation(generation.pk) == Status.SUCCEEDED
    assert run_generation(generation.pk) is None

    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1
    assert generation.assets.count() == 1


def test_an_empty_chat_answer_fails_and_says_so(sandbox_project, user, monkeypatch, make) -> None:  # type: ignore[no-untyped-def]
    _scripted_gateway(monkeypatch, "  ")

    generation = make(Kind.CHAT, "gpt-4o-mini")

    assert generation.status == Status.FAILED
    assert (generation.error_code, generation.error_message) == (
        "empty_answer",
        "The model gave an empty answer.",
    )
