"""Who may see and change what: every team-scoped lookup in a view goes through these helpers.

A user who is not a member of an object's team gets 404 (the object does not exist for them); a member
whose role does not allow a change gets 403 with a message saying why.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import Membership, Team

SESSION_TEAM_KEY = "current_team_id"


def membership_or_404(user: Any, team_id: int) -> Membership:
    """The user's membership of the team, or 404 when they are not a member."""
    return get_object_or_404(Membership.objects.select_related("team"), team_id=team_id, user=user)


def membership_in(request: AuthenticatedHttpRequest, team: Team) -> Membership:
    """The signed-in user's membership of a team they are known to belong to (through a scoped lookup),
    taken from their memberships, which every page's navigation reads anyway."""
    for membership in user_memberships(request):
        if membership.team_id == team.pk:
            return membership
    return Membership.objects.get(team=team, user=request.user)  # joined since they were read


def require_editor(membership: Membership) -> None:
    if not membership.can_edit:
        raise PermissionDenied(_("Viewers can look but not change anything in this team."))


def require_manager(membership: Membership) -> None:
    if not membership.can_manage_team:
        raise PermissionDenied(_("Only the team's owners and admins can do this."))


def remember_team(request: HttpRequest, team: Team) -> None:
    """Makes the team the one the navigation shows."""
    if request.session.get(SESSION_TEAM_KEY) != team.pk:
        request.session[SESSION_TEAM_KEY] = team.pk


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's memberships, loaded once per request."""
    cached: list[Membership] | None = getattr(request, "_memberships", None)
    if cached is None:
        user = request.user
        cached = (
            list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))
            if user.is_authenticated
            else []
        )
        request._memberships = cached  # type: ignore[attr-defined]
    return cached


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the team chosen in the switcher, else the personal team, else any team."""
    memberships = user_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_TEAM_KEY)
    for membership in memberships:
        if membership.team_id == chosen:
            return membership
    personal = [m for m in memberships if m.team.is_personal]
    return (personal or memberships)[0]
