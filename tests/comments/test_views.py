"""The comment views: posting (htmx thread), refusing bad input, deleting, time zones, login and roles.

404s for another team are in tests/test_tenant_isolation.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Role, User
from studio.comments import services as comments
from studio.comments.models import Comment
from studio.generations.models import Generation
from studio.projects.models import Project
from tests.history.test_services import make_generation

HTMX = {"HX-Request": "true"}


@pytest.fixture
def generation(project: Project, user: User) -> Generation:
    return make_generation(project, user)


def test_comment_create_answers_htmx_with_the_thread_and_escapes_the_text(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("comment_create", args=[generation.pk]),
        {"body": "<script>alert(1)</script> looks good"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert 'id="comments"' in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; looks good" in response.text
    assert "<script>alert" not in response.text
    assert Comment.objects.get().author == user


def test_comment_create_shows_why_an_empty_comment_is_refused(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("comment_create", args=[generation.pk]), {"body": "  "}, headers=HTMX
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "Write something before posting the comment." in response.text
    assert not Comment.objects.exists()


def test_comment_create_keeps_an_oversized_draft_with_the_error(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    text = "y" * 2001
    response = client_for(user).post(
        reverse("comment_create", args=[generation.pk]), {"body": text}, headers=HTMX
    )

    assert "at most 2000 characters" in response.text
    assert text in response.text
    assert not Comment.objects.exists()


def test_comment_create_posts_a_reply_under_its_comment(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    root = comments.post_comment(generation=generation, author=user, body="root")

    response = client_for(user).post(
        reverse("comment_create", args=[generation.pk]), {"body": "answer", "parent": root.pk}, headers=HTMX
    )

    assert Comment.objects.get(body="answer").parent == root
    assert 'class="comment-replies plain"' in response.text


def test_comment_create_404s_for_a_parent_on_another_generation(
    project: Project, generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    elsewhere = comments.post_comment(generation=make_generation(project, user), author=user, body="x")

    response = client_for(user).post(
        reverse("comment_create", args=[generation.pk]), {"body": "answer", "parent": elsewhere.pk}
    )

    assert response.status_code == 404
    assert not Comment.objects.filter(body="answer").exists()


def test_comment_create_without_htmx_redirects_to_the_comments(
    generation: Generation, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(reverse("comment_create", args=[generation.pk]), {"body": "hello"})

    assert response.status_code == 302
    assert response["Location"].endswith("#comments")


def test_comment_create_403s_for_viewers(
    generation: Generation, viewer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(viewer).post(reverse("comment_create", args=[generation.pk]), {"body": "hi"})

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_comment_create_requires_login(generation: Generation, client: Client) -> None:
    response = client.post(reverse("comment_create", args=[generation.pk]), {"body": "hi"})

    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_comment_delete_by_its_author(
    generation: Generation, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    author = member_of(Role.MEMBER)
    comment = comments.post_comment(generation=generation, author=author, body="mine")

    response = client_for(author).post(reverse("comment_delete", args=[comment.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "No comments yet." in response.text
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("role", "status"), [(Role.ADMIN, 200), (Role.MEMBER, 403), (Role.VIEWER, 403)])
def test_comment_delete_by_someone_else_only_for_owners_and_admins(
    role: str,
    status: int,
    generation: Generation,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    comment = comments.post_comment(generation=generation, author=user, body="the owner's")

    response = client_for(member_of(role)).post(reverse("comment_delete", args=[comment.pk]), headers=HTMX)

    assert response.status_code == status
    assert Comment.objects.exists() is (status == 403)


def test_comment_delete_requires_login(generation: Generation, user: User, client: Client) -> None:
    comment = comments.post_comment(generation=generation, author=user, body="x")

    assert client.post(reverse("comment_delete", args=[comment.pk])).status_code == 302
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_generation_detail_shows_comments_in_the_viewers_time_zone(
    generation: Generation, user: User, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    comment = comments.post_comment(generation=generation, author=user, body="evening light")
    Comment.objects.filter(pk=comment.pk).update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    tokyo = member_of(Role.VIEWER)
    tokyo.time_zone = "Asia/Tokyo"
    tokyo.save()

    as_owner = client_for(user).get(reverse("generation_detail", args=[generation.pk]))
    as_tokyo = client_for(tokyo).get(reverse("generation_detail", args=[generation.pk]))

    assert "evening light" in as_tokyo.text
    assert 'datetime="2026-03-01T23:30:00+00:00"' in as_owner.text
    assert 'datetime="2026-03-02T08:30:00+09:00"' in as_tokyo.text
    # A viewer reads comments but has no form to write one.
    assert 'id="new-comment"' in as_owner.text
    assert 'id="new-comment"' not in as_tokyo.text
