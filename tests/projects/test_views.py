"""Projects: listing, creating, editing, archiving and deleting, for each role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.accounts.models import Role, Team, User
from studio.projects.models import Project
from tests import factories


@pytest.mark.parametrize("name", ["project_detail", "project_edit", "project_delete"])
def test_project_pages_require_login(name: str, project: Project, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name, args=[project.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_project_list_shows_active_projects_only(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    factories.make_project(team, "Visible")
    archived = factories.make_project(team, "Old stuff")
    archived.archived_at = archived.created_at
    archived.save()

    response = client_for(user).get(reverse("project_list", args=[team.pk]))

    assert response.status_code == 200
    assert "Visible" in response.text
    assert "Old stuff" not in response.text


def test_project_list_htmx_returns_only_the_list_partial(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    archived = factories.make_project(team, "Old stuff")
    archived.archived_at = archived.created_at
    archived.save()

    response = client_for(user).get(
        reverse("project_list", args=[team.pk]) + "?archived=1", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="project-list"')
    assert "Old stuff" in response.text
    assert "<html" not in response.text


def test_project_list_query_count_does_not_grow_with_projects(
    team: Team, user: User, client_for, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    for index in range(3):
        factories.make_project(team, f"P{index}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("project_list", args=[team.pk]))
    for index in range(30):
        factories.make_project(team, f"Q{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("project_list", args=[team.pk]))


def test_project_create_opens_the_new_project(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("project_create", args=[team.pk]), {"name": "Spring campaign", "description": "Ads"}
    )

    project = Project.objects.get(name="Spring campaign")
    assert response["Location"] == project.get_absolute_url()
    assert (project.team, project.created_by, project.description) == (team, user, "Ads")


def test_project_create_keeps_input_and_shows_error_when_name_missing(
    team: Team, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("project_create", args=[team.pk]), {"name": "", "description": "Keep me"}
    )

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Keep me" in response.text
    assert not Project.objects.exists()


def test_project_create_forbidden_for_viewer(team: Team, viewer: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).post(reverse("project_create", args=[team.pk]), {"name": "Nope"})

    assert response.status_code == 403
    assert not Project.objects.exists()


def test_project_detail_shows_empty_state(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    assert response.status_code == 200
    assert "Launch film" in response.text
    assert "Nothing generated in this project yet." in response.text
    assert "Edit project" in response.text


def test_project_detail_is_read_only_for_viewer(project: Project, viewer: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).get(reverse("project_detail", args=[project.pk]))

    assert response.status_code == 200
    assert "Edit project" not in response.text
    assert "you can look but not generate" in response.text


def test_project_edit_renames_and_describes(project: Project, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)

    response = client_for(member).post(
        reverse("project_edit", args=[project.pk]), {"name": "Final cut", "description": "v2"}
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.description) == ("Final cut", "v2")


@pytest.mark.parametrize("name", ["project_edit", "project_archive", "project_unarchive", "project_delete"])
def test_project_changes_forbidden_for_viewer(name: str, project: Project, viewer: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).post(
        reverse(name, args=[project.pk]), {"name": "Changed", "confirm_name": "Launch film"}
    )

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.name == "Launch film"
    assert project.archived_at is None


def test_project_archive_and_unarchive(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    client.post(reverse("project_archive", args=[project.pk]))
    project.refresh_from_db()
    assert project.is_archived

    client.post(reverse("project_unarchive", args=[project.pk]))
    project.refresh_from_db()
    assert not project.is_archived


def test_project_delete_needs_the_exact_name(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    wrong = client.post(reverse("project_delete", args=[project.pk]), {"confirm_name": "launch"})
    assert wrong.status_code == 400
    assert Project.objects.filter(pk=project.pk).exists()

    right = client.post(reverse("project_delete", args=[project.pk]), {"confirm_name": "Launch film"})
    assert right["Location"] == reverse("project_list", args=[project.team_id])
    assert not Project.objects.filter(pk=project.pk).exists()


def test_project_delete_get_asks_for_confirmation(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("project_delete", args=[project.pk]))

    assert response.status_code == 200
    assert "cannot be undone" in response.text
    assert Project.objects.filter(pk=project.pk).exists()
