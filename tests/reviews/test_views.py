"""The review views: setting a state (htmx box), role checks, the detail page, History and the setting.

404s for another team are in tests/test_tenant_isolation.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Role, Team, User
from studio.comments.services import post_comment
from studio.generations.models import Generation
from studio.projects.models import Project
from studio.reviews import services as reviews
from studio.reviews.models import Review, ReviewState
from tests.history.test_services import make_generation
from tests.history.test_views import seed_gallery, tile_ids

HTMX = {"HX-Request": "true"}


@pytest.fixture
def generation(project: Project, user: User) -> Generation:
    return make_generation(project, user, prompt="a lighthouse at dusk", image=(10, 20, 30))


def test_generation_review_sets_the_state_and_answers_htmx_with_the_box(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_review", args=[generation.pk]), {"state": "approved"}, headers=HTMX
    )

    assert response.status_code == 200
    assert f'id="review-{generation.pk}"' in response.text
    assert "Approved" in response.text
    assert f"by {user.name}" in response.text
    assert Review.objects.get(generation=generation).state == ReviewState.APPROVED


def test_generation_review_without_htmx_redirects_to_the_detail_page(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_review", args=[generation.pk]), {"state": "rejected"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("generation_detail", args=[generation.pk])
    assert Review.objects.get(generation=generation).state == ReviewState.REJECTED


def test_generation_review_clears_with_an_empty_state(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    reviews.set_review(generation=generation, user=user, state=ReviewState.APPROVED)

    response = client_for(user).post(
        reverse("generation_review", args=[generation.pk]), {"state": ""}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Not reviewed" in response.text
    assert not Review.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_generation_review_403s_for_roles_that_may_not_review(
    role: str, generation: Generation, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    response = client_for(member_of(role)).post(
        reverse("generation_review", args=[generation.pk]), {"state": "approved"}
    )

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_generation_review_lets_members_review_once_the_team_allows_it(
    team: Team,
    user: User,
    generation: Generation,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    reviews.set_reviewer_roles(team=team, user=user, roles=[Role.MEMBER])
    member = member_of(Role.MEMBER)

    response = client_for(member).post(
        reverse("generation_review", args=[generation.pk]), {"state": "needs_changes"}, headers=HTMX
    )

    assert response.status_code == 200
    assert Review.objects.get(generation=generation).set_by == member


def test_generation_review_refuses_an_unknown_state(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(reverse("generation_review", args=[generation.pk]), {"state": "maybe"})

    assert response.status_code == 400
    assert not Review.objects.exists()


def test_generation_review_requires_login(generation: Generation, client: Client) -> None:
    response = client.post(reverse("generation_review", args=[generation.pk]), {"state": "approved"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Review.objects.exists()


def test_generation_detail_shows_the_state_and_who_set_it_and_buttons_to_reviewers_only(
    generation: Generation,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    reviews.set_review(generation=generation, user=user, state=ReviewState.NEEDS_CHANGES)
    url = reverse("generation_detail", args=[generation.pk])

    as_owner = client_for(user).get(url)
    as_member = client_for(member_of(Role.MEMBER)).get(url)

    for response in (as_owner, as_member):
        assert "Needs changes" in response.text
        assert f"by {user.name}" in response.text
    assert reverse("generation_review", args=[generation.pk]) in as_owner.text
    assert reverse("generation_review", args=[generation.pk]) not in as_member.text


def test_history_filter_by_review_state(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    approved = make_generation(project, user, prompt="approved one")
    rejected = make_generation(project, user, prompt="rejected one")
    untouched = make_generation(project, user, prompt="untouched one")
    reviews.set_review(generation=approved, user=user, state=ReviewState.APPROVED)
    reviews.set_review(generation=rejected, user=user, state=ReviewState.REJECTED)
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])

    def shown(*states: str) -> set[int]:
        return set(tile_ids(client.get(url, {"review": list(states)}).text))

    assert shown("approved") == {approved.pk}
    assert shown("none") == {untouched.pk}
    assert shown("rejected", "none") == {rejected.pk, untouched.pk}
    assert shown() == {approved.pk, rejected.pk, untouched.pk}


def test_history_tile_shows_the_review_badge_and_comment_count(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    reviews.set_review(generation=generation, user=user, state=ReviewState.APPROVED)
    post_comment(generation=generation, author=user, body="first")
    post_comment(generation=generation, author=user, body="second")

    response = client_for(user).get(reverse("team_history", args=[project.team_id]))

    tile = response.text.split(f'id="tile-{generation.pk}"', 1)[1].split("</li>\n", 1)[0]
    assert "review-approved" in tile
    assert f"Reviewed by {user.name}" in tile
    assert "2 comments" in tile


@pytest.mark.parametrize("page", ["project", "team"])
def test_history_query_count_stays_the_same_with_reviews_and_comments(
    page: str,
    project: Project,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    seed_gallery(project, user, member_of(Role.MEMBER), 100)
    for index, generation in enumerate(Generation.objects.order_by("pk")):
        if index % 2:
            reviews.set_review(generation=generation, user=user, state=ReviewState.values[index % 3])
        if index % 3 == 0:
            post_comment(generation=generation, author=user, body=f"note {index}")
    client = client_for(user)
    url = (
        reverse("project_history", args=[project.pk])
        if page == "project"
        else reverse("team_history", args=[project.team_id])
    )
    client.get(url)  # Warms the session, the filter options and the first 24 tiles' HTML.

    with django_assert_max_num_queries(8) as small:
        response = client.get(url)
    with django_assert_num_queries(len(small.captured_queries) + 1):  # the rows of the 72 tiles not cached
        client.get(url, {"size": "96"})
    with django_assert_num_queries(len(small.captured_queries)):
        large = client.get(url, {"size": "96"})

    assert len(tile_ids(response.text)) == 24
    assert "review-badge" in large.text
    assert "1 comment" in large.text


def test_team_review_settings_lets_owners_choose_reviewer_roles(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    url = reverse("team_review_settings", args=[team.pk])

    page = client.get(url)
    response = client.post(url, {"roles": ["admin", "member"]})

    assert page.status_code == 200
    assert 'name="roles" value="admin" checked' in page.text
    assert response.status_code == 302
    assert sorted(reviews.reviewer_roles(team)) == ["admin", "member", "owner"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_team_review_settings_403s_for_members_who_do_not_manage_the_team(
    role: str, team: Team, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    client = client_for(member_of(role))
    url = reverse("team_review_settings", args=[team.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"roles": ["member", "viewer"]}).status_code == 403
    assert sorted(reviews.reviewer_roles(team)) == ["admin", "owner"]


def test_team_review_settings_requires_login(team: Team, client: Client) -> None:
    response = client.get(reverse("team_review_settings", args=[team.pk]))

    assert response.status_code == 302
