"""The normalised task view and every quirk of the gateway's task payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from studio.upstream import MalformedResponse, TaskStatus
from studio.upstream.payloads import parse_progress, parse_timestamp
from studio.upstream.tasks import (
    normalise_status,
    parse_midjourney_task,
    parse_sora_object,
    parse_video_task,
)

# The response sample on the gateway's own "任务查询" page, verbatim.
AITRE_SAMPLE = json.loads("""
{
    "code": "success",
    "message": "",
    "data": {
        "task_id": "bf5b1f94-46c9-4d03-9108-db32a58fd5c6",
        "action": "generate",
        "status": "SUCCESS",
        "fail_reason": "https://filesystem.site/cdn/download/20250828/c8AzJYjx31nnHeO31Wi9H7e0z2PIrx.mp4",
        "submit_time": 1756312355,
        "start_time": 1756312367,
        "finish_time": 1756312461,
        "progress": "100%",
        "data": {
            "status": "SUCCESS",
            "taskId": "bf5b1f94-46c9-4d03-9108-db32a58fd5c6",
            "videoUrl": "https://filesystem.site/cdn/download/20250828/c8AzJYjx31nnHeO31Wi9H7e0z2PIrx.mp4",
            "startTime": 1756312356000,
            "finishTime": 1756312457000
        }
    }
}
""")
SAMPLE_URL = "https://filesystem.site/cdn/download/20250828/c8AzJYjx31nnHeO31Wi9H7e0z2PIrx.mp4"


def test_task_view_reads_the_gateways_own_sample():
    view = parse_video_task(AITRE_SAMPLE, request_id="r1")

    assert view.task_id == "bf5b1f94-46c9-4d03-9108-db32a58fd5c6"
    assert view.status is TaskStatus.SUCCEEDED
    assert view.progress == 100
    assert view.download_url == SAMPLE_URL
    assert view.failure_reason is None
    assert view.action == "generate"
    assert view.submitted_at == datetime(2025, 8, 27, 16, 32, 35, tzinfo=UTC)
    assert view.finished_at == datetime(2025, 8, 27, 16, 34, 21, tzinfo=UTC)
    assert view.raw == AITRE_SAMPLE
    assert view.request_id == "r1"
    assert view.is_finished


def test_task_view_takes_result_url_from_fail_reason_on_success():
    payload = {
        "task_id": "t1",
        "status": "SUCCESS",
        "progress": "100%",
        "fail_reason": "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4",
        "data": None,
    }

    view = parse_video_task(payload)

    assert view.download_url == "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4"
    assert view.failure_reason is None


def test_task_view_keeps_fail_reason_as_failure_when_task_failed():
    payload = {
        "code": "success",
        "message": "",
        "data": {
            "task_id": "bf5b",
            "action": "generate",
            "status": "FAILURE",
            "fail_reason": "content policy violation",
            "submit_time": 1756312355,
            "start_time": 1756312367,
            "finish_time": 1756312390,
            "progress": "100%",
            "data": {"status": "FAILURE", "taskId": "bf5b", "failReason": "content policy violation"},
        },
    }

    view = parse_video_task(payload)

    assert view.status is TaskStatus.FAILED
    assert view.failure_reason == "content policy violation"
    assert view.download_url is None


def test_task_view_does_not_treat_fail_reason_url_as_result_while_running():
    payload = {"task_id": "t1", "status": "IN_PROGRESS", "fail_reason": "https://x.test/a.mp4"}

    view = parse_video_task(payload)

    assert view.status is TaskStatus.RUNNING
    assert view.download_url is None


def test_task_view_prefers_result_url_field_of_newer_gateways():
    payload = {
        "id": "task_01K3Q8ZC4M7Y",
        "task_id": "task_01K3Q8ZC4M7Y",
        "status": "SUCCESS",
        "progress": "100%",
        "result_url": "https://filesystem.site/cdn/20250828/Kq3vT7.mp4",
        "fail_reason": "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4",
    }

    view = parse_video_task(payload)

    assert view.result_urls[0] == "https://filesystem.site/cdn/20250828/Kq3vT7.mp4"
    assert view.display_url == "https://filesystem.site/cdn/20250828/Kq3vT7.mp4"
    assert view.download_url == "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4"


def test_task_view_splits_display_and_download_urls_from_inner_data():
    payload = {
        "task_id": "t1",
        "status": "SUCCESS",
        "fail_reason": "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4",
        "data": {"videoUrl": "https://filesystem.site/cdn/20250828/Kq3vT7.mp4"},
    }

    view = parse_video_task(payload)

    assert view.display_url == "https://filesystem.site/cdn/20250828/Kq3vT7.mp4"
    assert view.download_url == "https://filesystem.site/cdn/download/20250828/Kq3vT7.mp4"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"task_id": "a1", "status": "QUEUED"}, "a1"),
        ({"id": "task_01K", "status": "queued"}, "task_01K"),
        ({"taskId": "c3", "status": "QUEUED"}, "c3"),
        ({"code": "success", "data": {"task_id": "d4", "status": "QUEUED"}}, "d4"),
    ],
)
def test_task_view_accepts_task_id_and_id_variants(payload, expected):
    assert parse_video_task(payload).task_id == expected


def test_task_view_raises_malformed_response_when_task_has_no_id():
    with pytest.raises(MalformedResponse):
        parse_video_task({"status": "SUCCESS", "progress": "100%"})


def test_progress_accepts_percent_strings_and_integers():
    assert parse_progress("57%") == 57
    assert parse_progress("57") == 57
    assert parse_progress(57) == 57
    assert parse_progress(57.6) == 58
    assert parse_progress(" 8 %") == 8
    assert parse_progress("") is None
    assert parse_progress("150%") == 100


def test_task_view_progress_reads_percent_string_and_integer_payloads():
    assert parse_video_task({"task_id": "a", "status": "IN_PROGRESS", "progress": "31%"}).progress == 31
    assert parse_sora_object({"id": "v", "status": "in_progress", "progress": 42}).progress == 42


def test_task_view_progress_is_complete_when_task_succeeded_without_progress():
    view = parse_sora_object({"id": "v", "status": "completed"})

    assert view.progress == 100


def test_timestamps_in_milliseconds_are_normalised():
    in_seconds = parse_timestamp(1756312356)
    in_milliseconds = parse_timestamp(1756312356000)

    assert in_milliseconds == in_seconds == datetime(2025, 8, 27, 16, 32, 36, tzinfo=UTC)
    assert in_milliseconds is not None
    assert in_milliseconds.tzinfo is UTC


def test_timestamps_of_zero_mean_not_yet():
    view = parse_video_task(
        {"task_id": "a", "status": "NOT_START", "submit_time": 1756312355, "start_time": 0}
    )

    assert view.submitted_at is not None
    assert view.started_at is None
    assert view.finished_at is None


def test_timestamps_accept_iso_strings_as_utc():
    assert parse_timestamp("2025-08-28T12:01:01Z") == datetime(2025, 8, 28, 12, 1, 1, tzinfo=UTC)
    assert parse_timestamp("2025-08-28T12:01:01") == datetime(2025, 8, 28, 12, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("NOT_START", TaskStatus.QUEUED),
        ("SUBMITTED", TaskStatus.QUEUED),
        ("QUEUED", TaskStatus.QUEUED),
        ("pending", TaskStatus.QUEUED),
        ("IN_PROGRESS", TaskStatus.RUNNING),
        ("processing", TaskStatus.RUNNING),
        ("video_generating", TaskStatus.RUNNING),
        ("SUCCESS", TaskStatus.SUCCEEDED),
        ("completed", TaskStatus.SUCCEEDED),
        ("succeeded", TaskStatus.SUCCEEDED),
        ("FAILURE", TaskStatus.FAILED),
        ("failed", TaskStatus.FAILED),
        ("UNKNOWN", TaskStatus.UNKNOWN),
        ("something-new", TaskStatus.UNKNOWN),
    ],
)
def test_status_maps_every_gateway_vocabulary(word, expected):
    assert normalise_status(word) is expected


def test_sora_object_unknown_status_is_queued():
    assert parse_sora_object({"id": "v", "status": "unknown"}).status is TaskStatus.QUEUED


def test_sora_object_failure_reason_comes_from_error_object():
    view = parse_sora_object(
        {
            "id": "video_1",
            "status": "failed",
            "progress": 100,
            "error": {"code": "moderation_blocked", "message": "Your request was blocked."},
        }
    )

    assert view.status is TaskStatus.FAILED
    assert view.failure_reason == "Your request was blocked."


def test_sora_object_reads_relay_video_url_and_times_in_seconds():
    view = parse_sora_object(
        {
            "id": "sora-2:task_01k3abcd",
            "object": "video",
            "model": "sora-2",
            "status": "completed",
            "progress": 100,
            "seconds": "10",
            "size": "720x1280",
            "created_at": 1756312355,
            "completed_at": 1756312520,
            "video_url": "https://filesystem.site/cdn/20250828/Zz9.mp4",
        }
    )

    assert view.task_id == "sora-2:task_01k3abcd"
    assert view.display_url == "https://filesystem.site/cdn/20250828/Zz9.mp4"
    assert view.finished_at == datetime(2025, 8, 27, 16, 35, 20, tzinfo=UTC)
    assert view.model == "sora-2"


def test_sora_character_view_carries_username_and_avatar():
    view = parse_sora_object(
        {
            "id": "char_3b9e0c",
            "object": "character",
            "model": "sora-2-character",
            "status": "completed",
            "progress": 100,
            "username": "cat_chef",
            "avatar_url": "https://filesystem.site/cdn/20250828/avatar.png",
            "created_at": 1756312355,
        }
    )

    assert view.character_username == "cat_chef"
    assert view.thumbnail_url == "https://filesystem.site/cdn/20250828/avatar.png"


MIDJOURNEY_TASK = {
    "id": "1756312355123456",
    "action": "IMAGINE",
    "customId": "",
    "botType": "",
    "prompt": "a lighthouse in a storm --ar 16:9",
    "promptEn": "a lighthouse in a storm --ar 16:9",
    "description": "/imagine a lighthouse in a storm --ar 16:9",
    "state": "job-42",
    "submitTime": 1756312355120,
    "startTime": 1756312361000,
    "finishTime": 1756312402000,
    "imageUrl": "https://cdn.example.com/mj/1756312355123456.png",
    "videoUrl": "",
    "videoUrls": None,
    "status": "SUCCESS",
    "progress": "100%",
    "failReason": "",
    "buttons": [
        {
            "customId": "MJ::JOB::upsample::1::0f3c9a2e-7b1d-4e8f-9a6b-1c2d3e4f5a6b",
            "emoji": "",
            "label": "U1",
            "type": 2,
            "style": 2,
        },
        {
            "customId": "MJ::JOB::reroll::0::0f3c9a2e-7b1d-4e8f-9a6b-1c2d3e4f5a6b::SOLO",
            "emoji": "🔄",
            "label": "",
            "type": 2,
            "style": 2,
        },
    ],
    "maskBase64": "",
    "properties": {"finalPrompt": "a lighthouse in a storm --ar 16:9 --v 6.1", "finalZhPrompt": ""},
}


def test_midjourney_task_reads_buttons_result_and_millisecond_times():
    view = parse_midjourney_task(MIDJOURNEY_TASK)

    assert view.status is TaskStatus.SUCCEEDED
    assert view.display_url == "https://cdn.example.com/mj/1756312355123456.png"
    assert [button.label for button in view.buttons] == ["U1", ""]
    assert view.buttons[1].emoji == "🔄"
    assert view.buttons[1].custom_id.startswith("MJ::JOB::reroll::0::")
    assert view.submitted_at == datetime(2025, 8, 27, 16, 32, 35, 120000, tzinfo=UTC)
    assert view.action == "IMAGINE"


def test_midjourney_empty_status_is_queued():
    view = parse_midjourney_task({"id": "1756312355123456", "status": "", "progress": "0%"})

    assert view.status is TaskStatus.QUEUED
    assert view.progress == 0
    assert not view.is_finished


def test_midjourney_preview_image_is_not_a_result_while_running():
    view = parse_midjourney_task(
        {
            "id": "1",
            "status": "IN_PROGRESS",
            "progress": "31%",
            "imageUrl": "https://cdn.example.com/mj/1.png?rand=42",
        }
    )

    assert view.preview_url == "https://cdn.example.com/mj/1.png?rand=42"
    assert view.display_url is None
    assert view.result_urls == ()
    assert view.progress == 31


def test_midjourney_modal_status_waits_for_modal_submit():
    view = parse_midjourney_task({"id": "1", "status": "MODAL", "progress": "0%"})

    assert view.status is TaskStatus.QUEUED
    assert view.is_waiting_for_modal


def test_midjourney_failure_reason_comes_from_fail_reason():
    view = parse_midjourney_task(
        {"id": "1", "status": "FAILURE", "progress": "100%", "failReason": "Banned prompt detected"}
    )

    assert view.status is TaskStatus.FAILED
    assert view.failure_reason == "Banned prompt detected"


def test_midjourney_describe_result_is_in_text_result():
    view = parse_midjourney_task(
        {
            "id": "2",
            "action": "DESCRIBE",
            "status": "SUCCESS",
            "progress": "100%",
            "properties": {"finalPrompt": "1️⃣ a lighthouse\n\n2️⃣ a storm"},
        }
    )

    assert view.text_result == "1️⃣ a lighthouse\n\n2️⃣ a storm"


def test_midjourney_image_dimensions_are_read_where_given():
    view = parse_midjourney_task(
        {
            "id": "3",
            "status": "SUCCESS",
            "imageUrl": "https://x.test/3.png",
            "imageWidth": 2048,
            "imageHeight": "1152",
        }
    )

    assert (view.width, view.height) == (2048, 1152)


def test_midjourney_image_dimensions_are_none_when_absent():
    view = parse_midjourney_task(MIDJOURNEY_TASK)

    assert (view.width, view.height) == (None, None)
