"""Use cases of reviews: who may review in a team, setting or clearing a result's state, and the setting."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent, Membership, Role, Team, User
from studio.generations.models import Generation
from studio.reviews.models import DEFAULT_REVIEWER_ROLES, Review, ReviewSettings, ReviewState


class ReviewRuleError(Exception):
    """A review change the rules refuse; the message is shown to the user as it is."""


def reviewer_roles(team: Team) -> list[str]:
    """The roles that may review the team's results (owners and admins until someone chooses)."""
    chosen = ReviewSettings.objects.filter(team=team).values_list("reviewer_roles", flat=True).first()
    return list(chosen) if chosen else list(DEFAULT_REVIEWER_ROLES)


def can_review(membership: Membership, roles: Iterable[str] | None = None) -> bool:
    """Whether this member may set review states; pass `roles` when already loaded to save a query."""
    allowed = reviewer_roles(membership.team) if roles is None else roles
    return membership.role in allowed


def set_reviewer_roles(*, team: Team, user: User, roles: Iterable[str]) -> list[str]:
    """Stores which roles may review; owners always may, so a team cannot lock itself out.

    Side effects: the team's ReviewSettings row and a REVIEWER_ROLES_CHANGED audit event when it changed.
    """
    chosen = sorted({Role.OWNER.value, *(role for role in roles if role in Role.values)})
    before = sorted(reviewer_roles(team))
    if chosen == before:
        return chosen
    with transaction.atomic():
        ReviewSettings.objects.update_or_create(team=team, defaults={"reviewer_roles": chosen})
        record_audit(
            team=team,
            actor=user,
            action=AuditEvent.Action.REVIEWER_ROLES_CHANGED,
            summary=_("Roles that may review: %(roles)s")
            % {"roles": ", ".join(str(Role(role).label) for role in chosen)},
            before=before,
            after=chosen,
        )
    return chosen


def set_review(*, generation: Generation, user: User, state: str) -> Review | None:
    """Sets the generation's review state, or clears it when `state` is empty; returns the review now.

    The caller has checked the user's role. Setting the state it already has changes nothing.
    Side effects: the Review row (created, changed or deleted) and a REVIEWED or REVIEW_CLEARED audit event.
    """
    if state and state not in ReviewState.values:
        raise ReviewRuleError(_("Unknown review state."))
    current = Review.objects.filter(generation=generation).first()
    title = f"#{generation.pk}"
    with transaction.atomic():
        if not state:
            if current is None:
                return None
            current.delete()
            record_audit(
                team=generation.team_id,
                actor=user,
                action=AuditEvent.Action.REVIEW_CLEARED,
                summary=_("Cleared the review of %(title)s (was %(state)s)")
                % {"title": title, "state": ReviewState(current.state).label},
                generation=generation.pk,
                before=current.state,
            )
            return None
        if current is not None and current.state == state:
            return current
        review, _created = Review.objects.update_or_create(
            generation=generation,
            defaults={
                "team_id": generation.team_id,
                "state": state,
                "set_by": user,
                "set_at": timezone.now(),
            },
        )
        record_audit(
            team=generation.team_id,
            actor=user,
            action=AuditEvent.Action.REVIEWED,
            summary=_("Marked %(title)s “%(state)s”") % {"title": title, "state": ReviewState(state).label},
            generation=generation.pk,
            before=current.state if current else "",
            after=state,
        )
    return review
