"""Sora characters of real people: a clip from the project, an upload or an address, checked like the
gateway checks it, and sent in the field the gateway reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from studio.accounts.gateway import client_for
from studio.accounts.models import Team, User
from studio.generations import services
from studio.generations.models import Asset, Character, Generation, Kind, Status
from studio.projects.models import Project
from studio.sandbox import media as sandbox_media
from studio.upstream import BadRequest, FileUpload

HTMX = {"HTTP_HX_REQUEST": "true"}


def clip(seconds: float) -> bytes:
    """A real H.264 MP4 of that length."""
    return sandbox_media.render_video("a person waving", 96, 64, seconds=seconds)


@pytest.fixture
def sora_video(sandbox_project: Project, user: User, drive: Callable[..., Generation]) -> Generation:
    video = drive(
        services.start_generation(
            project=sandbox_project,
            user=user,
            kind=Kind.SORA2_VIDEO,
            model="sora-2",
            prompt="a person on a beach",
            params={"seconds": 4, "size": "1280x720", "characters": []},
        )
    )
    assert video.status == Status.SUCCEEDED, video.error_message
    return video


def make_character(client, video: Generation, **data: object):  # type: ignore[no-untyped-def]
    fields = {"name": "Ana", "timestamps": "1,3", "real_person": "on", **data}
    return client.post(reverse("generation_character", args=[video.pk]), fields, **HTMX)


def newest_character(video: Generation) -> Generation | None:
    return video.children.filter(kind=Kind.SORA2_CHARACTER).order_by("-pk").first()


def test_character_from_an_uploaded_clip_sends_it_as_the_video_field(
    sora_video: Generation, user: User, client, drive
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    make_character(client, sora_video, clip=SimpleUploadedFile("ana.mp4", clip(2), content_type="video/mp4"))

    character = newest_character(sora_video)
    assert character is not None
    assert character.model == "sora-2-character-real"
    character = drive(character)
    assert character.status == Status.SUCCEEDED, character.error_message
    assert character.request_payload["body"] == {"model": "sora-2-character-real", "timestamps": "1,3"}
    assert character.request_payload["files"]["video"].startswith("<")
    assert Character.objects.get(generation=character).username


def test_character_from_a_project_video_sends_that_file(
    sora_video: Generation, user: User, client, drive
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)
    project_video = sora_video.assets.get(kind=Asset.MediaKind.VIDEO)

    make_character(client, sora_video, clip_asset=str(project_video.pk))

    character = drive(newest_character(sora_video))
    assert character.status == Status.SUCCEEDED, character.error_message
    assert "files" in character.request_payload
    assert list(character.inputs.values_list("asset_id", flat=True)) == [project_video.pk]


def test_character_from_an_address_sends_it_as_url(sora_video: Generation, user: User, client, drive) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    make_character(client, sora_video, clip_url="https://cdn.example.com/ana.mp4")

    character = drive(newest_character(sora_video))
    assert character.status == Status.SUCCEEDED, character.error_message
    assert character.request_payload["body"] == {
        "model": "sora-2-character-real",
        "timestamps": "1,3",
        "url": "https://cdn.example.com/ana.mp4",
    }


def test_real_person_without_a_clip_is_refused_with_a_clear_error(
    sora_video: Generation, user: User, client
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    answer = make_character(client, sora_video).content.decode()

    assert "needs a clip of them" in answer
    assert newest_character(sora_video) is None


def test_two_clips_at_once_are_refused(sora_video: Generation, user: User, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    answer = make_character(
        client,
        sora_video,
        clip=SimpleUploadedFile("ana.mp4", clip(2), content_type="video/mp4"),
        clip_url="https://cdn.example.com/ana.mp4",
    ).content.decode()

    assert "Give one clip only" in answer
    assert newest_character(sora_video) is None


def test_a_clip_longer_than_30_seconds_is_refused(sora_video: Generation, user: User, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    answer = make_character(
        client, sora_video, clip=SimpleUploadedFile("long.mp4", clip(31), content_type="video/mp4")
    ).content.decode()

    assert "too long" in answer
    assert newest_character(sora_video) is None


def test_a_picture_is_not_a_clip(sora_video: Generation, user: User, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)
    picture = sandbox_media.encode_image(sandbox_media.render_image("a face", 64, 64))

    answer = make_character(
        client, sora_video, clip=SimpleUploadedFile("ana.mp4", picture, content_type="video/mp4")
    ).content.decode()

    assert newest_character(sora_video) is None
    assert "video" in answer.lower()


def test_without_real_person_the_sora_video_itself_is_used(
    sora_video: Generation, user: User, client, drive
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    make_character(client, sora_video, real_person="")

    character = drive(newest_character(sora_video))
    assert character.status == Status.SUCCEEDED, character.error_message
    assert character.request_payload["body"]["from_task"] == sora_video.upstream_task_id


def test_sandbox_refuses_a_too_long_clip_like_the_gateway(sandbox_project: Project, team: Team) -> None:
    client = client_for(team)
    fields = {"model": "sora-2-character-real", "timestamps": "1,3"}

    with pytest.raises(BadRequest) as refused:
        client.sora.submit_character_clip(fields, FileUpload("long.mp4", clip(31), "video/mp4"))

    assert "limit is 30 s" in refused.value.gateway_message


def test_sandbox_refuses_a_real_person_without_a_clip(sandbox_project: Project, team: Team) -> None:
    client = client_for(team)

    with pytest.raises(BadRequest) as refused:
        client.sora.submit({"model": "sora-2-character-real", "timestamps": "1,3", "from_task": "video_x"})

    assert "needs url or video" in refused.value.gateway_message


def test_the_workspace_offers_the_projects_videos_and_a_new_one_at_once(
    sora_video: Generation, user: User, client, sandbox_project: Project
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)
    url = reverse("project_detail", args=[sandbox_project.pk])
    project_video = sora_video.assets.get(kind=Asset.MediaKind.VIDEO)

    def offered() -> list[str]:
        page = client.get(url).content.decode()
        select = page.split(f'id="character-clip-asset-{sora_video.pk}"', 1)[1].split("</select>", 1)[0]
        return [value for value in select.split('<option value="')[1:] if not value.startswith('"')]

    first = offered()  # stores the finished card
    assert [value.split('"')[0] for value in first] == [str(project_video.pk)]
    project_video.pk = None  # a second video of the project: the cached card must offer it too
    project_video.position = 1
    project_video.original_name = "second.mp4"
    project_video.created_at = timezone.now()
    project_video.save()
    second = offered()
    assert [value.split('"')[0] for value in second] == [str(project_video.pk), first[0].split('"')[0]]
    assert "second.mp4" in second[0]
