"""The workspace's task cards show a result's review state and comment count, in the same queries."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studio.accounts.models import User
from studio.comments.services import post_comment
from studio.projects.models import Project
from studio.reviews import services as reviews
from studio.reviews.models import ReviewState
from tests.history.test_services import make_generation


def test_workspace_cards_show_review_state_and_comment_count_without_more_queries(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    plain = make_generation(project, user, prompt="a plain one", image=(1, 2, 3))
    url = reverse("project_detail", args=[project.pk])
    client.get(url)  # the first visit fills per-team caches (model list, filters); measure the next one
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200

    reviewed = make_generation(project, user, prompt="a reviewed one", image=(4, 5, 6))
    reviews.set_review(generation=reviewed, user=user, state=ReviewState.APPROVED)
    post_comment(generation=reviewed, author=user, body="Looks right")
    post_comment(generation=reviewed, author=user, body="Ship it")
    client.get(url)  # renders and stores the new card: a card not yet cached costs two queries, once
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).text

    card = page.split(f'id="generation-{reviewed.pk}"', 1)[1].split("</article>", 1)[0]
    assert "review-approved" in card
    assert f"Reviewed by {user.name}" in card
    assert "2 comments" in card
    other = page.split(f'id="generation-{plain.pk}"', 1)[1].split("</article>", 1)[0]
    assert "review-badge" not in other
    assert "comment-count" not in other
    assert len(after.captured_queries) == len(before.captured_queries)


def test_cached_finished_cards_and_tiles_show_a_review_or_comment_added_later(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    generation = make_generation(project, user, prompt="cached first", image=(7, 8, 9))
    pages = [reverse("project_detail", args=[project.pk]), reverse("project_history", args=[project.pk])]
    for url in pages:  # render, and store the finished card's HTML
        assert "review-badge" not in client.get(url).text

    reviews.set_review(generation=generation, user=user, state=ReviewState.REJECTED)
    post_comment(generation=generation, author=user, body="Not this one")

    for url in pages:
        page = client.get(url).text
        assert "review-rejected" in page, url
        assert "1 comment" in page, url
