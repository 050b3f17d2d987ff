"""Fault injection: the token grammar, and every fault as a client meets it over HTTP."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection

from studio.sandbox import faults, videos
from studio.sandbox.faults import Faults
from studio.sandbox.gateway import GatewayError
from studio.sandbox.models import SandboxTask, TaskKind
from tests.sandbox.helpers import cdn_path, wait_until

FAULT = "X-Sandbox-Fault"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("500", Faults(status=500)),
        ("429-7", Faults(status=429, retry_after=7)),
        ("slow-1.5", Faults(slow_seconds=1.5)),
        ("slow:2", Faults(slow_seconds=2.0)),
        ("timeout-3", Faults(timeout_seconds=3.0)),
        ("expire", Faults(expire_after=0.0)),
        ("expire-30-404", Faults(expire_after=30.0, expire_status=404)),
        ("fail, stuck", Faults(is_failing=True, is_stuck=True)),
        ("queue-full+banned", Faults(is_queue_full=True, is_banned=True)),
        ("malformed queued invalid-key", Faults(is_malformed=True, is_queued=True, is_invalid_key=True)),
    ],
)
def test_parse_reads_tokens(spec, expected):
    assert faults.parse(spec) == expected


@pytest.mark.parametrize("spec", ["explode", "fail-3", "slow-x"])
def test_parse_rejects_unknown_tokens(spec):
    with pytest.raises(faults.UnknownFault):
        faults.parse(spec)


def test_from_key_reads_faults_after_marker():
    assert faults.from_key("sk-sandbox-fault-slow-2+fail") == Faults(slow_seconds=2.0, is_failing=True)


def test_from_key_marks_invalid_keys(settings):
    settings.SANDBOX_INVALID_KEY_MARKER = "revoked"

    assert faults.from_key("sk-revoked-1").is_invalid_key
    assert not faults.from_key("sk-invalid-1").is_invalid_key


def test_status_fault_uses_openai_envelope_on_v1(api):
    response = api.get("/v1/models", **{FAULT: "500"})

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["message"].startswith("请求上游地址失败 (request id: ")
    assert error["type"] == "upstream_error"
    assert error["code"] == "do_request_failed"


def test_status_fault_from_key(api):
    response = api.get("/v1/models", key="sk-sandbox-fault-502")

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "bad_response_status_code"


def test_status_fault_uses_task_envelope_on_video_tasks(api):
    response = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}, **{FAULT: "503"})

    assert response.status_code == 503
    assert response.json() == {
        "code": "do_request_failed",
        "message": "bad response status code 503",
        "data": None,
    }


def test_status_fault_uses_midjourney_envelope_on_mj(api):
    response = api.post("/mj/submit/imagine", {"prompt": "x"}, **{FAULT: "500"})

    assert response.status_code == 500
    assert response.json() == {"description": "do_request_failed ", "type": "upstream_error", "code": 5}


def test_rate_limit_fault_sends_retry_after(api):
    response = api.post(
        "/v1/embeddings", {"model": "text-embedding-3-small", "input": "x"}, key="sk-sandbox-fault-429-7"
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json()["error"]["message"].startswith("当前分组上游负载已饱和，请稍后再试")


def test_rate_limit_on_mj_is_code_30(api, settings):
    settings.SANDBOX_RETRY_AFTER = 11

    response = api.post("/mj/submit/imagine", {"prompt": "x"}, **{FAULT: "429"})

    assert response.status_code == 429
    assert response["Retry-After"] == "11"
    assert response.json()["code"] == 30


def test_slow_fault_delays_answer(api):
    started = time.monotonic()

    response = api.get("/v1/models", **{FAULT: "slow-0.3"})

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_timeout_fault_answers_gateway_timeout_page(api):
    response = api.get("/v1/models", **{FAULT: "timeout-0.05"})

    assert response.status_code == 504
    assert response["Content-Type"] == "text/html"
    assert b"504 Gateway Time-out" in response.content


def test_malformed_fault_answers_invalid_json(api):
    response = api.get("/v1/video/generations/x", **{FAULT: "malformed"})

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_invalid_key_fault_rejects_key(api):
    response = api.get("/v1/models", **{FAULT: "invalid-key"})

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("无效的令牌")


def test_unknown_fault_token_is_reported(api):
    response = api.get("/v1/models", **{FAULT: "explode"})

    assert response.status_code == 400
    assert "Unknown sandbox fault explode" in response.json()["error"]["message"]


def test_fail_fault_is_remembered_by_video_task(api):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}, **{FAULT: "fail"}).json()[
        "task_id"
    ]

    data = api.get(f"/v1/video/generations/{task_id}").json()["data"]

    assert data["status"] == "FAILURE"
    assert data["progress"] == "100%"
    assert data["fail_reason"].startswith("content policy violation")
    assert data["data"]["failReason"] == data["fail_reason"]
    assert "videoUrl" not in data["data"]


def test_fail_fault_gives_sora_error_object(api):
    video_id = api.post("/v1/videos", {"prompt": "x"}, key="sk-sandbox-fault-fail").json()["id"]

    video = api.get(f"/v1/videos/{video_id}", key="sk-sandbox-fault-fail").json()

    assert video["status"] == "failed"
    assert video["error"]["message"] == "This content may violate our content policies."
    assert "video_url" not in video


def test_fail_fault_fails_midjourney_job(api):
    task_id = api.post("/mj/submit/imagine", {"prompt": "x"}, **{FAULT: "fail"}).json()["result"]

    task = api.get(f"/mj/task/{task_id}/fetch").json()

    assert task["status"] == "FAILURE"
    assert task["progress"] == "100%"
    assert task["failReason"].startswith("[Invalid parameter]")
    assert task["imageUrl"] == ""


def test_task_failure_rate_fails_tasks(api, settings):
    settings.SANDBOX_TASK_FAILURE_RATE = 1.0

    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}).json()["task_id"]

    assert api.get(f"/v1/video/generations/{task_id}").json()["data"]["status"] == "FAILURE"


def test_stuck_fault_keeps_video_in_progress(api):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}, **{FAULT: "stuck"}).json()[
        "task_id"
    ]

    data = api.get(f"/v1/video/generations/{task_id}").json()["data"]

    assert data["status"] == "IN_PROGRESS"
    assert data["progress"] == "60%"
    assert data["finish_time"] == 0


def test_stuck_midjourney_job_times_out(api):
    task_id = api.post("/mj/submit/imagine", {"prompt": "x"}, **{FAULT: "stuck"}).json()["result"]

    task = api.get(f"/mj/task/{task_id}/fetch").json()

    assert task["status"] == "FAILURE"
    assert task["failReason"] == "上游任务超时（超过1小时）"


@pytest.mark.parametrize(("spec", "status"), [("expire", 403), ("expire-0-404", 404)])
def test_expire_fault_makes_result_url_refuse(api, client, spec, status):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}, **{FAULT: spec}).json()[
        "task_id"
    ]
    url = api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]

    response = client.get(cdn_path(url))

    assert response.status_code == status
    assert response["Content-Type"] == "application/xml"


def test_expire_fault_lets_url_work_until_scaled_time(api, client, settings):
    settings.SANDBOX_TIME_SCALE = 0.002
    settings.SANDBOX_POLL_INTERVAL = 0.0
    body = {"model": "veo3-fast", "prompt": "x"}
    task_id = api.post("/v1/video/generations", body, **{FAULT: "expire-150"}).json()["task_id"]

    def finished_url():
        data = api.get(f"/v1/video/generations/{task_id}").json()["data"]
        return data["fail_reason"] if data["status"] == "SUCCESS" else None

    url = wait_until(finished_url)
    assert client.get(cdn_path(url)).status_code == 200
    wait_until(lambda: client.get(cdn_path(url)).status_code == 403)


def test_expire_fault_applies_to_media_chat_links(api, client):
    body = {"model": "gemini-3-pro-image-preview", "messages": [{"role": "user", "content": "x"}]}
    text = api.post("/v1/chat/completions", body, **{FAULT: "expire"}).json()["choices"][0]["message"][
        "content"
    ]

    url = text.split("](", 1)[1].rstrip(")")

    assert client.get(cdn_path(url)).status_code == 403


def test_banned_fault_answers_code_24(api):
    body = api.post("/mj/submit/imagine", {"prompt": "harmless"}, **{FAULT: "banned"}).json()

    assert body["code"] == 24


def test_queue_full_fault_answers_code_23(api):
    body = api.post("/mj/submit/imagine", {"prompt": "harmless"}, key="sk-sandbox-fault-queue-full").json()

    assert body["code"] == 23
    assert body["description"] == "队列已满，请稍后尝试"


def test_instance_faults_apply_to_every_request(api, settings):
    settings.SANDBOX_FAULTS = "503"

    assert api.get("/v1/models").status_code == 503


def test_error_rate_answers_server_errors(api, settings):
    settings.SANDBOX_ERROR_RATE = 1.0

    assert api.get("/v1/models").status_code in {500, 502, 503}


def test_rate_limit_rate_answers_429(api, settings):
    settings.SANDBOX_RATE_LIMIT_RATE = 1.0

    response = api.get("/v1/models")

    assert response.status_code == 429
    assert response["Retry-After"] == "5"


def test_cdn_honours_status_fault_header(api, client):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}).json()["task_id"]
    url = api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]

    response = client.get(cdn_path(url), headers={FAULT: "503"})

    assert response.status_code == 503
    assert b"InternalError" in response.content


def test_video_concurrency_answers_429_without_retry_after_past_the_limit(api, settings):
    settings.SANDBOX_TIME_SCALE = 1.0  # The first clip keeps running while the second one is asked for.
    settings.SANDBOX_VIDEO_CONCURRENCY = 1
    first = api.post("/v1/video/generations", {"model": "veo3-fast", "prompt": "first"})

    second = api.post("/v1/video/generations", {"model": "veo3-fast", "prompt": "second"})
    sora = api.post("/v1/videos", {"model": "sora-2", "prompt": "other provider", "seconds": "4"})

    assert first.status_code == 200
    assert second.status_code == 429
    assert "Retry-After" not in second.headers
    assert second.json()["message"] == "当前分组上游负载已饱和，请稍后再试"
    assert sora.status_code == 200  # Sora2 has its own capacity.


@pytest.mark.django_db(transaction=True)
def test_video_concurrency_holds_when_two_server_workers_create_at_once(settings, monkeypatch):
    settings.SANDBOX_TIME_SCALE = 1.0  # The first clip keeps running while the second one is created.
    settings.SANDBOX_VIDEO_CONCURRENCY = 1
    # Both requests are past their early check and rendering before either task is stored.
    both_rendering = threading.Barrier(2, timeout=10)
    render = videos.media.render_video

    def render_with_the_other(*args, **kwargs):  # type: ignore[no-untyped-def]
        both_rendering.wait()
        return render(*args, **kwargs)

    monkeypatch.setattr(videos.media, "render_video", render_with_the_other)
    answers: list[int] = []
    errors: list[BaseException] = []

    def create(prompt: str) -> None:
        try:
            body = {"model": "veo3-fast", "prompt": prompt}
            videos.create_veo_task(owner="racer", body=body, faults=Faults(), api_version="2025")
            answers.append(200)
        except GatewayError as error:
            answers.append(error.status)
        except BaseException as error:  # Reported below: a thread's exception is otherwise lost.
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(f"racer {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(answers) == [200, 429]
    assert SandboxTask.objects.of_kinds(TaskKind.VIDEO).count() == 1
