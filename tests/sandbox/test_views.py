"""The fake CDN: content types and lengths, downloads, HTTP Range, unknown names."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import cdn_path


@pytest.fixture
def video_url(api):
    task_id = api.post("/v1/video/generations", {"model": "veo3", "prompt": "x"}).json()["task_id"]
    return api.get(f"/v1/video/generations/{task_id}").json()["data"]["fail_reason"]


def test_cdn_file_serves_inline_with_length(client, video_url):
    path = cdn_path(video_url).replace("/cdn/download/", "/cdn/")

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert int(response["Content-Length"]) == len(response.content) > 1000
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Disposition" not in response


def test_cdn_download_serves_attachment(client, video_url):
    response = client.get(cdn_path(video_url))

    assert response["Content-Disposition"].startswith('attachment; filename="')


def test_cdn_serves_byte_range(client, video_url):
    whole = client.get(cdn_path(video_url)).content

    response = client.get(cdn_path(video_url), headers={"Range": "bytes=10-19"})

    assert response.status_code == 206
    assert response.content == whole[10:20]
    assert response["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert response["Content-Length"] == "10"


def test_cdn_serves_suffix_range(client, video_url):
    whole = client.get(cdn_path(video_url)).content

    response = client.get(cdn_path(video_url), headers={"Range": "bytes=-5"})

    assert response.content == whole[-5:]


def test_cdn_refuses_range_past_end(client, video_url):
    response = client.get(cdn_path(video_url), headers={"Range": "bytes=99999999-"})

    assert response.status_code == 416


def test_cdn_answers_404_for_unknown_file(db, client):
    response = client.get("/sandbox/cdn/20250828/Nope.mp4")

    assert response.status_code == 404
    assert b"NoSuchKey" in response.content


def test_cdn_needs_no_key(client, video_url):
    assert client.get(cdn_path(video_url)).status_code == 200
