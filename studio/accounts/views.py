"""Views for the profile, teams, members, invitations and the team's gateway settings."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from studio.accounts import services
from studio.accounts.access import (
    membership_or_404,
    remember_team,
    require_manager,
    user_memberships,
)
from studio.accounts.forms import (
    AuditFilterForm,
    GatewayForm,
    InvitationForm,
    ProfileForm,
    RoleForm,
    TeamForm,
)
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import AuditEvent, Invitation, Membership, Team, User
from studio.accounts.services import TeamRuleError
from studio.lib.dates import start_of_day


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            # Say it in the language just chosen; UserLanguageMiddleware sets the cookie on the way out.
            translation.activate(user.language)
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        if not user.language:
            # "Follow the browser": forget any earlier choice so that Accept-Language decides again.
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (language cookie, then back to `next`), remembered for a signed-in user."""
    language = request.POST.get("language", "")
    if isinstance(request.user, User) and language in dict(settings.LANGUAGES):
        services.set_user_language(user=request.user, language=language)
    return set_language(request)


@login_required
@require_http_methods(["GET"])
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/team_list.html",
        {"memberships": user_memberships(request), "form": TeamForm()},
    )


@login_required
@require_POST
def team_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/team_list.html",
            {"memberships": user_memberships(request), "form": form},
            status=400,
        )
    team = services.create_team(name=form.cleaned_data["name"], owner=request.user)
    remember_team(request, team)
    messages.success(request, _("Team “%(name)s” was created.") % {"name": team.name})
    return redirect("project_list", team_id=team.pk)


@login_required
@require_POST
def team_switch(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    return redirect("project_list", team_id=membership.team_id)


def _members_page(
    request: AuthenticatedHttpRequest,
    membership: Membership,
    *,
    invite_form: InvitationForm | None = None,
    rename_form: TeamForm | None = None,
    new_invitation_url: str = "",
    status: int = 200,
) -> HttpResponse:
    team = membership.team
    context = {
        "team": team,
        "membership": membership,
        "members": team.memberships.select_related("user").order_by("user__email"),
        "invitations": Invitation.objects.filter(team=team).pending().select_related("invited_by"),
        "invite_form": invite_form or InvitationForm(),
        "rename_form": rename_form or TeamForm(instance=team),
        "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "new_invitation_url": new_invitation_url,
    }
    return render(request, "accounts/team_members.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def team_members(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    return _members_page(request, membership)


@login_required
@require_POST
def team_rename(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    form = TeamForm(request.POST, instance=membership.team)
    if not form.is_valid():
        return _members_page(request, membership, rename_form=form, status=400)
    services.rename_team(team=membership.team, name=form.cleaned_data["name"])
    messages.success(request, _("The team was renamed."))
    return redirect("team_members", team_id=team_id)


@login_required
@require_POST
def invitation_create(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, membership, invite_form=form, status=400)
    try:
        _invitation, token = services.create_invitation(
            team=membership.team,
            invited_by=request.user,
            role=form.cleaned_data["role"],
            email=form.cleaned_data["email"],
        )
    except TeamRuleError as exc:
        form.add_error("role", str(exc))
        return _members_page(request, membership, invite_form=form, status=400)
    if form.cleaned_data["email"]:
        messages.success(request, _("The invitation was e-mailed to %(email)s.") % form.cleaned_data)
    # The link is shown once, now: only its hash is kept.
    url = request.build_absolute_uri(reverse("invitation_detail", args=[token]))
    return _members_page(request, membership, new_invitation_url=url)


@login_required
@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, team_id: int, invitation_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    invitation = get_object_or_404(Invitation, pk=invitation_id, team=membership.team)
    services.revoke_invitation(invitation=invitation, user=request.user)
    messages.success(request, _("The invitation was revoked; its link no longer works."))
    return redirect("team_members", team_id=team_id)


@login_required
@require_POST
def member_role(request: AuthenticatedHttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    actor = membership_or_404(request.user, team_id)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, team=actor.team)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return redirect("team_members", team_id=team_id)
    try:
        services.change_role(actor=actor, membership=target, role=form.cleaned_data["role"])
    except TeamRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.") % {"user": target.user.name, "role": target.get_role_display()},
        )
    if target.pk == actor.pk and not target.can_manage_team:
        return redirect("project_list", team_id=team_id)
    return redirect("team_members", team_id=team_id)


@login_required
@require_POST
def member_remove(request: AuthenticatedHttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    actor = membership_or_404(request.user, team_id)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, team=actor.team)
    try:
        services.remove_member(actor=actor, membership=target)
    except TeamRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(user)s was removed from the team.") % {"user": target.user.name})
    return redirect("team_members", team_id=team_id)


@login_required
@require_POST
def team_leave(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    try:
        services.leave_team(membership=membership)
    except TeamRuleError as exc:
        messages.error(request, str(exc))
        return redirect("team_members", team_id=team_id)
    messages.success(request, _("You left “%(team)s”.") % {"team": membership.team.name})
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def team_gateway(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    team = membership.team
    initial = {"base_url": team.gateway_base_url} | {
        name: getattr(team, name) for name in GatewayForm.SLOT_FIELDS
    }
    form = GatewayForm(request.POST or None, initial=initial)
    if request.method == "POST":
        require_manager(membership)
        if form.is_valid():
            services.update_gateway(
                team=team,
                base_url=form.cleaned_data["base_url"],
                api_key=form.new_api_key(),
                slot_settings=form.slot_settings(),
                user=request.user,
            )
            messages.success(request, _("The gateway settings were saved."))
            return redirect("team_gateway", team_id=team_id)
    return render(
        request,
        "accounts/team_gateway.html",
        {"team": team, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def team_gateway_test(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    check = services.check_gateway_connection(team=membership.team)
    template = "accounts/team_gateway.html#connection-result"
    if not request.htmx:
        (messages.success if check.ok else messages.error)(request, check.message)
        return redirect("team_gateway", team_id=team_id)
    return render(request, template, {"team": membership.team, "check": check})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_detail(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The invitation's page: the invited account accepts or declines it; any other is told why it cannot."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if not invitation.is_pending:
        return render(request, "accounts/invitation_invalid.html", status=410)
    if not services.invitation_is_for(invitation, request.user):
        # Neither accepted nor declined: the link still works for the person it was sent to.
        return render(
            request,
            "accounts/invitation_detail.html",
            {"invitation": invitation, "is_for_you": False},
            status=403,
        )
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "accept":
                membership = services.accept_invitation(invitation=invitation, user=request.user)
                remember_team(request, membership.team)
                messages.success(request, _("Welcome to “%(team)s”.") % {"team": membership.team.name})
                return redirect("project_list", team_id=membership.team_id)
            services.decline_invitation(invitation=invitation, user=request.user)
        except TeamRuleError as exc:
            messages.error(request, str(exc))
            return redirect("home")
        messages.info(request, _("You declined the invitation."))
        return redirect("home")
    already_member = Membership.objects.filter(team=invitation.team, user=request.user).exists()
    return render(
        request,
        "accounts/invitation_detail.html",
        {"invitation": invitation, "already_member": already_member, "is_for_you": True},
    )


# The team's audit log ----------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _audit_queryset(request: AuthenticatedHttpRequest, team: Team, form: AuditFilterForm) -> Any:
    events = AuditEvent.objects.filter(team=team).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor_id=data["actor"])
        if data.get("date_from"):
            events = events.filter(at__gte=start_of_day(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(at__lt=start_of_day(data["date_to"] + timedelta(days=1)))
    return events.order_by("-at", "-pk")


@login_required
@require_GET
def team_audit(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponseBase:
    """The team's audit log, for owners and admins; `?format=csv` exports what the filters show."""
    membership = membership_or_404(request.user, team_id)
    if not membership.can_manage_team:
        raise PermissionDenied(_("Only the team's owners and admins can read the audit log."))
    actors = [
        (m.user_id, m.user.name)
        for m in Membership.objects.filter(team=membership.team).select_related("user")
    ]
    form = AuditFilterForm(request.GET or None, actors=actors)
    events = _audit_queryset(request, membership.team, form)
    if request.GET.get("format") == "csv":
        return _audit_csv(events)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(pk__lt=int(before))
    rows = list(events[: AUDIT_PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "team": membership.team,
        "form": form,
        "events": rows[:AUDIT_PAGE_SIZE],
        "next_before": rows[AUDIT_PAGE_SIZE - 1].pk if len(rows) > AUDIT_PAGE_SIZE else None,
        "filters_query": query.urlencode(),
    }
    return render(request, "accounts/audit.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_csv(events: Any) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(["when (UTC)", "who", "action", "what", "details"])
        for event in events.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    event.at.astimezone(UTC).isoformat(),
                    event.actor.email if event.actor else "",
                    event.action,
                    event.summary,
                    event.data,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
