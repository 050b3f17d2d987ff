"""Answers to signed-in people are never cached; bad requests get the studio's own 400 page."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studio.accounts.models import Team, User
from studio.generations import services
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests.lib.test_serving import png_bytes


def test_signed_in_pages_are_private_and_not_stored(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    for url in (
        reverse("project_list", args=[project.team_id]),
        reverse("project_detail", args=[project.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_signed_in_htmx_fragments_and_redirects_are_not_stored(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("team_switch", args=[team.pk]))

    assert response.status_code in (200, 302)
    assert response["Cache-Control"] == "private, no-store"


def test_answers_that_choose_their_own_caching_keep_it(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("holiday.png", png_bytes(), content_type="image/png")
    asset = services.store_upload(project=project, user=user, upload=upload, allowed={MediaKind.IMAGE})

    response = client_for(user).get(reverse("asset_file", args=[asset.pk, "file"]))
    response.close()

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=3600"


def test_the_sandbox_is_left_alone_even_for_a_signed_in_person(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get("/sandbox/v1/models", headers={"Authorization": "Bearer sk-test"})

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_malformed_request_gets_the_studios_400_page(user: User, client_for, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{n}": "x" for n in range(20)}

    response = client_for(user).post(reverse("profile"), fields)

    assert response.status_code == 400
    assert "The studio could not read that request" in response.text
    assert user.email in response.text  # the layout, with the signed-in person's menu
    assert response["Cache-Control"] == "private, no-store"


def test_a_request_for_an_unknown_host_gets_the_studios_400_page(client, db: None) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert "The studio could not read that request" in response.text
