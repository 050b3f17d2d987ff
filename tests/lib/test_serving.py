"""Serving stored media to members: sniffed types, downloads, HTTP Range, previews, and nobody else."""

from __future__ import annotations

import gc
import io
import warnings
from collections.abc import Callable
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from studio.accounts.models import User
from studio.generations import services
from studio.generations.models import Asset
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests import factories


def png_bytes(size: tuple[int, int] = (300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def mp4_bytes(path: Path, size: tuple[int, int] = (96, 160), frames: int = 12) -> bytes:
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for _ in range(frames):
            picture = Image.new("RGB", size, (40, 90, 200))
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


@pytest.fixture
def image(project: Project, user: User) -> Asset:
    """A PNG uploaded under a misleading name and type: the studio trusts the bytes, not the label."""
    upload = SimpleUploadedFile("holiday.jpg", png_bytes(), content_type="image/jpeg")
    return services.store_upload(project=project, user=user, upload=upload, allowed={MediaKind.IMAGE})


@pytest.fixture
def video(project: Project, user: User, tmp_path: Path) -> Asset:
    upload = SimpleUploadedFile("clip.mp4", mp4_bytes(tmp_path / "clip.mp4"), content_type="video/mp4")
    return services.store_upload(project=project, user=user, upload=upload, allowed={MediaKind.VIDEO})


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def stored(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


def test_asset_file_serves_the_bytes_with_the_sniffed_type(
    image: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("asset_file", args=[image.pk, "file"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"
    assert "private" in response["Cache-Control"]
    assert "attachment" not in response.get("Content-Disposition", "")
    assert body(response) == png_bytes()
    assert int(response["Content-Length"]) == len(png_bytes())


def test_asset_file_serves_a_video_as_mp4(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("asset_file", args=[video.pk, "file"]))

    assert response["Content-Type"] == "video/mp4"
    assert body(response) == stored(video)


def test_asset_file_is_readable_by_a_viewer(
    image: Asset, viewer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(viewer).get(reverse("asset_file", args=[image.pk, "file"]))

    assert response.status_code == 200
    assert body(response) == png_bytes()


def test_asset_file_download_saves_under_a_readable_name(
    image: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("asset_file", args=[image.pk, "file"]), {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="aitre-input-1.png"'
    assert response["Content-Type"] == "image/png"
    assert body(response) == png_bytes()


def test_asset_file_range_answers_206_with_that_part(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    content = stored(video)

    response = client_for(user).get(reverse("asset_file", args=[video.pk, "file"]), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(content)}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert body(response) == content[:100]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=100-", 100, None), ("bytes=-50", -50, None), ("bytes=10-999999999", 10, None)],
    ids=["open-ended", "suffix", "past-the-end"],
)
def test_asset_file_range_answers_the_part_asked_for(
    header: str, start: int, end: int | None, video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    content = stored(video)
    expected = content[start:end]

    response = client_for(user).get(reverse("asset_file", args=[video.pk, "file"]), HTTP_RANGE=header)

    assert response.status_code == 206
    first = len(content) - len(expected)
    assert response["Content-Range"] == f"bytes {first}-{len(content) - 1}/{len(content)}"
    assert body(response) == expected


def test_asset_file_range_closes_the_file_when_the_response_is_closed_unread(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    """A player that aborts a range request before the first byte must not leave the file open."""
    client = client_for(user)
    url = reverse("asset_file", args=[video.pk, "file"])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.get(url, HTTP_RANGE="bytes=0-99")
        assert response.status_code == 206
        response.close()
        del response
        gc.collect()

    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_asset_file_range_answers_416_when_unsatisfiable(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    size = len(stored(video))

    response = client_for(user).get(
        reverse("asset_file", args=[video.pk, "file"]), HTTP_RANGE=f"bytes={size}-{size + 10}"
    )

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_asset_file_range_keeps_the_download_name(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(
        reverse("asset_file", args=[video.pk, "file"]), {"download": "1"}, HTTP_RANGE="bytes=0-9"
    )

    assert response.status_code == 206
    assert response["Content-Disposition"] == 'attachment; filename="aitre-input-1.mp4"'
    assert body(response) == stored(video)[:10]


def test_asset_file_thumb_is_a_small_webp(
    image: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("asset_file", args=[image.pk, "thumb"]), {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "attachment" not in response.get("Content-Disposition", "")
    with Image.open(io.BytesIO(body(response))) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) <= 300


def test_asset_file_poster_of_a_video_is_a_portrait_webp(
    video: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("asset_file", args=[video.pk, "poster"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(body(response))) as poster:
        assert poster.format == "WEBP"
        assert poster.height > poster.width


@pytest.mark.parametrize(
    ("fixture", "variant"), [("image", "poster"), ("video", "thumb"), ("image", "original")]
)
def test_asset_file_404s_for_a_variant_the_asset_does_not_have(
    fixture: str,
    variant: str,
    request: pytest.FixtureRequest,
    user: User,
    client_for: Callable[[User], Client],
) -> None:
    asset: Asset = request.getfixturevalue(fixture)

    response = client_for(user).get(reverse("asset_file", args=[asset.pk, variant]))

    assert response.status_code == 404


def test_asset_file_head_answers_headers_without_the_body(
    image: Asset, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).head(reverse("asset_file", args=[image.pk, "file"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response) == b""


def test_asset_file_refuses_post(image: Asset, user: User, client_for: Callable[[User], Client]) -> None:
    response = client_for(user).post(reverse("asset_file", args=[image.pk, "file"]))

    assert response.status_code == 405


@pytest.mark.parametrize("variant", ["file", "thumb"])
def test_asset_file_404s_for_other_team(
    variant: str, image: Asset, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    factories.make_team(other_team_user)

    response = client_for(other_team_user).get(reverse("asset_file", args=[image.pk, variant]))

    assert response.status_code == 404
    assert b"IHDR" not in response.content


def test_asset_file_requires_login(image: Asset, client: Client) -> None:
    url = reverse("asset_file", args=[image.pk, "file"])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
