"""Sora2 through `/v1/videos`: videos, characters, remixes and downloads."""

from __future__ import annotations

import httpx
import pytest

from studio.upstream import ContentNotReady, FileUpload, MalformedResponse, TaskStatus
from tests.upstream.fakes import REQUEST_ID, FakeGateway, json_response

QUEUED_VIDEO = {
    "id": "sora-2:task_01k3abcd",
    "object": "video",
    "model": "sora-2",
    "status": "queued",
    "progress": 0,
    "created_at": 1756312355,
    "seconds": "10",
    "size": "720x1280",
}


def test_sora_create_video_posts_json_body():
    gateway = FakeGateway(json_response(QUEUED_VIDEO))

    view = gateway.client().sora.create_video(
        prompt="@cat_chef flips a pancake in a tiny kitchen",
        seconds=10,
        size="720x1280",
        input_reference="https://example.com/start.png",
    )

    assert gateway.last.url.path == "/sandbox/v1/videos"
    assert gateway.last_json() == {
        "model": "sora-2",
        "prompt": "@cat_chef flips a pancake in a tiny kitchen",
        "seconds": "10",
        "size": "720x1280",
        "input_reference": "https://example.com/start.png",
    }
    assert view.task_id == "sora-2:task_01k3abcd"
    assert view.status is TaskStatus.QUEUED


def test_sora_create_video_uploads_reference_file_as_multipart():
    gateway = FakeGateway(json_response(QUEUED_VIDEO))

    gateway.client().sora.create_video(
        prompt="a corgi surfing",
        input_reference=FileUpload("start.png", b"\x89PNG fake", "image/png"),
    )

    body = gateway.last.content
    assert gateway.last.headers["content-type"].startswith("multipart/form-data")
    assert b'name="input_reference"; filename="start.png"' in body
    assert b"\x89PNG fake" in body
    assert b'name="prompt"' in body


def test_sora_create_character_posts_source_and_timestamps():
    gateway = FakeGateway(
        json_response({"id": "char_3b9e0c", "object": "character", "status": "queued", "progress": 0})
    )

    view = gateway.client().sora.create_character(source_url="https://example.com/clip.mp4")

    assert gateway.last_json() == {
        "model": "sora-2-character",
        "timestamps": "1,3",
        "url": "https://example.com/clip.mp4",
    }
    assert view.task_id == "char_3b9e0c"


def test_sora_create_character_from_earlier_task():
    gateway = FakeGateway(json_response({"id": "char_1", "status": "queued"}))

    gateway.client().sora.create_character(from_task="sora-2:task_01k3abcd", timestamps="2,4")

    assert gateway.last_json()["from_task"] == "sora-2:task_01k3abcd"
    assert gateway.last_json()["timestamps"] == "2,4"


def test_sora_create_character_refuses_two_sources():
    gateway = FakeGateway(json_response({"id": "char_1"}))

    with pytest.raises(ValueError, match="exactly one"):
        gateway.client().sora.create_character(source_url="https://x.test/a.mp4", from_task="t")

    assert gateway.requests == []


def test_sora_create_real_person_character_uses_its_own_model():
    gateway = FakeGateway(json_response({"id": "char_2", "status": "queued"}))

    gateway.client().sora.create_real_person_character(source_url="https://x.test/me.mp4")

    assert gateway.last_json()["model"] == "sora-2-character-real"


def test_sora_get_character_reads_username_when_ready():
    gateway = FakeGateway(
        json_response({"id": "char_1", "object": "character", "status": "completed", "username": "cat_chef"})
    )

    view = gateway.client().sora.get_character("char_1")

    assert gateway.last.url.path == "/sandbox/v1/videos/char_1"
    assert view.character_username == "cat_chef"
    assert view.status is TaskStatus.SUCCEEDED


def test_sora_remix_posts_prompt_to_original_video():
    gateway = FakeGateway(
        json_response({**QUEUED_VIDEO, "id": "video_2", "remixed_from_video_id": "video_1"})
    )

    view = gateway.client().sora.remix("video_1", prompt="make it night")

    assert gateway.last.url.path == "/sandbox/v1/videos/video_1/remix"
    assert gateway.last_json() == {"prompt": "make it night"}
    assert view.task_id == "video_2"


def test_sora_get_remix_reads_remix_as_video():
    gateway = FakeGateway(
        json_response({**QUEUED_VIDEO, "id": "video_2", "status": "in_progress", "progress": 37})
    )

    view = gateway.client().sora.get_remix("video_2")

    assert gateway.last.url.path == "/sandbox/v1/videos/video_2"
    assert view.status is TaskStatus.RUNNING
    assert view.progress == 37


def test_sora_download_returns_bytes_when_content_type_is_video():
    video = b"\x00\x00\x00\x18ftypmp42 tiny"
    gateway = FakeGateway(
        httpx.Response(
            200, content=video, headers={"Content-Type": "video/mp4", "X-Oneapi-Request-Id": REQUEST_ID}
        )
    )

    content = gateway.client().sora.download("video_1")

    assert gateway.last.url.path == "/sandbox/v1/videos/video_1/content"
    assert content.content == video
    assert content.content_type == "video/mp4"
    assert content.video_url is None
    assert content.request_id == REQUEST_ID


def test_sora_download_returns_url_when_relay_answers_with_json():
    gateway = FakeGateway(
        json_response(
            {"id": "video_1", "status": "completed", "video_url": "https://filesystem.site/cdn/x.mp4"}
        )
    )

    content = gateway.client().sora.download("video_1")

    assert content.content is None
    assert content.video_url == "https://filesystem.site/cdn/x.mp4"


def test_sora_download_raises_content_not_ready_when_task_is_unfinished():
    gateway = FakeGateway(
        json_response(
            {
                "error": {
                    "message": "Task is not completed yet, current status: IN_PROGRESS",
                    "type": "invalid_request_error",
                }
            },
            400,
        )
    )

    with pytest.raises(ContentNotReady) as caught:
        gateway.client().sora.download("video_1")

    assert caught.value.retryable is True


def test_sora_download_refuses_answers_above_the_size_cap():
    gateway = FakeGateway(httpx.Response(200, content=b"x" * 2048, headers={"Content-Type": "video/mp4"}))

    with pytest.raises(MalformedResponse, match="larger than") as caught:
        gateway.client().sora.download("video_1", max_bytes=1024)

    assert caught.value.code == "too_large"
