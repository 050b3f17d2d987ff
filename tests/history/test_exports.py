"""ZIP downloads of a selection: streamed at once when small, built in the background when large."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from studio.accounts.models import AuditEvent, Team, User
from studio.generations.engine.storage import store_result_bytes
from studio.generations.models import Generation, Kind
from studio.history.exports import build_zip_export
from studio.history.models import ZipExport
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests import factories
from tests.history.test_services import make_generation, png_bytes

HTMX = {"HX-Request": "true"}


def ask_for_zip(client: Client, team: Team, chosen: list[Generation]):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("history_bulk", args=[team.pk]), {"action": "zip", "ids": [str(g.pk) for g in chosen]}
    )


def stored_bytes(generation: Generation) -> dict[int, bytes]:
    result: dict[int, bytes] = {}
    for asset in generation.assets.order_by("position"):
        with asset.file.open("rb") as handle:
            result[asset.position] = handle.read()
    return result


@pytest.fixture
def two_results(project: Project, user: User) -> list[Generation]:
    first = make_generation(project, user, prompt="一座雪山上的城堡", image=(200, 0, 0), params={"seed": 1})
    store_result_bytes(first, png_bytes((0, 200, 0)), position=1, expected=MediaKind.IMAGE)
    second = make_generation(
        project, user, kind=Kind.VEO3_VIDEO, prompt="a harbour at night", image=(0, 0, 9)
    )
    return [first, second]


def check_zip(content: bytes, generations: list[Generation]) -> None:
    """The ZIP is sound, its manifest has every prompt and its files are the stored bytes."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    manifest = {record["id"]: record for record in json.loads(archive.read("manifest.json"))}
    assert set(manifest) == {g.pk for g in generations}
    for generation in generations:
        record = manifest[generation.pk]
        assert (record["prompt"], record["kind"], record["parameters"]) == (
            generation.prompt,
            generation.kind,
            generation.params,
        )
        expected = stored_bytes(generation)
        assert len(record["files"]) == len(expected)
        for position, name in enumerate(record["files"]):
            assert archive.read(name) == expected[position]
    assert len(archive.namelist()) == 1 + sum(len(stored_bytes(g)) for g in generations)


def test_history_bulk_zip_streams_a_small_selection_at_once(
    team: Team, user: User, two_results: list[Generation], client_for: Callable[[User], Client]
) -> None:
    response = ask_for_zip(client_for(user), team, two_results)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="aitre-')
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    check_zip(content, two_results)
    assert "一座雪山上的城堡".encode() in zipfile.ZipFile(io.BytesIO(content)).read("manifest.json")
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOADED)
    assert (event.actor, sorted(event.data["generations"])) == (user, sorted(g.pk for g in two_results))
    assert not ZipExport.objects.exists()


def test_history_bulk_zip_above_the_stream_limit_queues_a_background_export(
    team: Team,
    user: User,
    two_results: list[Generation],
    client_for: Callable[[User], Client],
    settings,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    settings.ZIP_STREAM_MAX_BYTES = 100

    with django_capture_on_commit_callbacks() as queued:
        response = ask_for_zip(client_for(user), team, two_results)

    export = ZipExport.objects.get()
    assert response["Location"] == reverse("zip_export_detail", args=[team.pk, export.pk])
    assert (export.status, export.progress, export.requested_by) == (ZipExport.Status.QUEUED, 0, user)
    assert sorted(export.generation_ids) == sorted(g.pk for g in two_results)
    assert len(queued) == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOADED, actor=user).count() == 1


def queued_export(team: Team, user: User, generations: list[Generation]) -> ZipExport:
    return ZipExport.objects.create(team=team, requested_by=user, generation_ids=[g.pk for g in generations])


def test_build_zip_export_builds_to_ready_with_a_downloadable_zip(
    team: Team, user: User, two_results: list[Generation], client_for: Callable[[User], Client]
) -> None:
    export = queued_export(team, user, two_results)

    build_zip_export(export.pk)

    export.refresh_from_db()
    assert (export.status, export.progress) == (ZipExport.Status.READY, 100)
    assert export.finished_at is not None
    response = client_for(user).get(reverse("zip_export_download", args=[team.pk, export.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    check_zip(content, two_results)


def test_build_zip_export_twice_builds_once(team: Team, user: User, two_results: list[Generation]) -> None:
    export = queued_export(team, user, two_results)

    build_zip_export(export.pk)
    first = ZipExport.objects.get(pk=export.pk)
    build_zip_export(export.pk)
    second = ZipExport.objects.get(pk=export.pk)

    assert (second.file.name, second.finished_at, second.status) == (
        first.file.name,
        first.finished_at,
        ZipExport.Status.READY,
    )
    assert default_storage.listdir("exports")[1] == [first.file.name.rsplit("/", 1)[-1]]


def test_build_zip_export_leaves_out_generations_of_another_team(
    team: Team, user: User, project: Project, other_team_user: User
) -> None:
    foreign = make_generation(
        factories.make_project(factories.make_team(other_team_user)), other_team_user, image=(1, 1, 1)
    )
    mine = make_generation(project, user, image=(2, 2, 2))
    export = queued_export(team, user, [mine, foreign])

    build_zip_export(export.pk)

    export.refresh_from_db()
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert [record["id"] for record in json.loads(archive.read("manifest.json"))] == [mine.pk]


def test_zip_export_detail_shows_progress_while_building(
    team: Team, user: User, two_results: list[Generation], client_for: Callable[[User], Client]
) -> None:
    export = queued_export(team, user, two_results)
    ZipExport.objects.filter(pk=export.pk).update(status=ZipExport.Status.BUILDING, progress=40)
    client = client_for(user)
    url = reverse("zip_export_detail", args=[team.pk, export.pk])

    page = client.get(url)
    partial = client.get(url, headers=HTMX)

    assert page.status_code == 200
    assert "<html" in page.text
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div id="export-status"')
    assert 'hx-trigger="every 2s"' in partial.text
    assert 'value="40"' in partial.text


def test_zip_export_detail_htmx_stops_the_poll_with_286_when_ready(
    team: Team, user: User, two_results: list[Generation], client_for: Callable[[User], Client]
) -> None:
    export = queued_export(team, user, two_results)
    build_zip_export(export.pk)

    partial = client_for(user).get(reverse("zip_export_detail", args=[team.pk, export.pk]), headers=HTMX)

    assert partial.status_code == 286
    assert reverse("zip_export_download", args=[team.pk, export.pk]) in partial.text
    assert "hx-trigger" not in partial.text


def test_zip_export_download_404s_until_ready(
    team: Team, user: User, two_results: list[Generation], client_for: Callable[[User], Client]
) -> None:
    export = queued_export(team, user, two_results)

    response = client_for(user).get(reverse("zip_export_download", args=[team.pk, export.pk]))

    assert response.status_code == 404


def test_zip_export_is_readable_by_viewers(
    team: Team,
    user: User,
    viewer: User,
    two_results: list[Generation],
    client_for: Callable[[User], Client],
) -> None:
    export = queued_export(team, user, two_results)
    build_zip_export(export.pk)
    client = client_for(viewer)

    detail = client.get(reverse("zip_export_detail", args=[team.pk, export.pk]))
    download = client.get(reverse("zip_export_download", args=[team.pk, export.pk]))

    assert (detail.status_code, download.status_code) == (200, 200)
    assert b"".join(download.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
