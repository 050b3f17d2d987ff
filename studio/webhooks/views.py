"""Pages of a team's webhook: its settings and its delivery log, for the team's owners and admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.access import membership_or_404, remember_team, require_manager
from studio.accounts.http import AuthenticatedHttpRequest
from studio.webhooks import services
from studio.webhooks.forms import WebhookForm
from studio.webhooks.models import Webhook, WebhookDelivery

DELIVERIES_SHOWN = 100


@login_required
@require_http_methods(["GET", "POST"])
def team_webhook(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The webhook's address, events and secret; the secret is never rendered back."""
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    remember_team(request, membership.team)
    team = membership.team
    webhook = Webhook.objects.filter(team=team).first()
    initial = (
        {"url": webhook.url, "events": webhook.events, "is_active": webhook.is_active} if webhook else {}
    )
    form = WebhookForm(request.POST or None, initial=initial)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhook, new_secret = services.save_webhook(
                team=team,
                actor=request.user,
                url=data["url"],
                secret=data["secret"] or None,
                events=data["events"],
                is_active=data["is_active"],
            )
        except services.WebhookUrlRefused as exc:
            form.add_error("url", str(exc))
        else:
            messages.success(request, _("The webhook was saved."))
            if new_secret is None:
                return redirect("team_webhook", team_id=team.pk)
            form = WebhookForm(initial={"url": webhook.url, "events": webhook.events, "is_active": True})
    context = {
        "team": team,
        "membership": membership,
        "form": form,
        "webhook": webhook,
        "new_secret": new_secret,
        "deliveries": WebhookDelivery.objects.for_team(team)[:5],
    }
    return render(request, "webhooks/team_webhook.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def webhook_delete(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    if services.delete_webhook(team=membership.team):
        messages.success(request, _("The webhook was removed."))
    return redirect("team_webhook", team_id=team_id)


@login_required
@require_GET
def webhook_deliveries(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The latest deliveries with each attempt: status, response code and the start of the answer."""
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    deliveries = WebhookDelivery.objects.for_team(membership.team).prefetch_related("attempt_log")[
        :DELIVERIES_SHOWN
    ]
    context = {"team": membership.team, "membership": membership, "deliveries": deliveries}
    template = "webhooks/deliveries.html"
    if request.htmx:
        template += "#delivery-list"
    return render(request, template, context)
