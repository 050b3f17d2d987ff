"""Review states: setting, changing and clearing them, the audit trail, and who may review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studio.accounts.models import AuditEvent, Membership, Role, Team, User
from studio.projects.models import Project
from studio.reviews import services as reviews
from studio.reviews.models import Review, ReviewState
from tests.history.test_services import make_generation


def actions(team: Team) -> list[tuple[str, dict[str, object]]]:
    return [
        (event.action, event.data)
        for event in AuditEvent.objects.filter(team=team).order_by("at", "id")
        if event.action.startswith("review")
    ]


def test_set_review_records_the_state_who_set_it_and_an_audit_event(project: Project, user: User) -> None:
    generation = make_generation(project, user)

    review = reviews.set_review(generation=generation, user=user, state=ReviewState.APPROVED)

    assert review is not None
    stored = Review.objects.get(generation=generation)
    assert (stored.state, stored.set_by, stored.team_id) == ("approved", user, project.team_id)
    assert actions(project.team) == [
        ("reviewed", {"generation": generation.pk, "before": "", "after": "approved"})
    ]


def test_set_review_changes_and_clears_with_one_event_each_and_none_for_no_change(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    admin = member_of(Role.ADMIN)
    generation = make_generation(project, user)
    reviews.set_review(generation=generation, user=user, state=ReviewState.APPROVED)

    reviews.set_review(generation=generation, user=admin, state=ReviewState.APPROVED)
    changed = reviews.set_review(generation=generation, user=admin, state=ReviewState.NEEDS_CHANGES)
    cleared = reviews.set_review(generation=generation, user=admin, state="")
    again = reviews.set_review(generation=generation, user=admin, state="")

    assert changed is not None
    assert changed.set_by == admin
    assert cleared is None
    assert again is None
    assert not Review.objects.exists()
    assert actions(project.team) == [
        ("reviewed", {"generation": generation.pk, "before": "", "after": "approved"}),
        ("reviewed", {"generation": generation.pk, "before": "approved", "after": "needs_changes"}),
        ("review_cleared", {"generation": generation.pk, "before": "needs_changes"}),
    ]


def test_set_review_refuses_an_unknown_state(project: Project, user: User) -> None:
    generation = make_generation(project, user)

    with pytest.raises(reviews.ReviewRuleError):
        reviews.set_review(generation=generation, user=user, state="maybe")

    assert not Review.objects.exists()


def test_reviewer_roles_default_to_owners_and_admins(team: Team, member_of: Callable[[str], User]) -> None:
    roles = reviews.reviewer_roles(team)
    allowed = {
        role: reviews.can_review(Membership.objects.get(team=team, user=member_of(role)), roles)
        for role in (Role.ADMIN, Role.MEMBER, Role.VIEWER)
    }

    assert sorted(roles) == ["admin", "owner"]
    assert allowed == {Role.ADMIN: True, Role.MEMBER: False, Role.VIEWER: False}


def test_set_reviewer_roles_always_keeps_owners_and_is_audited(team: Team, user: User) -> None:
    chosen = reviews.set_reviewer_roles(team=team, user=user, roles=["member", "bogus"])

    assert chosen == ["member", "owner"]
    assert sorted(reviews.reviewer_roles(team)) == ["member", "owner"]
    event = AuditEvent.objects.get(team=team, action=AuditEvent.Action.REVIEWER_ROLES_CHANGED)
    assert event.data == {"before": ["admin", "owner"], "after": ["member", "owner"]}


def test_set_reviewer_roles_records_nothing_when_unchanged(team: Team, user: User) -> None:
    reviews.set_reviewer_roles(team=team, user=user, roles=["admin"])

    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVIEWER_ROLES_CHANGED).exists()
