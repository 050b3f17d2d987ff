"""Sora2 on `/v1/videos` against the sandbox: videos, image-to-video, downloads, remixes and characters."""

from __future__ import annotations

import pytest

from studio.upstream import BadRequest, ContentNotReady, FileUpload, TaskNotFound, TaskStatus
from tests.sandbox.helpers import data_url, distinct, first_frame_colour, png_bytes, video_facts


def test_sora_video_goes_from_queued_to_completed_and_downloads_as_mp4(
    gateway, sandbox_settings, poll_task, fetch_image
):
    # Slow enough that polls every 0.05 s surely see the gateway's running state (a 0.7 s window).
    sandbox_settings.SANDBOX_TIME_SCALE = 0.01
    created = gateway.sora.create_video(prompt="a corgi surfing at sunset", seconds=4)

    views = [created, *poll_task(lambda: gateway.sora.get_video(created.task_id))]

    assert created.task_id.startswith("video_")
    assert created.gateway_status == "queued"
    assert distinct([view.status for view in views]) == [
        TaskStatus.QUEUED,
        TaskStatus.RUNNING,
        TaskStatus.SUCCEEDED,
    ]
    progress = [view.progress for view in views]
    assert progress == sorted(progress)
    assert any(0 < value < 100 for value in progress)
    done = views[-1]
    assert done.progress == 100
    assert done.action == "video"
    assert done.model == "sora-2"
    assert done.finished_at is not None
    assert done.display_url is not None
    assert "/sandbox/cdn/" in done.display_url
    assert fetch_image(done.thumbnail_url).size == (180, 320)
    video = gateway.sora.download(created.task_id)
    assert video.content_type == "video/mp4"
    assert video.video_url is None
    facts = video_facts(video.content)
    assert (facts.codec, facts.width, facts.height) == ("h264", 180, 320)


def test_sora_video_in_landscape_size_downloads_landscape(gateway, poll_task):
    created = gateway.sora.create_video(
        prompt="a corgi surfing", model="sora-2-pro", seconds="4", size="1280x720"
    )

    done = poll_task(lambda: gateway.sora.get_video(created.task_id))[-1]

    assert done.raw is not None
    assert done.raw["size"] == "1280x720"
    facts = video_facts(gateway.sora.download(created.task_id).content)
    assert (facts.width, facts.height) == (320, 180)


@pytest.mark.parametrize(
    "reference",
    [
        FileUpload("start.png", png_bytes((54, 96), (10, 200, 10)), "image/png"),
        data_url((54, 96), (10, 200, 10)),
    ],
    ids=["multipart upload", "data url"],
)
def test_sora_image_to_video_starts_from_the_reference(gateway, poll_task, reference):
    created = gateway.sora.create_video(prompt="the leaf unfurls", seconds=4, input_reference=reference)

    poll_task(lambda: gateway.sora.get_video(created.task_id))

    red, green, blue = first_frame_colour(gateway.sora.download(created.task_id).content)
    assert green > 150
    assert red < 80
    assert blue < 80


def test_sora_download_raises_content_not_ready_before_the_video_is_done(gateway):
    created = gateway.sora.create_video(prompt="a corgi surfing", seconds=4)

    with pytest.raises(ContentNotReady) as caught:
        gateway.sora.download(created.task_id)

    assert caught.value.retryable
    assert "not completed yet" in caught.value.gateway_message


def test_sora_download_returns_the_url_when_the_relay_answers_with_json(
    gateway, sandbox_settings, poll_task, download
):
    sandbox_settings.SANDBOX_SORA_CONTENT_JSON = True
    created = gateway.sora.create_video(prompt="a corgi surfing", seconds=4)
    poll_task(lambda: gateway.sora.get_video(created.task_id))

    video = gateway.sora.download(created.task_id)

    assert video.content is None
    assert video.video_url is not None
    assert video_facts(download(video.video_url).content).height == 320


def test_sora_remix_is_a_new_video_made_from_the_original(gateway, poll_task):
    original = gateway.sora.create_video(prompt="a corgi surfing", seconds=4)

    remix = gateway.sora.remix(original.task_id, prompt="make it night")
    views = poll_task(lambda: gateway.sora.get_remix(remix.task_id))

    assert remix.task_id != original.task_id
    assert remix.status is TaskStatus.QUEUED
    done = views[-1]
    assert done.status is TaskStatus.SUCCEEDED
    assert done.raw is not None
    assert done.raw["remixed_from_video_id"] == original.task_id
    assert done.raw["prompt"] == "make it night"
    assert video_facts(gateway.sora.download(remix.task_id).content).frames > 1


def test_sora_remix_raises_bad_request_without_a_prompt(gateway):
    original = gateway.sora.create_video(prompt="a corgi surfing", seconds=4)

    with pytest.raises(BadRequest) as caught:
        gateway.sora.remix(original.task_id, prompt=" ")

    assert "prompt is required" in caught.value.gateway_message


def test_sora_character_from_an_earlier_task_gets_a_username(gateway, poll_task, fetch_image):
    video = gateway.sora.create_video(prompt="a cat chef", seconds=4)

    created = gateway.sora.create_character(from_task=video.task_id, timestamps="1,3")
    views = poll_task(lambda: gateway.sora.get_character(created.task_id))

    assert created.task_id.startswith("char_")
    assert created.action == "character"
    assert created.character_username is None
    done = views[-1]
    assert done.status is TaskStatus.SUCCEEDED
    assert done.character_username is not None
    assert done.character_username.startswith("sandbox.")
    assert all(view.character_username is None for view in views[:-1])
    assert fetch_image(done.thumbnail_url).size == (256, 256)


def test_sora_real_person_character_from_a_clip_gets_a_username(gateway, poll_task):
    created = gateway.sora.create_real_person_character(
        source_url="https://example.com/me.mp4", timestamps="0,2"
    )

    done = poll_task(lambda: gateway.sora.get_character(created.task_id))[-1]

    assert done.model == "sora-2-character-real"
    assert done.status is TaskStatus.SUCCEEDED
    assert done.character_username is not None


def test_sora_character_raises_task_not_found_for_an_unknown_task(gateway):
    with pytest.raises(TaskNotFound):
        gateway.sora.create_character(from_task="video_0000")


def test_sora_video_fails_with_the_content_policy_reason_when_it_fails(gateway_for, poll_task):
    client = gateway_for("sk-test-fault-fail")
    created = client.sora.create_video(prompt="a corgi surfing", seconds=4)

    failed = poll_task(lambda: client.sora.get_video(created.task_id))[-1]

    assert failed.status is TaskStatus.FAILED
    assert failed.failure_reason == "This content may violate our content policies."
    assert failed.display_url is None


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.sora.get_video("video_unknown"),
        lambda client: client.sora.remix("video_unknown", prompt="night"),
        lambda client: client.sora.download("video_unknown"),
    ],
    ids=["get", "remix", "download"],
)
def test_sora_raises_task_not_found_for_an_unknown_video(gateway, call):
    with pytest.raises(TaskNotFound):
        call(gateway)
