"""Veo3 async tasks against the sandbox: create, poll through the gateway's statuses, download the MP4."""

from __future__ import annotations

import time

import pytest

from studio.upstream import BadRequest, TaskNotFound, TaskStatus
from tests.sandbox.helpers import data_url, distinct, first_frame_colour


@pytest.mark.parametrize(("aspect_ratio", "size"), [("16:9", (320, 180)), ("9:16", (180, 320))])
def test_video_task_goes_from_queued_through_running_to_an_mp4_of_its_aspect(
    gateway, sandbox_settings, poll_task, fetch_video, aspect_ratio, size
):
    # Slow enough that polls every 0.05 s surely see the gateway's running state (a 0.6 s window).
    sandbox_settings.SANDBOX_TIME_SCALE = 0.01
    created = gateway.video.create(
        model="veo3-fast", prompt="a paper boat on a rainy street", aspect_ratio=aspect_ratio
    )

    views = [created, *poll_task(lambda: gateway.video.get(created.task_id))]

    assert created.status is TaskStatus.QUEUED
    assert created.request_id
    assert distinct(view.status for view in views) == [
        TaskStatus.QUEUED,
        TaskStatus.RUNNING,
        TaskStatus.SUCCEEDED,
    ]
    progress = [view.progress for view in views]
    assert progress == sorted(progress)
    assert any(0 < value < 100 for value in progress)
    done = views[-1]
    assert done.task_id == created.task_id
    assert done.progress == 100
    assert done.gateway_status == "SUCCESS"
    assert done.failure_reason is None
    assert done.display_url is not None
    assert done.download_url is not None
    assert "/sandbox/cdn/download/" in done.download_url
    assert done.display_url == done.download_url.replace("/cdn/download/", "/cdn/")
    assert set(done.result_urls) == {done.display_url, done.download_url}
    assert done.submitted_at is not None
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.submitted_at <= done.finished_at
    assert all(view.display_url is None for view in views[:-1])
    facts = fetch_video(done.download_url)
    assert (facts.codec, (facts.width, facts.height)) == ("h264", size)
    assert facts.frames > 1


def test_video_task_starts_from_the_first_frame_image(gateway, poll_task, download):
    created = gateway.video.create(
        model="veo3-fast-frames", prompt="the boat sails away", images=[data_url((64, 36), (10, 200, 10))]
    )

    done = poll_task(lambda: gateway.video.get(created.task_id))[-1]

    red, green, blue = first_frame_colour(download(done.download_url).content)
    assert green > 150
    assert red < 80
    assert blue < 80


def test_video_task_upsampled_with_an_enhanced_prompt_is_twice_the_size(gateway, poll_task, fetch_video):
    created = gateway.video.create(
        model="veo3-fast",
        prompt="un bateau en papier",
        aspect_ratio="9:16",
        enhance_prompt=True,
        enable_upsample=True,
    )

    done = poll_task(lambda: gateway.video.get(created.task_id))[-1]

    assert done.status is TaskStatus.SUCCEEDED
    facts = fetch_video(done.display_url)
    assert (facts.width, facts.height) == (360, 640)


def test_video_create_raises_bad_request_when_a_frames_model_gets_no_image(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.video.create(model="veo3-fast-frames", prompt="the boat sails away")

    assert caught.value.status_code == 400
    assert "first frame" in caught.value.gateway_message


def test_video_task_fails_with_the_gateways_reason_when_it_fails(gateway_for, poll_task):
    client = gateway_for("sk-test-fault-fail")
    created = client.video.create(model="veo3-fast", prompt="a paper boat")

    views = poll_task(lambda: client.video.get(created.task_id))

    failed = views[-1]
    assert failed.status is TaskStatus.FAILED
    assert failed.gateway_status == "FAILURE"
    assert failed.failure_reason is not None
    assert "content policy violation" in failed.failure_reason
    assert failed.display_url is None
    assert failed.result_urls == ()


def test_video_task_stays_running_when_it_is_stuck(gateway_for):
    client = gateway_for("sk-test-fault-stuck")
    created = client.video.create(model="veo3-fast", prompt="a paper boat")
    # A healthy veo3-fast task finishes after 70 simulated seconds (0.35 s here); wait twice that.
    deadline = time.monotonic() + 0.7
    views = []
    while time.monotonic() < deadline:
        views.append(client.video.get(created.task_id))
        time.sleep(0.05)

    assert not any(view.is_finished for view in views)
    assert views[-1].status is TaskStatus.RUNNING
    assert views[-1].progress <= 60


def test_video_get_raises_task_not_found_for_an_unknown_id(gateway):
    with pytest.raises(TaskNotFound) as caught:
        gateway.video.get("00000000-0000-0000-0000-000000000000")

    assert caught.value.status_code == 400
    assert caught.value.gateway_message == "task_not_exist"


def test_video_get_raises_task_not_found_for_another_keys_task(gateway, gateway_for):
    created = gateway.video.create(model="veo3-fast", prompt="a paper boat")

    with pytest.raises(TaskNotFound):
        gateway_for("sk-someone-else").video.get(created.task_id)


def test_video_task_reads_the_newer_gateway_shape(gateway, sandbox_settings, poll_task, fetch_video):
    sandbox_settings.SANDBOX_API_VERSION = "2026"
    created = gateway.video.create(model="veo3-fast", prompt="a paper boat", aspect_ratio="9:16")

    views = poll_task(lambda: gateway.video.get(created.task_id))

    assert created.task_id.startswith("task_")
    assert created.status is TaskStatus.QUEUED
    done = views[-1]
    assert done.status is TaskStatus.SUCCEEDED
    assert done.failure_reason is None
    assert done.download_url is not None
    assert done.raw is not None
    assert done.raw["data"]["result_url"] == done.download_url
    facts = fetch_video(done.download_url)
    assert (facts.width, facts.height) == (180, 320)
