"""The sandbox over real HTTP on loopback, the way the studio talks to a gateway."""

from __future__ import annotations

import io
import time

import av
import httpx
import pytest

from tests.sandbox.helpers import decode_image, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(live_server, settings):
    settings.SANDBOX_TIME_SCALE = 0.003
    settings.SANDBOX_POLL_INTERVAL = 5.0
    with httpx.Client(
        base_url=f"{live_server.url}/sandbox", headers={"Authorization": "Bearer sk-live"}, timeout=10
    ) as client:
        yield client


def test_veo3_task_walks_from_create_to_mp4_download(gateway, live_server):
    created = gateway.post(
        "/v1/video/generations", json={"model": "veo3-fast", "prompt": "a paper boat", "aspect_ratio": "9:16"}
    )
    assert created.status_code == 200
    task_id = created.json()["task_id"]
    statuses = []

    def finished():
        data = gateway.get(f"/v1/video/generations/{task_id}").json()["data"]
        statuses.append(data["status"])
        return data if data["status"] == "SUCCESS" else None

    data = wait_until(finished, timeout=15)

    assert statuses[0] != "SUCCESS"
    assert data["fail_reason"].startswith(f"{live_server.url}/sandbox/cdn/download/")
    video = httpx.get(data["fail_reason"], timeout=10)
    assert video.headers["content-type"] == "video/mp4"
    assert int(video.headers["content-length"]) == len(video.content)
    with av.open(io.BytesIO(video.content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 180, 320)
        assert container.duration > 0


def test_midjourney_imagine_then_upscale_over_http(gateway):
    task_id = gateway.post("/mj/submit/imagine", json={"prompt": "a lighthouse --ar 1:1"}).json()["result"]

    def fetched(identifier):
        task = gateway.get(f"/mj/task/{identifier}/fetch").json()
        return task if task["status"] == "SUCCESS" else None

    grid_task = wait_until(lambda: fetched(task_id), timeout=15)
    grid = decode_image(httpx.get(grid_task["imageUrl"], timeout=10).content)
    assert grid.size == (1024, 1024)
    u1 = next(button for button in grid_task["buttons"] if button["label"] == "U1")
    upscale_id = gateway.post(
        "/mj/submit/action", json={"taskId": task_id, "customId": u1["customId"]}
    ).json()["result"]
    upscale_task = wait_until(lambda: fetched(upscale_id), timeout=15)
    upscale = decode_image(httpx.get(upscale_task["imageUrl"], timeout=10).content)
    assert upscale.size == (1024, 1024)
    assert upscale_task["action"] == "UPSCALE"


def test_chat_stream_arrives_gradually_over_http(gateway, settings):
    settings.SANDBOX_TIME_SCALE = 0.01
    body = {"model": "gpt-4o-image", "stream": True, "messages": [{"role": "user", "content": "a fox"}]}
    arrivals = []

    with gateway.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"] == "text/event-stream"
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append((time.monotonic(), line))

    assert arrivals[-1][1] == "data: [DONE]"
    assert arrivals[-1][0] - arrivals[0][0] > 0.2


def test_request_timeout_fault_times_client_out(gateway):
    with pytest.raises(httpx.ReadTimeout):
        gateway.get("/v1/models", headers={"X-Sandbox-Fault": "timeout-2"}, timeout=0.3)
