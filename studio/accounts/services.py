"""Use cases for teams: creating them, inviting and managing members, and the team's gateway settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studio.accounts.audit import record_audit
from studio.accounts.gateway import client_for, explain
from studio.accounts.models import (
    INVITATION_LIFETIME,
    AuditEvent,
    Invitation,
    Membership,
    Role,
    Team,
    User,
    hash_token,
)
from studio.upstream import UpstreamError


class TeamRuleError(Exception):
    """A change that would break a team rule; its message is shown to the user as it is."""


class LastOwnerError(TeamRuleError):
    pass


class InvitationNotUsable(TeamRuleError):
    pass


class InvitationForSomeoneElse(InvitationNotUsable):
    """The signed-in account's address is not the one invited; the invitation stays usable."""


def create_personal_team(*, user: User) -> Team:
    """Creates the user's personal team with the user as its owner."""
    with transaction.atomic():
        team = Team.objects.create(name=_("%(name)s's team") % {"name": user.name}, is_personal=True)
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def set_user_language(*, user: User, language: str) -> User:
    """Stores the language the studio is shown in for this user ("" follows the browser)."""
    user.language = language
    user.save(update_fields=["language"])
    return user


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


def create_invitation(*, team: Team, invited_by: User, role: str, email: str) -> tuple[Invitation, str]:
    """Creates an invitation for one e-mail address and e-mails it its link; returns it and its token.

    Only an account with that address can accept it. The token is returned only here: the database keeps
    its hash, so the link cannot be shown again. Side effects: an Invitation row, an INVITED audit event,
    an e-mail after commit.
    """
    if not email:
        raise TeamRuleError(_("Enter the e-mail address of the person you invite."))
    if (
        role == Role.OWNER
        and not Membership.objects.filter(team=team, user=invited_by, role=Role.OWNER).exists()
    ):
        raise TeamRuleError(_("Only an owner can invite another owner."))
    token = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            team=team,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=invited_by,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        record_audit(
            team=team,
            actor=invited_by,
            action=AuditEvent.Action.INVITED,
            summary=_("Invited %(email)s as %(role)s")
            % {"email": email, "role": invitation.get_role_display()},
            invitation_id=invitation.pk,
            email=email,
            role=role,
        )
    if email:
        context = {"team": team, "inviter": invited_by, "url": invitation_url(token)}
        language = mail_language(email)
        transaction.on_commit(lambda: _send_invitation(email=email, context=context, language=language))
    return invitation, token


def mail_language(email: str) -> str:
    """The language to write to this address in: its owner's choice if they have an account and made
    one, otherwise the language the sender is using now."""
    chosen = (
        User.objects.filter(email__iexact=email)
        .exclude(language="")
        .values_list("language", flat=True)
        .first()
    )
    return chosen or translation.get_language() or settings.LANGUAGE_CODE


def _send_invitation(*, email: str, context: dict[str, Any], language: str) -> None:
    with translation.override(language):
        message = EmailMessage(
            subject=_("You are invited to join %(team)s on AITRE Studio") % {"team": context["team"].name},
            body=render_to_string("accounts/email/invitation.txt", context),
            to=[email],
            headers={"Content-Language": language},
        )
    message.send()


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("team", "invited_by").filter(token_hash=hash_token(token)).first()
    )


def invitation_is_for(invitation: Invitation, user: User) -> bool:
    """Whether the account's e-mail address is the invited one (letter case aside)."""
    return bool(invitation.email) and invitation.email.casefold() == user.email.casefold()


def _check_invitation_is_for(invitation: Invitation, user: User) -> None:
    if not invitation_is_for(invitation, user):
        raise InvitationForSomeoneElse(
            _(
                "This invitation was sent to another e-mail address. Log in with the address it was sent "
                "to, then open the link again."
            )
        )


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Adds the invited user to the invitation's team (keeping any role they already hold) and uses it up.

    Raises InvitationForSomeoneElse (the invitation stays usable) when the account's address is not the
    invited one, InvitationNotUsable when it is no longer pending. Side effects: the invitation used, a
    Membership row when new, INVITATION_ACCEPTED and (when new) MEMBER_JOINED audit events.
    """
    _check_invitation_is_for(invitation, user)
    with transaction.atomic():
        claimed = (
            Invitation.objects.pending()
            .filter(pk=invitation.pk)
            .update(accepted_at=timezone.now(), accepted_by=user)
        )
        if not claimed:
            raise InvitationNotUsable(_("This invitation has expired or was already used."))
        membership, created = Membership.objects.get_or_create(
            team=invitation.team, user=user, defaults={"role": invitation.role}
        )
        record_audit(
            team=invitation.team,
            actor=user,
            action=AuditEvent.Action.INVITATION_ACCEPTED,
            summary=_("%(user)s accepted the invitation sent to %(email)s")
            % {"user": user.email, "email": invitation.email},
            invitation_id=invitation.pk,
            email=invitation.email,
        )
        if created:
            record_audit(
                team=invitation.team,
                actor=user,
                action=AuditEvent.Action.MEMBER_JOINED,
                summary=_("%(user)s joined as %(role)s")
                % {"user": user.email, "role": membership.get_role_display()},
                user_id=user.pk,
                email=user.email,
                role=membership.role,
            )
    return membership


def decline_invitation(*, invitation: Invitation, user: User) -> None:
    """Marks the invitation declined so that its link stops working; only the invited account may.

    Side effects: `declined_at` on the invitation and an INVITATION_DECLINED audit event, once.
    """
    _check_invitation_is_for(invitation, user)
    with transaction.atomic():
        claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(declined_at=timezone.now())
        if not claimed:
            raise InvitationNotUsable(_("This invitation has expired or was already used."))
        record_audit(
            team=invitation.team_id,
            actor=user,
            action=AuditEvent.Action.INVITATION_DECLINED,
            summary=_("%(user)s declined the invitation") % {"user": user.email},
            invitation_id=invitation.pk,
            email=invitation.email,
        )


def revoke_invitation(*, invitation: Invitation, user: User) -> bool:
    """Revokes a pending invitation so that its link stops working; returns whether this call did it.

    Side effects: `revoked_at` on the invitation and an INVITATION_REVOKED audit event, once.
    """
    with transaction.atomic():
        revoked = Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()) == 1
        if revoked:
            record_audit(
                team=invitation.team_id,
                actor=user,
                action=AuditEvent.Action.INVITATION_REVOKED,
                summary=_("Revoked the invitation sent to %(email)s")
                % {"email": invitation.email or _("no address")},
                invitation_id=invitation.pk,
                email=invitation.email,
            )
    return revoked


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
    """Changes a member's role; never leaves the team without an owner.

    Side effects: the membership's role and a ROLE_CHANGED audit event when it changed.
    """
    _check_can_touch(actor=actor, target=membership, new_role=role)
    with transaction.atomic():
        if role != Role.OWNER:
            _check_not_last_owner(membership)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        if before != role:
            record_audit(
                team=membership.team_id,
                actor=actor.user,
                action=AuditEvent.Action.ROLE_CHANGED,
                summary=_("Changed the role of %(user)s from %(before)s to %(after)s")
                % {
                    "user": membership.user.email,
                    "before": Role(before).label,
                    "after": Role(role).label,
                },
                user_id=membership.user_id,
                email=membership.user.email,
                role_before=before,
                role=role,
            )
    return membership


def remove_member(*, actor: Membership, membership: Membership) -> None:
    """Removes a member from the team; never removes its last owner.

    Side effects: the membership deleted and a MEMBER_REMOVED audit event.
    """
    _check_can_touch(actor=actor, target=membership)
    with transaction.atomic():
        _check_not_last_owner(membership)
        membership.delete()
        record_audit(
            team=membership.team_id,
            actor=actor.user,
            action=AuditEvent.Action.MEMBER_REMOVED,
            summary=_("Removed %(user)s from the team") % {"user": membership.user.email},
            user_id=membership.user_id,
            email=membership.user.email,
            role=membership.role,
        )


def leave_team(*, membership: Membership) -> None:
    """Takes the user out of the team; the last owner must hand over ownership first.

    Side effects: the membership deleted and a MEMBER_REMOVED audit event (the member as actor).
    """
    with transaction.atomic():
        _check_not_last_owner(membership)
        membership.delete()
        record_audit(
            team=membership.team_id,
            actor=membership.user,
            action=AuditEvent.Action.MEMBER_REMOVED,
            summary=_("%(user)s left the team") % {"user": membership.user.email},
            user_id=membership.user_id,
            email=membership.user.email,
            role=membership.role,
        )


def update_gateway(
    *,
    team: Team,
    base_url: str,
    api_key: str | None,
    slot_settings: Mapping[str, int] | None = None,
    user: User | None = None,
) -> Team:
    """Saves the team's gateway address, its key when a new one is given (None keeps the old key), and
    the slot limits given (`midjourney_slots`, `video_slots`, `sora_slots`, `slot_wait_hours`).

    Side effects: the team's gateway fields, and a GATEWAY_CHANGED and/or API_KEY_CHANGED audit event
    when the address or key changed. The key itself is never written to the log.
    """
    before = team.gateway_base_url
    team.gateway_base_url = base_url.rstrip("/")
    fields = ["gateway_base_url"]
    if api_key is not None:
        team.set_gateway_api_key(api_key)
        fields += ["gateway_api_key", "gateway_key_last4"]
    for name, value in (slot_settings or {}).items():
        if name not in SLOT_SETTINGS:
            raise ValueError(f"Unknown slot setting {name!r}.")
        setattr(team, name, value)
        fields.append(name)
    with transaction.atomic():
        team.save(update_fields=fields)
        if team.gateway_base_url != before:
            record_audit(
                team=team,
                actor=user,
                action=AuditEvent.Action.GATEWAY_CHANGED,
                summary=_("Changed the gateway address from %(before)s to %(after)s")
                % {
                    "before": before or _("the sandbox"),
                    "after": team.gateway_base_url or _("the sandbox"),
                },
                url_before=before,
                url=team.gateway_base_url,
            )
        if api_key is not None:
            record_audit(
                team=team,
                actor=user,
                action=AuditEvent.Action.API_KEY_CHANGED,
                summary=_("Replaced the gateway API key") if api_key else _("Removed the gateway API key"),
                is_removed=not api_key,
            )
    return team


SLOT_SETTINGS = frozenset({"midjourney_slots", "video_slots", "sora_slots", "slot_wait_hours"})


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
