"""Use cases of comments: writing one (mentions resolved to team members, notifications sent), deleting."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from studio.accounts.models import Membership, User
from studio.comments.models import MAX_COMMENT_LENGTH, Comment
from studio.generations.models import Generation
from studio.notifications.services import notify

EXCERPT_LENGTH = 140


class CommentRuleError(Exception):
    """A comment the rules refuse; the message is shown to the user as it is."""


def clean_body(body: str) -> str:
    """The comment's text without surrounding blank space; refuses empty and oversized text."""
    cleaned = body.strip().replace("\r\n", "\n")
    if not cleaned:
        raise CommentRuleError(_("Write something before posting the comment."))
    if len(cleaned) > MAX_COMMENT_LENGTH:
        raise CommentRuleError(
            _("A comment can be at most %(limit)d characters long (this one has %(count)d).")
            % {"limit": MAX_COMMENT_LENGTH, "count": len(cleaned)}
        )
    return cleaned


def _handles(user: User) -> list[str]:
    """What a teammate may type after @ to mean this user: display name, e-mail, or e-mail's name."""
    handles = [user.email, user.email.split("@", 1)[0]]
    if user.display_name:
        handles.append(user.display_name)
    return [handle for handle in handles if handle]


def resolve_mentions(body: str, members: Iterable[User]) -> list[User]:
    """The team members the text @mentions; names of anyone outside the team mean nothing.

    The longest handle wins at each @, so "@Ann Lee" means Ann Lee even when someone is called "Ann".
    """
    candidates = sorted(
        ((handle, member) for member in members for handle in _handles(member)),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    found: dict[int, User] = {}
    for at in re.finditer(r"(?<![\w@])@", body):
        rest = body[at.end() :]
        for handle, member in candidates:
            if rest[: len(handle)].casefold() == handle.casefold() and not re.match(
                r"[\w]", rest[len(handle) : len(handle) + 1]
            ):
                found.setdefault(member.pk, member)
                break
    return list(found.values())


def _title(generation: Generation) -> str:
    return f"#{generation.pk} {generation.get_kind_display()}"


def post_comment(
    *, generation: Generation, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """Adds a comment (or a reply) to a generation; the caller has checked the author may comment.

    Side effects: the Comment row with its mentions; `mention` notifications to the members it mentions and
    `comment` notifications to the generation's author and the thread's other participants (never to the
    commenter themself, never twice to one person).
    """
    text = clean_body(body)
    if parent is not None:
        if parent.generation_id != generation.pk:
            raise CommentRuleError(_("You can only reply to a comment on the same result."))
        # One level of replies: answering a reply joins its thread.
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
    members = [
        membership.user
        for membership in Membership.objects.filter(team_id=generation.team_id).select_related("user")
    ]
    mentioned = [user for user in resolve_mentions(text, members) if user.pk != author.pk]
    mentioned_ids = {user.pk for user in mentioned}
    participant_ids = set(Comment.objects.filter(generation=generation).values_list("author_id", flat=True))
    if generation.created_by_id is not None:
        participant_ids.add(generation.created_by_id)
    others = [
        member
        for member in members
        if member.pk in participant_ids and member.pk != author.pk and member.pk not in mentioned_ids
    ]
    params = {"actor": author.name, "title": _title(generation), "excerpt": text[:EXCERPT_LENGTH]}
    with transaction.atomic():
        comment = Comment.objects.create(
            team_id=generation.team_id, generation=generation, author=author, parent=parent, body=text
        )
        comment.mentions.set(mentioned)
        if mentioned:
            notify(recipients=mentioned, team=generation.team, kind="mention", target=comment, params=params)
        if others:
            notify(recipients=others, team=generation.team, kind="comment", target=comment, params=params)
    return comment


def can_delete_comment(comment: Comment, membership: Membership) -> bool:
    """Authors delete their own comments; owners and admins delete any in their team."""
    if membership.team_id != comment.team_id:
        return False
    return comment.author_id == membership.user_id or membership.can_manage_team


def delete_comment(*, comment: Comment) -> int:
    """Deletes a comment with its replies; returns how many comments went. The caller checked the right."""
    with transaction.atomic():
        count = 1 + comment.replies.count()
        comment.delete()
    return count
