"""Veo3 async tasks: create and query."""

from __future__ import annotations

import pytest

from studio.upstream import MalformedResponse, TaskNotFound, TaskStatus
from tests.upstream.fakes import REQUEST_ID, FakeGateway, json_response
from tests.upstream.test_tasks import AITRE_SAMPLE, SAMPLE_URL


@pytest.mark.parametrize("aspect_ratio", ["16:9", "9:16"])
def test_video_create_posts_veo3_body(aspect_ratio):
    gateway = FakeGateway(json_response({"task_id": "bf5b1a0c9e6d4f2a8b7c6d5e4f3a2b1c"}))

    view = gateway.client().video.create(
        model="veo3-fast",
        prompt="A paper boat drifting down a rainy street, cinematic",
        aspect_ratio=aspect_ratio,
        images=["https://example.com/first-frame.jpg"],
        enhance_prompt=True,
        enable_upsample=False,
    )

    assert gateway.last.method == "POST"
    assert gateway.last.url.path == "/sandbox/v1/video/generations"
    assert gateway.last_json() == {
        "model": "veo3-fast",
        "prompt": "A paper boat drifting down a rainy street, cinematic",
        "aspect_ratio": aspect_ratio,
        "enhance_prompt": True,
        "enable_upsample": False,
        "images": ["https://example.com/first-frame.jpg"],
    }
    assert view.task_id == "bf5b1a0c9e6d4f2a8b7c6d5e4f3a2b1c"
    assert view.status is TaskStatus.QUEUED
    assert view.request_id == REQUEST_ID


def test_video_create_leaves_out_options_that_were_not_given():
    gateway = FakeGateway(json_response({"task_id": "t1"}))

    gateway.client().video.create(model="veo3", prompt="a boat")

    assert gateway.last_json() == {"model": "veo3", "prompt": "a boat"}


def test_video_create_reads_newer_openai_video_shape():
    gateway = FakeGateway(
        json_response(
            {
                "id": "task_01K3Q8ZC4M7Y",
                "task_id": "task_01K3Q8ZC4M7Y",
                "object": "video",
                "model": "veo3-fast",
                "status": "queued",
                "progress": 0,
                "created_at": 1756312355,
            }
        )
    )

    view = gateway.client().video.create(model="veo3-fast", prompt="a boat")

    assert view.task_id == "task_01K3Q8ZC4M7Y"
    assert view.submitted_at is not None


def test_video_create_reads_task_id_when_data_is_a_string():
    gateway = FakeGateway(json_response({"code": "success", "data": "bf5b1a0c"}))

    assert gateway.client().video.create(model="veo3", prompt="a boat").task_id == "bf5b1a0c"


def test_video_create_raises_malformed_response_without_task_id():
    gateway = FakeGateway(json_response({"ok": True}))

    with pytest.raises(MalformedResponse):
        gateway.client().video.create(model="veo3", prompt="a boat")


def test_video_get_reads_the_gateways_own_sample():
    gateway = FakeGateway(json_response(AITRE_SAMPLE))

    view = gateway.client().video.get("bf5b1f94-46c9-4d03-9108-db32a58fd5c6")

    assert gateway.last.method == "GET"
    assert gateway.last.url.path == "/sandbox/v1/video/generations/bf5b1f94-46c9-4d03-9108-db32a58fd5c6"
    assert view.status is TaskStatus.SUCCEEDED
    assert view.download_url == SAMPLE_URL


def test_video_get_keeps_colon_in_veo_task_ids():
    gateway = FakeGateway(json_response({"task_id": "veo3-fast:7c0e", "status": "QUEUED"}))

    gateway.client().video.get("veo3-fast:7c0e")

    assert gateway.last.url.raw_path == b"/sandbox/v1/video/generations/veo3-fast:7c0e"


def test_video_get_raises_task_not_found_when_envelope_reports_it_with_200():
    gateway = FakeGateway(
        json_response({"code": "task_not_exist", "message": "task_not_exist", "data": None})
    )

    with pytest.raises(TaskNotFound):
        gateway.client().video.get("nope")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('{"seconds":8}', {"seconds": 8.0}),
        ('{"seconds":10,"size":1.666667}', {"seconds": 10.0, "size": 1.666667}),
        ("not json", None),
        ('{"seconds":"eight","free":0}', None),
    ],
)
def test_video_create_returns_the_billing_ratios_header(header, expected):
    gateway = FakeGateway(json_response({"task_id": "t1"}, headers={"X-New-Api-Other-Ratios": header}))

    view = gateway.client().video.create(model="veo3-fast", prompt="a boat")

    assert view.other_ratios == expected
