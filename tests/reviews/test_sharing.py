"""Project share links for approved results only: the flag, the served set, and 404 for the others' files."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from studio.accounts.models import User
from studio.generations.models import Asset
from studio.projects.models import Project
from studio.reviews import services as reviews
from studio.reviews.models import ReviewState
from studio.sharing import services as sharing
from studio.sharing.models import ShareLink
from tests.sharing.test_services import make_result, share
from tests.sharing.test_views import fetch, media_url, page_url


def approve(asset: Asset, user: User, state: str = ReviewState.APPROVED) -> None:
    assert asset.generation is not None
    reviews.set_review(generation=asset.generation, user=user, state=state)


def test_share_link_create_stores_the_only_approved_choice(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("share_link_create", args=[project.pk]),
        {"scope": "project", "expires": "never", "only_approved": "on"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Only approved results are shown." in response.text
    assert ShareLink.objects.get().only_approved is True


def test_project_share_form_offers_only_approved_results(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("project_history", args=[project.pk]))

    assert 'name="only_approved"' in response.text


def test_only_approved_project_link_serves_approved_results_and_404s_the_others(
    project: Project, user: User, client: Client
) -> None:
    approved = make_result(project, user, prompt="approved fox")
    needs_changes = make_result(project, user, prompt="draft fox")
    unreviewed = make_result(project, user, prompt="raw fox")
    approve(approved, user)
    approve(needs_changes, user, ReviewState.NEEDS_CHANGES)
    link, token = share(user, ShareLink.Scope.PROJECT, project, only_approved=True)
    _everything, all_token = share(user, ShareLink.Scope.PROJECT, project)

    page = client.get(page_url(token))

    assert list(sharing.covered_assets(link)) == [approved]
    assert media_url(token, approved) in page.text
    assert media_url(token, needs_changes) not in page.text
    assert fetch(client, media_url(token, approved)).status_code == 200
    for hidden in (needs_changes, unreviewed):
        assert fetch(client, media_url(token, hidden)).status_code == 404
        assert fetch(client, media_url(token, hidden, "thumb")).status_code == 404
        assert fetch(client, media_url(all_token, hidden)).status_code == 200


def test_only_approved_link_follows_reviews_as_they_change(
    project: Project, user: User, client: Client
) -> None:
    asset = make_result(project, user)
    _link, token = share(user, ShareLink.Scope.PROJECT, project, only_approved=True)

    before = fetch(client, media_url(token, asset)).status_code
    approve(asset, user)
    approved = fetch(client, media_url(token, asset)).status_code
    approve(asset, user, "")
    cleared = fetch(client, media_url(token, asset)).status_code

    assert (before, approved, cleared) == (404, 200, 404)
