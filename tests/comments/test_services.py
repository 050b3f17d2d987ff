"""Comments: the rules on their text, mentions resolved to team members only, replies, notifications."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studio.accounts.models import Role, User
from studio.comments import services as comments
from studio.comments.models import MAX_COMMENT_LENGTH, Comment
from studio.notifications.models import Notification
from studio.projects.models import Project
from tests import factories
from tests.history.test_services import make_generation


def received(kind: str) -> set[str]:
    return {n.recipient.email for n in Notification.objects.filter(kind=kind).select_related("recipient")}


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_post_comment_refuses_empty_text_with_a_clear_message(
    project: Project, user: User, body: str
) -> None:
    generation = make_generation(project, user)

    with pytest.raises(comments.CommentRuleError, match="Write something"):
        comments.post_comment(generation=generation, author=user, body=body)

    assert not Comment.objects.exists()


def test_post_comment_refuses_text_over_the_limit(project: Project, user: User) -> None:
    generation = make_generation(project, user)

    with pytest.raises(comments.CommentRuleError, match=f"at most {MAX_COMMENT_LENGTH}"):
        comments.post_comment(generation=generation, author=user, body="x" * (MAX_COMMENT_LENGTH + 1))

    comments.post_comment(generation=generation, author=user, body="x" * MAX_COMMENT_LENGTH)
    assert Comment.objects.count() == 1


def test_resolve_mentions_matches_display_names_and_email_names_of_members_only(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    ann = member_of(Role.MEMBER)
    ann.display_name = "Ann Lee"
    ann.save()
    annie = factories.make_user("ann@example.com")
    factories.add_member(project.team, annie)
    outsider = factories.make_user("bob@example.com")
    members = [m.user for m in project.team.memberships.select_related("user")]

    found = comments.resolve_mentions("Thanks @ann lee and @Ann, ping @bob and mail@ann too", members)

    assert {u.pk for u in found} == {ann.pk, annie.pk}
    assert outsider.pk not in {u.pk for u in found}
    assert comments.resolve_mentions("@annie is not @ann", [annie]) == [annie]


def test_post_comment_notifies_mentions_and_participants_but_never_the_commenter(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    author = user  # made the generation
    earlier = member_of(Role.MEMBER)
    mentioned = member_of(Role.VIEWER)
    commenter = member_of(Role.MEMBER)
    bystander = member_of(Role.MEMBER)
    generation = make_generation(project, author)
    comments.post_comment(generation=generation, author=earlier, body="First thoughts")
    Notification.objects.all().delete()

    comment = comments.post_comment(
        generation=generation,
        author=commenter,
        body=f"@{mentioned.email.split('@')[0]} look, and @{commenter.email.split('@')[0]} myself",
    )

    assert list(comment.mentions.all()) == [mentioned]
    assert received("mention") == {mentioned.email}
    assert received("comment") == {author.email, earlier.email}
    assert bystander.email not in received("comment") | received("mention")
    notification = Notification.objects.filter(kind="mention").get()
    assert notification.params["actor"] == commenter.name
    assert notification.params["excerpt"].endswith("myself")
    assert notification.target_url.endswith(f"#comment-{comment.pk}")


def test_post_comment_does_not_notify_a_mentioned_author_twice(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    generation = make_generation(project, user)

    comments.post_comment(generation=generation, author=member_of(Role.MEMBER), body="@owner thoughts?")

    assert received("mention") == {user.email}
    assert received("comment") == set()


def test_post_comment_reply_to_a_reply_joins_the_thread(project: Project, user: User) -> None:
    generation = make_generation(project, user)
    root = comments.post_comment(generation=generation, author=user, body="root")
    reply = comments.post_comment(generation=generation, author=user, body="reply", parent=root)

    nested = comments.post_comment(generation=generation, author=user, body="nested", parent=reply)

    assert nested.parent == root


def test_post_comment_refuses_a_parent_on_another_generation(project: Project, user: User) -> None:
    first, second = make_generation(project, user), make_generation(project, user)
    root = comments.post_comment(generation=first, author=user, body="root")

    with pytest.raises(comments.CommentRuleError):
        comments.post_comment(generation=second, author=user, body="reply", parent=root)


def test_delete_comment_removes_its_replies(project: Project, user: User) -> None:
    generation = make_generation(project, user)
    root = comments.post_comment(generation=generation, author=user, body="root")
    comments.post_comment(generation=generation, author=user, body="reply", parent=root)
    kept = comments.post_comment(generation=generation, author=user, body="other")

    assert comments.delete_comment(comment=root) == 2
    assert list(Comment.objects.all()) == [kept]
