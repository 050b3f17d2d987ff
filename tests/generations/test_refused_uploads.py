"""A refused request writes nothing: no file in storage or scratch space, no input row, no generation.

Uploads are checked in scratch space (MEDIA_WORK_DIR) and stored only once every check has passed; the
scratch folder is removed on every way out.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import User
from studio.generations import services
from studio.generations.models import Asset, Generation, GenerationInput, Kind, Status
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests.generations.test_views import (
    HTMX,
    MJ_BUTTONS,
    midjourney_data,
    png_bytes,
    png_claiming,
    png_upload,
    veo3_data,
)


def files_under(folder: str | Path) -> list[Path]:
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def scratch_left() -> list[Path]:
    return sorted(Path(settings.MEDIA_WORK_DIR).rglob("*"))


@pytest.fixture
def client(user: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(user)


def post(client: Client, project: Project, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(reverse("generation_create", args=[project.pk]), data, **HTMX)


def assert_nothing_written(*, assets_before: int = 0, files_before: list[Path] | None = None) -> None:
    assert files_under(settings.MEDIA_ROOT) == (files_before or [])
    assert scratch_left() == []
    assert Asset.objects.count() == assets_before
    assert not GenerationInput.objects.exists()
    assert not Generation.objects.exists()


def test_a_refused_file_type_after_a_valid_upload_leaves_no_file_and_no_row(
    client: Client, project: Project
) -> None:
    fake = SimpleUploadedFile("b.png", b"just some words, not a picture\n" * 20, content_type="image/png")
    data = midjourney_data(
        **{"midjourney-mode": Kind.MJ_BLEND, "midjourney-images": [png_upload("a.png"), fake]}
    )

    response = post(client, project, data)

    assert "This file is not an image." in response.text
    assert_nothing_written()


def test_a_decompression_bomb_after_a_valid_upload_leaves_no_file_and_no_row(
    client: Client, project: Project
) -> None:
    bomb = SimpleUploadedFile("bomb.png", png_claiming(10_000, 10_000), content_type="image/png")
    data = midjourney_data(
        **{"midjourney-mode": Kind.MJ_BLEND, "midjourney-images": [png_upload("a.png"), bomb]}
    )

    response = post(client, project, data)

    assert "The image is too large (" in response.text
    assert_nothing_written()


def test_too_many_images_refused_by_the_engine_leave_no_file_and_no_row(
    client: Client, project: Project, user: User
) -> None:
    picked = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})
    stored_before = files_under(settings.MEDIA_ROOT)
    data = veo3_data(
        **{"veo3-first_frame": png_upload(size=(320, 180)), "veo3-first_frame_assets": str(picked.pk)}
    )

    response = post(client, project, data)

    assert "This kind needs between 0 and 1 files as first_frame." in response.text
    assert_nothing_written(assets_before=1, files_before=stored_before)


def test_an_invalid_field_alongside_a_valid_upload_leaves_no_file_and_no_row(
    client: Client, project: Project
) -> None:
    data = veo3_data(**{"veo3-first_frame": png_upload(size=(320, 180)), "veo3-prompt": "x" * 20_000})

    response = post(client, project, data)

    assert "The prompt is too long" in response.text
    assert_nothing_written()


def test_a_mask_of_the_wrong_size_beside_a_valid_image_leaves_no_file_and_no_row(
    client: Client, project: Project
) -> None:
    data = {
        "family": "image",
        "image-mode": Kind.IMAGES_EDIT,
        "image-model": "gpt-image-1",
        "image-prompt": "add a hat",
        "image-count": "1",
        "image-images": [png_upload("picture.png", (256, 256))],
        "image-mask": png_upload("mask.png", (100, 100)),
    }

    response = post(client, project, data)

    assert "they must be the same size" in response.text
    assert_nothing_written()


def test_an_upload_to_an_archived_project_leaves_no_file_and_no_row(client: Client, project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(archived_at=timezone.now())

    response = post(client, project, veo3_data(**{"veo3-first_frame": png_upload(size=(320, 180))}))

    assert "This project is archived" in response.text
    assert_nothing_written()


def test_an_accepted_upload_is_stored_once_and_the_scratch_space_emptied(
    client: Client, project: Project
) -> None:
    response = post(client, project, veo3_data(**{"veo3-first_frame": png_upload(size=(320, 180))}))

    assert response.status_code == 200
    generation = Generation.objects.get()
    asset = Asset.objects.get()
    assert GenerationInput.objects.get().asset == asset
    assert generation.inputs.get().role == "first_frame"
    assert {path.name for path in files_under(settings.MEDIA_ROOT)} == {
        Path(asset.file.name).name,
        Path(asset.thumbnail.name).name,
    }
    assert scratch_left() == []


def test_a_drawn_mask_on_an_unavailable_button_is_not_stored(
    client: Client, project: Project, user: User
) -> None:
    result = Generation.objects.create(
        team=project.team,
        project=project,
        created_by=user,
        kind=Kind.MJ_IMAGINE,
        model="midjourney",
        prompt="a castle",
        status=Status.SUCCEEDED,
        upstream_task_id="task-1",
        buttons=MJ_BUTTONS,
    )
    mask = "data:image/png;base64," + base64.b64encode(png_bytes((64, 48))).decode()

    response = client.post(
        reverse("generation_button", args=[result.pk]),
        {"custom_id": "MJ::not-a-button", "mask": mask},
        **HTMX,
    )

    assert "This button is not available on this result." in response.text
    assert files_under(settings.MEDIA_ROOT) == []
    assert scratch_left() == []
    assert not Asset.objects.exists()
