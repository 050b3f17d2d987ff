"""Pages show only what the role and the project's state allow; the server refuses the rest anyway."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import Team, User
from studio.generations import services
from studio.generations.models import Generation, Kind, Status
from studio.projects.models import Project
from studio.sharing.models import ShareLink
from tests.sharing.test_services import make_result, share

HTMX = {"HTTP_HX_REQUEST": "true"}


def archive(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(archived_at=timezone.now())
    project.refresh_from_db()
    return project


# History: the bulk bar ------------------------------------------------------------------------------


def test_project_history_shows_editors_the_bulk_bar(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    make_result(project, user)

    response = client_for(user).get(reverse("project_history", args=[project.pk]))

    assert 'id="bulk-action"' in response.text
    assert "Apply to selected" in response.text
    assert 'name="ids"' in response.text


def test_project_history_shows_viewers_a_download_button_and_no_bulk_bar(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    make_result(project, user)

    response = client_for(viewer).get(reverse("project_history", args=[project.pk]))

    assert response.status_code == 200
    assert 'id="bulk-action"' not in response.text
    assert 'id="bulk-target"' not in response.text
    assert 'id="bulk-tag"' not in response.text
    assert "Apply to selected" not in response.text
    assert "Download selected as ZIP" in response.text
    assert 'name="action" value="zip"' in response.text


def test_project_trash_shows_viewers_no_form_and_no_checkboxes(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user)
    Generation.objects.filter(pk=asset.generation_id).update(deleted_at=timezone.now())

    response = client_for(viewer).get(reverse("project_trash", args=[project.pk]))

    assert response.status_code == 200
    assert 'id="bulk-form"' not in response.text
    assert 'name="ids"' not in response.text


@pytest.mark.parametrize("action", ["move", "copy", "tag", "trash"])
def test_history_bulk_still_403s_for_viewers(
    action: str, team: Team, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user)

    response = client_for(viewer).post(
        reverse("history_bulk", args=[team.pk]),
        {"action": action, "ids": [asset.generation_id], "target": project.pk, "tag": "x"},
    )

    assert response.status_code == 403


# The project page: the make form -------------------------------------------------------------------


def test_project_detail_shows_viewers_no_generate_form(
    project: Project, viewer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(viewer).get(reverse("project_detail", args=[project.pk]))

    assert response.status_code == 200
    assert reverse("generation_create", args=[project.pk]) not in response.text
    assert "Generate" not in response.text
    assert "you can look but not generate" in response.text


def test_project_detail_of_an_archived_project_shows_why_and_no_form(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    archive(project)

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    assert response.status_code == 200
    assert "This project is archived, so nothing new can be made in it." in response.text
    assert reverse("generation_create", args=[project.pk]) not in response.text


def test_generation_create_in_an_archived_project_answers_the_message_and_records_nothing(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    archive(project)
    data = {
        "family": "veo3",
        "veo3-model": "veo3-fast",
        "veo3-prompt": "a red fox",
        "veo3-aspect_ratio": "16:9",
    }

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), data)

    assert response.status_code == 400
    assert "This project is archived, so nothing new can be made in it." in response.text
    assert not Generation.objects.exists()


def test_start_generation_refuses_an_archived_project(project: Project, user: User) -> None:
    archive(project)

    with pytest.raises(services.ProjectArchived, match="This project is archived"):
        services.start_generation(
            project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt="a fox", params={}
        )

    assert not Generation.objects.exists()


def test_generation_retry_in_an_archived_project_shows_the_message(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    failed = Generation.objects.create(
        team=project.team,
        project=project,
        created_by=user,
        kind=Kind.VEO3_VIDEO,
        model="veo3-fast",
        prompt="a fox",
        status=Status.FAILED,
    )
    archive(project)

    response = client_for(user).post(reverse("generation_retry", args=[failed.pk]), **HTMX)

    assert "This project is archived" in response.text
    assert Generation.objects.count() == 1


# The Links page: tokens ----------------------------------------------------------------------------


def test_team_links_shows_editors_the_addresses(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    _link, token = share(user, ShareLink.Scope.PROJECT, project)

    response = client_for(user).get(reverse("team_links", args=[team.pk]))

    assert token in response.text


def test_team_links_never_shows_viewers_a_live_token(
    team: Team, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    link, token = share(user, ShareLink.Scope.PROJECT, project)

    response = client_for(viewer).get(reverse("team_links", args=[team.pk]))

    assert response.status_code == 200
    assert f'id="link-{link.pk}"' in response.text
    assert token not in response.text
    assert "/s/" not in response.text
    assert "viewers cannot copy links" in response.text
