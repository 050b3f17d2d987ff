"""Use cases for teams: creating them, inviting and managing members, and the team's gateway settings."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    Role,
    Team,
    User,
    hash_token,
)
from studio.generations.gateway import client_for, explain
from studio.upstream import UpstreamError


class TeamRuleError(Exception):
    """A change that would break a team rule; its message is shown to the user as it is."""


class LastOwnerError(TeamRuleError):
    pass


class InvitationNotUsable(TeamRuleError):
    pass


def create_personal_team(*, user: User) -> Team:
    """Creates the user's personal team with the user as its owner."""
    with transaction.atomic():
        team = Team.objects.create(name=_("%(name)s's team") % {"name": user.name}, is_personal=True)
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def create_team(*, name: str, owner: User) -> Team:
    """Creates a team with the given user as its owner."""
    with transaction.atomic():
        team = Team.objects.create(name=name)
        Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    return team


def rename_team(*, team: Team, name: str) -> Team:
    """Renames the team."""
    team.name = name
    team.save(update_fields=["name"])
    return team


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_detail", args=[token])


def create_invitation(*, team: Team, invited_by: User, role: str, email: str = "") -> tuple[Invitation, str]:
    """Creates an invitation and e-mails its link when an address is given; returns it and its token.

    The token is returned only here: the database keeps its hash, so the link cannot be shown again.
    """
    if (
        role == Role.OWNER
        and not Membership.objects.filter(team=team, user=invited_by, role=Role.OWNER).exists()
    ):
        raise TeamRuleError(_("Only an owner can invite another owner."))
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        team=team,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    if email:
        context = {"team": team, "inviter": invited_by, "url": invitation_url(token)}
        transaction.on_commit(
            lambda: send_mail(
                subject=_("You are invited to join %(team)s on AITRE Studio") % {"team": team.name},
                message=render_to_string("accounts/email/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
            )
        )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "invited_by").filter(token_hash=hash_token(token)).first()
    )


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Adds the user to the invitation's team (keeping any role they already hold) and uses it up."""
    with transaction.atomic():
        claimed = (
            Invitation.objects.pending()
            .filter(pk=invitation.pk)
            .update(accepted_at=timezone.now(), accepted_by=user)
        )
        if not claimed:
            raise InvitationNotUsable(_("This invitation has expired or was already used."))
        membership, _created = Membership.objects.get_or_create(
            team=invitation.team, user=user, defaults={"role": invitation.role}
        )
    return membership


def decline_invitation(*, invitation: Invitation) -> None:
    """Marks the invitation declined so that its link stops working."""
    claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(declined_at=timezone.now())
    if not claimed:
        raise InvitationNotUsable(_("This invitation has expired or was already used."))


def revoke_invitation(*, invitation: Invitation) -> None:
    """Revokes a pending invitation so that its link stops working."""
    Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now())


def _check_can_touch(*, actor: Membership, target: Membership, new_role: str | None = None) -> None:
    if not actor.can_manage_team:
        raise TeamRuleError(_("Only owners and admins can manage members."))
    touches_owner = target.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and not actor.is_owner:
        raise TeamRuleError(_("Only an owner can change another owner or make someone an owner."))


def _check_not_last_owner(membership: Membership) -> None:
    """Raises when the membership is the team's only owner; locks the owners' rows meanwhile."""
    if membership.role != Role.OWNER:
        return
    owners = list(Membership.objects.select_for_update().filter(team_id=membership.team_id, role=Role.OWNER))
    if len(owners) <= 1:
        raise LastOwnerError(_("A team needs at least one owner. Make someone else an owner first."))


def change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Changes a member's role; never leaves the team without an owner."""
    _check_can_touch(actor=actor, target=membership, new_role=role)
    with transaction.atomic():
        if role != Role.OWNER:
            _check_not_last_owner(membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(*, actor: Membership, membership: Membership) -> None:
    """Removes a member from the team; never removes its last owner."""
    _check_can_touch(actor=actor, target=membership)
    with transaction.atomic():
        _check_not_last_owner(membership)
        membership.delete()


def leave_team(*, membership: Membership) -> None:
    """Takes the user out of the team; the last owner must hand over ownership first."""
    with transaction.atomic():
        _check_not_last_owner(membership)
        membership.delete()


def update_gateway(*, team: Team, base_url: str, api_key: str | None) -> Team:
    """Saves the team's gateway address, and its key when a new one is given (None keeps the old key)."""
    team.gateway_base_url = base_url.rstrip("/")
    fields = ["gateway_base_url"]
    if api_key is not None:
        team.set_gateway_api_key(api_key)
        fields += ["gateway_api_key", "gateway_key_last4"]
    team.save(update_fields=fields)
    return team


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    model_count: int = 0


def check_gateway_connection(*, team: Team) -> ConnectionCheck:
    """Calls the team's gateway `GET /v1/models` and reports the model count or the gateway's error."""
    if not team.uses_sandbox and not team.gateway_api_key:
        return ConnectionCheck(ok=False, message=_("Enter the gateway's API key first."))
    try:
        models = client_for(team).models.list()
    except UpstreamError as exc:
        # The studio's own (translated) sentence, then the gateway's words as it said them.
        words = f" {exc.gateway_message}" if exc.gateway_message else ""
        reference = f" (request id: {exc.request_id})" if exc.request_id else ""
        return ConnectionCheck(ok=False, message=f"{explain(exc)}{words}{reference}")
    return ConnectionCheck(
        ok=True,
        message=_("Connected: the gateway offers %(count)d models.") % {"count": len(models)},
        model_count=len(models),
    )
