"""Veo3 tasks on /v1/video/generations and Sora2 on /v1/videos."""

from __future__ import annotations

import io

import av
import pytest

from studio.sandbox.models import SandboxTask
from tests.sandbox.helpers import cdn_path, data_url, decode_image, wait_until


def _video_info(data: bytes) -> tuple[str, int, int, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, stream.width, stream.height, container.duration / av.time_base


def test_video_generation_returns_only_task_id(api):
    response = api.post("/v1/video/generations", {"model": "veo3-fast", "prompt": "a paper boat"})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["task_id"]
    assert SandboxTask.objects.filter(public_id=body["task_id"]).exists()
    assert response["X-Oneapi-Request-Id"]


def test_video_query_matches_gateway_sample_shape_when_finished(api):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "rain"}).json()["task_id"]

    body = api.get(f"/v1/video/generations/{task_id}").json()

    assert body["code"] == "success"
    assert body["message"] == ""
    data = body["data"]
    assert list(data) == [
        "task_id",
        "action",
        "status",
        "fail_reason",
        "submit_time",
        "start_time",
        "finish_time",
        "progress",
        "data",
    ]
    assert data["task_id"] == task_id
    assert data["action"] == "generate"
    assert data["status"] == "SUCCESS"
    assert data["progress"] == "100%"
    assert data["fail_reason"].startswith("http://testserver/sandbox/cdn/download/")
    assert data["fail_reason"].endswith(".mp4")
    assert data["submit_time"] <= data["start_time"] <= data["finish_time"]
    assert data["submit_time"] < 10**10  # seconds
    inner = data["data"]
    assert list(inner) == ["status", "taskId", "videoUrl", "startTime", "finishTime"]
    assert inner["status"] == "SUCCESS"
    assert inner["taskId"] == task_id
    assert inner["videoUrl"] == data["fail_reason"].replace("/cdn/download/", "/cdn/")
    assert inner["startTime"] > 10**12  # milliseconds
    assert inner["finishTime"] >= inner["startTime"]


@pytest.mark.parametrize(("aspect", "size"), [("16:9", (320, 180)), ("9:16", (180, 320))])
def test_video_result_is_h264_mp4_in_asked_aspect(api, client, aspect, size):
    body = {"model": "veo3-fast", "prompt": "a lighthouse", "aspect_ratio": aspect}
    task_id = api.post("/v1/video/generations", body).json()["task_id"]
    url = api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]

    download = client.get(cdn_path(url))

    assert download.status_code == 200
    assert download["Content-Type"] == "video/mp4"
    assert int(download["Content-Length"]) == len(download.content)
    assert "attachment" in download["Content-Disposition"]
    codec, width, height, duration = _video_info(download.content)
    assert codec == "h264"
    assert (width, height) == size
    assert duration > 0


def test_video_upsample_doubles_resolution(api, client):
    body = {"model": "veo3", "prompt": "x", "enable_upsample": True, "enhance_prompt": True}
    task_id = api.post("/v1/video/generations", body).json()["task_id"]
    url = api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]

    assert _video_info(client.get(cdn_path(url)).content)[1:3] == (640, 360)


def test_video_with_first_frame_starts_from_it(api, client):
    body = {"model": "veo3-pro-frames", "prompt": "zoom in", "images": [data_url((64, 36), (255, 0, 0))]}
    task_id = api.post("/v1/video/generations", body).json()["task_id"]
    url = api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]

    with av.open(io.BytesIO(client.get(cdn_path(url)).content)) as container:
        first = next(container.decode(video=0)).to_image()
    red, green, blue = first.getpixel((first.width // 2, 20))
    assert red > 150
    assert green < 90
    assert blue < 90


def test_video_frames_model_rejects_missing_images(api):
    response = api.post("/v1/video/generations", {"model": "veo3-pro-frames", "prompt": "x"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_request",
        "message": "model veo3-pro-frames needs a first frame in images",
        "data": None,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "veo3"}, "field prompt is required"),
        ({"model": "veo3", "prompt": "x", "aspect_ratio": "4:3"}, "aspect_ratio must be 16:9 or 9:16"),
        (
            {"model": "gpt-4o-mini", "prompt": "x"},
            "The model `gpt-4o-mini` is not supported on this endpoint.",
        ),
    ],
)
def test_video_generation_rejects_bad_body(api, body, message):
    response = api.post("/v1/video/generations", body)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert response.json()["data"] is None


def test_video_generation_answers_no_channel_for_unknown_model(api):
    response = api.post("/v1/video/generations", {"model": "kling-9", "prompt": "x"})

    assert response.status_code == 503
    assert "当前分组 default 下对于模型 kling-9 无可用渠道" in response.json()["error"]["message"]


def test_video_query_answers_task_not_exist_for_unknown_id(api):
    response = api.get("/v1/video/generations/nope")

    assert response.status_code == 400
    assert response.json() == {"code": "task_not_exist", "message": "task_not_exist", "data": None}


def test_video_query_hides_task_from_another_key(api):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}).json()["task_id"]

    response = api.get(f"/v1/video/generations/{task_id}", key="sk-someone-else")

    assert response.status_code == 400
    assert response.json()["code"] == "task_not_exist"


def test_video_query_uses_2026_shape_when_asked(api):
    headers = {"X-Sandbox-Api-Version": "2026"}
    created = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}, **headers).json()
    assert created["task_id"] == created["id"]
    assert created["id"].startswith("task_")
    assert created["status"] == "queued"

    data = api.get(f"/v1/video/generations/{created['id']}", **headers).json()["data"]

    assert data["fail_reason"] == ""
    assert data["result_url"].endswith(".mp4")


def test_video_task_moves_through_statuses_over_scaled_time(api, settings):
    # Slow enough that the first look comes before the task starts, even on a loaded machine.
    settings.SANDBOX_TIME_SCALE = 0.03
    settings.SANDBOX_POLL_INTERVAL = 5.0
    task_id = api.post("/v1/video/generations", {"model": "veo3-fast", "prompt": "x"}).json()["task_id"]
    seen: list[tuple[str, str]] = []

    def finished():
        data = api.get(f"/v1/video/generations/{task_id}").json()["data"]
        if not seen or seen[-1] != (data["status"], data["progress"]):
            seen.append((data["status"], data["progress"]))
        return data["status"] == "SUCCESS"

    wait_until(finished, timeout=30)

    statuses = [status for status, _ in seen]
    assert statuses[0] in {"NOT_START", "SUBMITTED"}
    assert "IN_PROGRESS" in statuses
    assert statuses[-1] == "SUCCESS"
    progresses = [int(progress.rstrip("%")) for _, progress in seen]
    assert progresses == sorted(progresses)
    assert progresses[-1] == 100


def test_sora_video_completes_with_relay_video_url(api, client):
    created = api.post(
        "/v1/videos", {"model": "sora-2", "prompt": "a corgi", "seconds": "8", "size": "1280x720"}
    )

    assert created.status_code == 200
    video = created.json()
    assert video["object"] == "video"
    assert video["id"].startswith("video_")
    done = api.get(f"/v1/videos/{video['id']}").json()
    assert done["status"] == "completed"
    assert done["progress"] == 100
    assert done["seconds"] == "8"
    assert done["size"] == "1280x720"
    assert done["error"] is None
    assert _video_info(client.get(cdn_path(done["video_url"])).content)[1:3] == (320, 180)


def test_sora_content_streams_mp4_bytes(api):
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    content = api.get(f"/v1/videos/{video_id}/content")

    assert content.status_code == 200
    assert content["Content-Type"] == "video/mp4"
    assert _video_info(content.content)[1:3] == (180, 320)


def test_sora_content_gives_webp_thumbnail_variant(api):
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    content = api.get(f"/v1/videos/{video_id}/content?variant=thumbnail")

    assert decode_image(content.content).format == "WEBP"


def test_sora_content_refuses_unfinished_video(api, settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    response = api.get(f"/v1/videos/{video_id}/content")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Task is not completed yet, current status: NOT_START",
            "type": "invalid_request_error",
        }
    }


def test_sora_content_answers_404_for_unknown_video(api):
    response = api.get("/v1/videos/video_nope/content")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Task not found"


def test_sora_content_answers_json_when_configured(api, settings):
    settings.SANDBOX_SORA_CONTENT_JSON = True
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    body = api.get(f"/v1/videos/{video_id}/content").json()

    assert body["status"] == "completed"
    assert body["video_url"].endswith(".mp4")


def test_sora_accepts_multipart_input_reference(api, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.sandbox.helpers import png_bytes

    upload = SimpleUploadedFile("ref.png", png_bytes((90, 160), (0, 0, 255)), content_type="image/png")
    response = api.post_form("/v1/videos", {"model": "sora-2", "prompt": "go", "input_reference": upload})

    assert response.status_code == 200
    done = api.get(f"/v1/videos/{response.json()['id']}").json()
    with av.open(io.BytesIO(client.get(cdn_path(done["video_url"])).content)) as container:
        first = next(container.decode(video=0)).to_image()
    red, _green, blue = first.getpixel((first.width // 2, 20))
    assert blue > 150
    assert red < 90


def test_sora_rejects_bad_seconds(api):
    response = api.post("/v1/videos", {"prompt": "x", "seconds": "7"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_sora_remix_links_to_original(api):
    original = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    remix = api.post(f"/v1/videos/{original}/remix", {"prompt": "at night"}).json()
    info = api.get(f"/v1/videos/{remix['id']}").json()

    assert remix["id"] != original
    assert info["remixed_from_video_id"] == original
    assert info["status"] == "completed"
    assert info["prompt"] == "at night"


def test_sora_remix_requires_prompt(api):
    original = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    response = api.post(f"/v1/videos/{original}/remix", {"prompt": " "})

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_request", "message": "field prompt is required", "data": None}


def test_sora_remix_answers_task_not_exist_for_unknown_original(api):
    response = api.post("/v1/videos/video_nope/remix", {"prompt": "x"})

    assert response.status_code == 400
    assert response.json()["code"] == "task_not_exist"


def test_sora_character_gets_username_and_avatar(api, client):
    created = api.post(
        "/v1/videos", {"model": "sora-2-character", "url": "https://example.com/cat.mp4", "timestamps": "1,3"}
    ).json()
    assert created["object"] == "character"
    assert created["username"] is None

    info = api.get(f"/v1/videos/{created['id']}").json()

    assert info["status"] == "completed"
    assert info["username"].startswith("sandbox.")
    avatar = decode_image(client.get(cdn_path(info["avatar_url"])).content)
    assert avatar.size == (256, 256)


def test_sora_character_from_earlier_task(api):
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    response = api.post("/v1/videos", {"model": "sora-2-character", "from_task": video_id})

    assert response.status_code == 200
    assert response.json()["status"] == "queued"


def test_sora_real_person_character_requires_clip_url(api):
    video_id = api.post("/v1/videos", {"prompt": "a corgi"}).json()["id"]

    response = api.post("/v1/videos", {"model": "sora-2-character-real", "from_task": video_id})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_sora_character_rejects_long_timestamps(api):
    body = {"model": "sora-2-character", "url": "https://example.com/a.mp4", "timestamps": "1,9"}

    response = api.post("/v1/videos", body)

    assert response.status_code == 400
    assert response.json()["message"] == "timestamps must span 1 to 3 seconds"
