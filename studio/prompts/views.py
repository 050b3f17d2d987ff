"""Pages of the prompt library: the list, a preset's form, deleting, and JSON export and import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.access import membership_or_404, remember_team, require_editor
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import Membership
from studio.generations.kinds import Kind
from studio.generations.models import Generation
from studio.prompts import services
from studio.prompts.forms import ImportForm, PresetForm
from studio.prompts.models import PromptPreset


def _preset_for(
    request: AuthenticatedHttpRequest, team_id: int, preset_id: int
) -> tuple[PromptPreset, Membership]:
    """The preset if the user may see it (another team's, or someone's personal one, is 404)."""
    membership = membership_or_404(request.user, team_id)
    preset = get_object_or_404(
        PromptPreset.objects.visible_to(membership.team, request.user).select_related("owner"), pk=preset_id
    )
    return preset, membership


def _require_change(preset: PromptPreset, membership: Membership) -> None:
    if not preset.can_change(membership):
        raise PermissionDenied(_("Only the preset's author, or the team's owners and admins, can change it."))


@login_required
@require_GET
def preset_list(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The presets the user can see, filtered by kind, tag or words."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    presets = PromptPreset.objects.visible_to(membership.team, request.user).select_related("owner")
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "").strip()
    query = request.GET.get("q", "").strip()
    if kind in Kind.values:
        presets = presets.filter(kind=kind)
    if query:
        presets = presets.filter(name__icontains=query) | presets.filter(prompt__icontains=query)
    rows = [preset for preset in presets if not tag or tag in preset.tags]
    context = {
        "team": membership.team,
        "membership": membership,
        "presets": [(preset, preset.can_change(membership)) for preset in rows],
        "kinds": Kind.choices,
        "kind": kind,
        "tag": tag,
        "query": query,
        "import_form": ImportForm(),
    }
    template = "prompts/preset_list.html"
    if request.htmx:
        template += "#preset-list"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def preset_create(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    require_editor(membership)
    # "Save as preset" from a generation's page: the form starts from that generation (of this team only).
    source = request.GET.get("from_generation", "")
    generation = (
        Generation.objects.for_team(membership.team).filter(pk=int(source)).first()
        if source.isdigit()
        else None
    )
    initial = PresetForm.initial_from_generation(generation) if generation else None
    form = PresetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_preset(team=membership.team, owner=request.user, **form.cleaned_data)
        except services.PresetError as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("The preset was saved."))
            return redirect("preset_list", team_id=team_id)
    context = {"team": membership.team, "membership": membership, "form": form, "preset": None}
    return render(request, "prompts/preset_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def preset_edit(request: AuthenticatedHttpRequest, team_id: int, preset_id: int) -> HttpResponse:
    preset, membership = _preset_for(request, team_id, preset_id)
    can_change = preset.can_change(membership)
    form = PresetForm(request.POST or None, initial=PresetForm.initial_from(preset))
    if request.method == "POST":
        _require_change(preset, membership)
        if form.is_valid():
            try:
                services.save_preset(
                    team=membership.team, owner=request.user, preset=preset, **form.cleaned_data
                )
            except services.PresetError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(request, _("The preset was saved."))
                return redirect("preset_list", team_id=team_id)
    context = {
        "team": membership.team,
        "membership": membership,
        "form": form,
        "preset": preset,
        "can_change": can_change,
        "uses": preset.uses.select_related("generation", "used_by")[:50],
    }
    return render(request, "prompts/preset_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def preset_delete(request: AuthenticatedHttpRequest, team_id: int, preset_id: int) -> HttpResponse:
    preset, membership = _preset_for(request, team_id, preset_id)
    _require_change(preset, membership)
    services.delete_preset(preset=preset)
    messages.success(request, _("The preset “%(name)s” was deleted.") % {"name": preset.name})
    return redirect("preset_list", team_id=team_id)


@login_required
@require_GET
def preset_export(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Every preset the user can see, as a JSON file another studio (or team) can import."""
    membership = membership_or_404(request.user, team_id)
    presets = PromptPreset.objects.visible_to(membership.team, request.user)
    document = services.export_presets(presets)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="prompt-presets-team-{membership.team.pk}.json"'
    return response


@login_required
@require_POST
def preset_import(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Adds the presets of an uploaded JSON file, all or none; every problem is listed."""
    membership = membership_or_404(request.user, team_id)
    require_editor(membership)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            made = services.import_presets(
                team=membership.team,
                owner=request.user,
                raw=form.cleaned_data["file"],
                is_personal=form.cleaned_data["is_personal"],
            )
        except services.PresetError as exc:
            for problem in exc.problems:
                form.add_error("file", problem)
        else:
            messages.success(request, _("%(count)d presets were imported.") % {"count": len(made)})
            return redirect("preset_list", team_id=team_id)
    presets = PromptPreset.objects.visible_to(membership.team, request.user).select_related("owner")
    context = {
        "team": membership.team,
        "membership": membership,
        "presets": [(preset, preset.can_change(membership)) for preset in presets],
        "kinds": Kind.choices,
        "kind": "",
        "tag": "",
        "query": "",
        "import_form": form,
    }
    return render(request, "prompts/preset_list.html", context, status=400)
