"""Team rules: personal teams, invitations, roles, and never losing the last owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from studio.accounts import services
from studio.accounts.models import Invitation, Membership, Role, Team, User, hash_token
from studio.accounts.services import InvitationNotUsable, LastOwnerError, TeamRuleError
from tests import factories


def test_new_user_gets_a_personal_team_as_owner(db: None) -> None:
    user = factories.make_user("ann@example.com")

    membership = Membership.objects.get(user=user)

    assert membership.team.is_personal
    assert membership.role == Role.OWNER
    assert membership.team.name == "ann's team"


def test_create_team_makes_creator_owner(user: User) -> None:
    team = services.create_team(name="Agency", owner=user)

    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    assert user.memberships.count() == 2  # personal team + the new one


def test_invitation_token_is_stored_only_as_hash(team: Team, user: User) -> None:
    invitation, token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )

    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert services.find_invitation(token) == invitation
    assert services.find_invitation(token + "x") is None


def test_invitation_with_email_sends_the_link(
    team: Team, user: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = services.create_invitation(
            team=team, invited_by=user, role=Role.VIEWER, email="bob@example.com"
        )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    assert f"/invitations/{token}/" in mail.outbox[0].body
    assert "Studio Team" in mail.outbox[0].subject


def test_accept_invitation_adds_member_with_invited_role(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.VIEWER, email="bob@example.com"
    )
    bob = factories.make_user("bob@example.com")

    membership = services.accept_invitation(invitation=invitation, user=bob)

    assert membership.team == team
    assert membership.role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == bob


def test_accept_invitation_refuses_second_use(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    bob = factories.make_user("bob@example.com")
    services.accept_invitation(invitation=invitation, user=bob)

    with pytest.raises(InvitationNotUsable):
        services.accept_invitation(invitation=invitation, user=bob)


def test_accept_invitation_refuses_when_expired(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvitationNotUsable):
        services.accept_invitation(invitation=invitation, user=factories.make_user("bob@example.com"))


def test_accept_invitation_keeps_existing_role_of_a_member(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.VIEWER, email=user.email
    )

    membership = services.accept_invitation(invitation=invitation, user=user)

    assert membership.role == Role.OWNER


def test_declined_and_revoked_invitations_cannot_be_accepted(team: Team, user: User) -> None:
    declined, _t1 = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    revoked, _t2 = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    bob = factories.make_user("bob@example.com")
    services.decline_invitation(invitation=declined, user=bob)
    services.revoke_invitation(invitation=revoked, user=user)

    for invitation in (declined, revoked):
        with pytest.raises(InvitationNotUsable):
            services.accept_invitation(invitation=invitation, user=bob)


def test_only_an_owner_can_invite_an_owner(team: Team, member_of) -> None:  # type: ignore[no-untyped-def]
    admin = member_of(Role.ADMIN)

    with pytest.raises(TeamRuleError):
        services.create_invitation(team=team, invited_by=admin, role=Role.OWNER, email="bob@example.com")


def test_change_role_refuses_to_demote_last_owner(team: Team, user: User) -> None:
    owner = Membership.objects.get(team=team, user=user)

    with pytest.raises(LastOwnerError):
        services.change_role(actor=owner, membership=owner, role=Role.ADMIN)

    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_change_role_demotes_owner_when_another_owner_exists(team: Team, user: User, member_of) -> None:  # type: ignore[no-untyped-def]
    second_owner = Membership.objects.get(team=team, user=member_of(Role.OWNER))
    owner = Membership.objects.get(team=team, user=user)

    services.change_role(actor=second_owner, membership=owner, role=Role.VIEWER)

    owner.refresh_from_db()
    assert owner.role == Role.VIEWER


def test_admin_cannot_touch_owners(team: Team, user: User, member_of) -> None:  # type: ignore[no-untyped-def]
    admin = Membership.objects.get(team=team, user=member_of(Role.ADMIN))
    owner = Membership.objects.get(team=team, user=user)
    member = Membership.objects.get(team=team, user=member_of(Role.MEMBER))

    with pytest.raises(TeamRuleError):
        services.change_role(actor=admin, membership=owner, role=Role.MEMBER)
    with pytest.raises(TeamRuleError):
        services.change_role(actor=admin, membership=member, role=Role.OWNER)
    with pytest.raises(TeamRuleError):
        services.remove_member(actor=admin, membership=owner)

    services.change_role(actor=admin, membership=member, role=Role.VIEWER)
    member.refresh_from_db()
    assert member.role == Role.VIEWER


def test_member_cannot_manage_members(team: Team, member_of) -> None:  # type: ignore[no-untyped-def]
    actor = Membership.objects.get(team=team, user=member_of(Role.MEMBER))
    target = Membership.objects.get(team=team, user=member_of(Role.VIEWER))

    with pytest.raises(TeamRuleError):
        services.change_role(actor=actor, membership=target, role=Role.ADMIN)
    with pytest.raises(TeamRuleError):
        services.remove_member(actor=actor, membership=target)
    assert Membership.objects.filter(pk=target.pk, role=Role.VIEWER).exists()


def test_last_owner_cannot_leave_or_be_removed(team: Team, user: User) -> None:
    owner = Membership.objects.get(team=team, user=user)

    with pytest.raises(LastOwnerError):
        services.leave_team(membership=owner)
    with pytest.raises(LastOwnerError):
        services.remove_member(actor=owner, membership=owner)

    assert Membership.objects.filter(pk=owner.pk).exists()


def test_member_can_leave(team: Team, member_of) -> None:  # type: ignore[no-untyped-def]
    membership = Membership.objects.get(team=team, user=member_of(Role.MEMBER))

    services.leave_team(membership=membership)

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_gateway_key_is_encrypted_at_rest_and_keeps_last4(team: Team) -> None:
    services.update_gateway(team=team, base_url="https://gw.example.com/", api_key="sk-live-SECRET1234")

    with connection.cursor() as cursor:
        cursor.execute("SELECT gateway_api_key FROM accounts_team WHERE id = %s", [team.pk])
        (stored,) = cursor.fetchone()
    team.refresh_from_db()
    assert "SECRET" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert team.gateway_api_key == "sk-live-SECRET1234"
    assert team.gateway_key_last4 == "1234"
    assert team.gateway_base_url == "https://gw.example.com"


def test_update_gateway_keeps_key_when_none_given(team: Team) -> None:
    services.update_gateway(team=team, base_url="https://gw.example.com", api_key="sk-abcd")
    services.update_gateway(team=team, base_url="https://gw2.example.com", api_key=None)

    team.refresh_from_db()
    assert team.gateway_api_key == "sk-abcd"
    assert team.gateway_base_url == "https://gw2.example.com"


def test_new_team_uses_the_sandbox(team: Team, settings) -> None:  # type: ignore[no-untyped-def]
    assert team.uses_sandbox
    assert team.effective_gateway_url == settings.SANDBOX_BASE_URL.rstrip("/")
