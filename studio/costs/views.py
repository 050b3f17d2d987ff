"""Views of costs: the live estimate on generation forms, prices, budgets, the spend page and its CSV."""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.access import membership_or_404, remember_team, require_manager
from studio.accounts.gateway import client_for
from studio.accounts.http import AuthenticatedHttpRequest
from studio.costs import services, spend
from studio.costs.forms import BudgetForm, CostSettingsForm, PriceOverrideForm
from studio.costs.models import MICROS, Budget, ModelPrice
from studio.generations import catalogue
from studio.generations.forms import FORMS
from studio.generations.kinds import KINDS
from studio.generations.views import _form_for, _project_for
from studio.upstream import UpstreamError


def _raw_params(form: Any) -> dict[str, Any]:
    """The form's values as typed, without its prefix: enough to price a form that is not valid yet."""
    prefix = f"{form.prefix}-" if form.prefix else ""
    return {
        key.removeprefix(prefix): value
        for key, value in form.data.items()
        if key.startswith(prefix) and key != f"{prefix}prompt"
    }


@login_required
@require_POST
def cost_estimate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The estimated cost of the generation form as it stands, and the budgets close to their limit."""
    project, _membership = _project_for(request, pk)
    family = request.POST.get("family", "veo3")
    form = _form_for(family if family in FORMS else "veo3", project, data=request.POST)
    kind = form.current_kind()
    if form.is_valid():
        kind, params, prompt = form.kind, form.params(), form.generation_prompt()
    else:
        params, prompt = _raw_params(form), str(request.POST.get(f"{form.prefix}-prompt") or "")
    model = str(request.POST.get(f"{form.prefix}-model") or KINDS[kind].default_model).strip()
    estimate = services.estimate_cost(team=project.team, kind=kind, model=model, params=params, prompt=prompt)
    statuses = services.budget_statuses(team=project.team, project=project, user=request.user)
    context = {
        "estimate": estimate,
        "is_per_token": estimate.price is not None and not estimate.price.is_per_call,
        "warnings": [status for status in statuses if status.is_warning],
        "over": [
            status
            for status in statuses
            if estimate.amount is not None and status.used + estimate.amount > status.budget.limit
        ],
        "currency": estimate.currency,
    }
    return render(request, "costs/_estimate.html", context)


def _known_models(team: Any) -> set[str]:
    """Models a price may be set for: the gateway's model list and price list, and the kinds' defaults."""
    names = set(catalogue.gateway_model_ids(team))
    names.update(ModelPrice.objects.filter(team=team).values_list("name", flat=True))
    names.update(spec.default_model for spec in KINDS.values())
    names.update(spec.priced(model="", params={}, prompt="").price_name for spec in KINDS.values())
    return {name for name in names if name}


@login_required
@require_http_methods(["GET", "POST"])
def team_prices(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The team's price list (gateway prices, overrides, "price unknown") and its cost settings."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    team = membership.team
    settings = services.cost_settings_for(team)
    settings_form = CostSettingsForm(instance=settings, prefix="settings")
    override_form = PriceOverrideForm(known_models=set(), prefix="price")
    if request.method == "POST":
        require_manager(membership)
        if request.POST.get("action") == "settings":
            settings_form = CostSettingsForm(request.POST, instance=settings, prefix="settings")
            if settings_form.is_valid():
                services.update_cost_settings(
                    team=team,
                    actor=request.user,
                    currency=settings_form.cleaned_data["currency"],
                    time_zone=settings_form.cleaned_data["time_zone"],
                    group=settings_form.cleaned_data["group"],
                )
                messages.success(request, _("The cost settings were saved."))
                return redirect("team_prices", team_id=team.pk)
        else:
            override_form = PriceOverrideForm(request.POST, known_models=_known_models(team), prefix="price")
            if override_form.is_valid():
                data = override_form.cleaned_data
                services.save_price_override(
                    team=team,
                    actor=request.user,
                    name=data["name"],
                    quota_type=data["quota_type"],
                    model_price=data["model_price"],
                    model_ratio=data["model_ratio"],
                    completion_ratio=data["completion_ratio"],
                )
                messages.success(request, _("The price of %(name)s was saved.") % {"name": data["name"]})
                return redirect("team_prices", team_id=team.pk)
    prices = ModelPrice.objects.for_team(team)
    overridden = {price.name for price in prices if price.source == ModelPrice.Source.OVERRIDE}
    in_force = services.effective_prices(team)
    unknown = sorted({spec.default_model for spec in KINDS.values()} - set(in_force))
    context = {
        "team": team,
        "membership": membership,
        "cost_settings": settings,
        "prices": sorted(in_force.values(), key=lambda price: price.name),
        "overridden": overridden,
        "unknown": unknown,
        "settings_form": settings_form,
        "override_form": override_form,
    }
    has_errors = bool(settings_form.errors or override_form.errors)
    return render(request, "costs/prices.html", context, status=400 if has_errors else 200)


@login_required
@require_POST
def prices_sync(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Fetches the gateway's price list now; when the gateway cannot answer, the last list stays."""
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    team = membership.team
    try:
        count = services.sync_prices(team=team, client=client_for(team), actor=request.user)
    except UpstreamError as exc:
        messages.error(
            request,
            _("The gateway's prices could not be read (%(reason)s); the last list stays.") % {"reason": exc},
        )
    else:
        messages.success(request, _("%(count)d prices were read from the gateway.") % {"count": count})
    return redirect("team_prices", team_id=team.pk)


@login_required
@require_POST
def price_override_delete(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_manager(membership)
    services.delete_price_override(
        team=membership.team, actor=request.user, name=request.POST.get("name", "")
    )
    return redirect("team_prices", team_id=team_id)


@login_required
@require_http_methods(["GET", "POST"])
def team_budgets(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The team's monthly budgets, how much of each is used, and the form to set one."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    team = membership.team
    form = BudgetForm(request.POST or None, team=team)
    if request.method == "POST":
        require_manager(membership)
        if form.is_valid():
            data = form.cleaned_data
            services.save_budget(
                team=team,
                actor=request.user,
                scope=data["scope"],
                limit=form.limit_micros(),
                warn_percent=data["warn_percent"],
                project=data.get("project"),
                user=data["member"].user if data.get("member") else None,
            )
            messages.success(request, _("The budget was saved."))
            return redirect("team_budgets", team_id=team.pk)
    context = {
        "team": team,
        "membership": membership,
        "form": form,
        "statuses": services.budget_statuses(team=team, all_budgets=True),
        "currency": services.cost_settings_for(team).currency,
    }
    return render(request, "costs/budgets.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def budget_delete(request: AuthenticatedHttpRequest, team_id: int, budget_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    budget = get_object_or_404(
        Budget.objects.select_related("project", "user"), team=membership.team, pk=budget_id
    )
    require_manager(membership)
    services.delete_budget(budget=budget, actor=request.user)
    messages.success(request, _("The budget was removed."))
    return redirect("team_budgets", team_id=team_id)


@login_required
@require_GET
def team_spend(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """This month's spend: owners and admins see the team's, members their own."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    team = membership.team
    settings = services.cost_settings_for(team)
    member = None if membership.can_manage_team else request.user
    figures = spend.month_spend(team, zone_name=settings.time_zone, member=member)
    context = {
        "team": team,
        "membership": membership,
        "spend": figures,
        "charts": [
            (_("By day"), figures.by_day),
            (_("By project"), figures.by_project),
            (_("By member"), figures.by_member),
            (_("By model"), figures.by_model),
            (_("By kind"), figures.by_kind),
        ],
        "currency": settings.currency,
        "is_own_only": member is not None,
        "statuses": services.budget_statuses(team=team, all_budgets=True) if member is None else [],
    }
    return render(request, "costs/spend.html", context)


def _exact(micros: int | None) -> str:
    """An amount in micro-units as an exact decimal ("0.4", "2"), with integer arithmetic for speed."""
    if micros is None:
        return ""
    whole, fraction = divmod(micros, MICROS)
    return f"{whole}.{fraction:06d}".rstrip("0") if fraction else str(whole)


CSV_ROWS_PER_CHUNK = 1000


CSV_COLUMNS = (
    "generation",
    "created_at",
    "project",
    "member",
    "kind",
    "model",
    "price_name",
    "estimate",
    "amount",
    "state",
    "is_estimated",
    "currency",
)


@login_required
@require_GET
def spend_csv(request: AuthenticatedHttpRequest, team_id: int) -> StreamingHttpResponse:
    """Every charge of the team (or the member's own), streamed row by row without loading them all."""
    membership = membership_or_404(request.user, team_id)
    team = membership.team
    settings = services.cost_settings_for(team)
    member = None if membership.can_manage_team else request.user
    zone = zoneinfo.ZoneInfo(settings.time_zone)
    rows = (
        spend.team_charges(team, member=member)
        .order_by("created_at", "generation_id")
        .values_list(
            "generation_id",
            "created_at",
            "project__name",
            "user__email",
            "kind",
            "model",
            "price_name",
            "estimate",
            "amount",
            "state",
            "is_estimated",
        )
        .iterator(chunk_size=2000)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def chunk() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # A thousand rows a chunk: one write per row would spend more time in the response than in the rows.
    def lines() -> Iterator[str]:
        writer.writerow(CSV_COLUMNS)
        for index, (
            pk,
            created,
            project,
            email,
            kind,
            model,
            price_name,
            estimate,
            amount,
            state,
            guessed,
        ) in enumerate(rows, start=1):
            writer.writerow(
                (
                    pk,
                    created.astimezone(zone).isoformat(timespec="seconds"),
                    project,
                    email or "",
                    kind,
                    model,
                    price_name,
                    _exact(estimate),
                    _exact(amount),
                    state,
                    "yes" if guessed else "no",
                    settings.currency,
                )
            )
            if index % CSV_ROWS_PER_CHUNK == 0:
                yield chunk()
        yield chunk()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="spend-team-{team.pk}.csv"'
    return response
