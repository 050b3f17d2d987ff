"""Views of comparisons: starting one from the project page's form, its page of cards side by side, and
the full-screen view of two of its results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from studio.accounts.access import membership_in, remember_team, require_editor
from studio.accounts.http import AuthenticatedHttpRequest
from studio.generations import catalogue, compare, services
from studio.generations.engine import capacity
from studio.generations.forms import FAMILY_LABELS, FORMS
from studio.generations.forms.compare import CompareForm, variable_fields
from studio.generations.models import LIVE, Asset, CompareGroup, Generation
from studio.generations.views import (
    PAGE_SIZE,
    POLL_EVERY,
    _card_rows,
    _cards_to_show,
    _check_inputs,
    _form_for,
    _live_cards,
    _model_context,
    _project_for,
    _versions,
)


@login_required
@require_POST
def generation_compare(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Sends the form's prompt and inputs to 2–6 models or values of one parameter, as one comparison."""
    project, membership = _project_for(request, pk)
    require_editor(membership)
    family = request.POST.get("family", "veo3")
    if family not in FORMS:
        family = "veo3"
    form = _form_for(family, project, data=request.POST, files=request.FILES)
    compare_form = CompareForm(
        request.POST,
        models=catalogue.models_for_kind(project.team, form.current_kind()),
        parameters=variable_fields(form),
    )
    group = None
    if form.is_valid() and compare_form.is_valid():
        variants = []
        overrides = compare_form.overrides(form.cleaned_data["model"])
        for field, value in overrides if compare_form.check_count(len(overrides)) else []:
            data = request.POST.copy()
            data[f"{family}-{field}"] = value
            variant_form = _form_for(family, project, data=data, files=request.FILES)
            if not variant_form.is_valid():
                problems = "; ".join(
                    str(error) for errors in variant_form.errors.values() for error in errors
                )
                compare_form.add_error(
                    None, _("%(value)s: %(problems)s") % {"value": value, "problems": problems}
                )
                continue
            variants.append(
                compare.Variant(
                    kind=variant_form.kind,
                    model=variant_form.cleaned_data["model"],
                    prompt=variant_form.generation_prompt(),
                    params=variant_form.params(),
                    label=value,
                )
            )
        if not compare_form.errors:
            with services.upload_scratch() as scratch:
                inputs = _check_inputs(request, project, form, scratch)
                if inputs is not None:
                    try:
                        group = compare.start_comparison(
                            project=project,
                            user=request.user,
                            variants=variants,
                            inputs=inputs,
                            varies=compare_form.cleaned_data.get("vary") or "model",
                        )
                    except compare.ComparisonRefused as exc:
                        compare_form.add_error(None, str(exc))
    context = {
        "project": project,
        "team": project.team,
        "membership": membership,
        "can_edit": membership.can_edit,
        "family": family,
        "families": list(FAMILY_LABELS.items()),
        "poll_every": POLL_EVERY,
    }
    if group is None:
        context.update({"form": form, "compare_form": compare_form, **_model_context(project, form)})
        if request.htmx:
            response = render(request, "generations/workspace.html#generation-form", context)
            return reswap(retarget(response, "#generation-form"), "outerHTML")
        context.update({"cards": _cards_to_show(_card_rows(project)[:PAGE_SIZE]), "live_ids": []})
        return render(request, "generations/workspace.html", context, status=400)
    if not request.htmx:
        messages.success(request, _("The comparison is queued. Its cards follow it live."))
        return redirect("compare_group_detail", pk=group.pk)
    cards = list(Generation.objects.filter(compare_group=group).for_cards().order_by("pk"))
    live = _live_cards(project.pk)
    fresh = _form_for(family, project)
    context.update(
        {
            "group": group,
            "cards": cards,
            "form": fresh,
            **_model_context(project, fresh),
            "live_ids": [g.pk for g in live],
            "live_versions": _versions(live, rendered=cards),
            "oob": True,
        }
    )
    return render(request, "generations/_compare_created.html", context)


def _group_for(request: AuthenticatedHttpRequest, pk: int) -> CompareGroup:
    group = get_object_or_404(
        CompareGroup.objects.for_user(request.user).select_related("team", "project"), pk=pk
    )
    remember_team(request, group.team)
    return group


@login_required
@require_GET
def compare_group_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A comparison: its generations side by side, live while any runs, and what to view full-screen."""
    group = _group_for(request, pk)
    membership = membership_in(request, group.team)
    cards = list(Generation.objects.filter(compare_group=group).alive().for_cards().order_by("pk"))
    capacity.annotate_waiting_line(cards)
    live = [g for g in cards if g.status in LIVE]
    media = [
        (generation, asset)
        for generation in cards
        for asset in generation.result_assets
        if asset.is_image or asset.is_video
    ]
    context = {
        "group": group,
        "project": group.project,
        "team": group.team,
        "membership": membership,
        "can_edit": membership.can_edit,
        "cards": cards,
        "media": media,
        "live_ids": [g.pk for g in live],
        "live_versions": _versions(live),
        "poll_every": POLL_EVERY,
    }
    return render(request, "generations/compare_group.html", context)


@login_required
@require_GET
def compare_side_by_side(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two results of a comparison full-screen, side by side (videos play in step)."""
    group = _group_for(request, pk)
    ids = [int(value) for value in (request.GET.get("a", ""), request.GET.get("b", "")) if value.isdigit()]
    results = (
        Asset.objects.results()
        .filter(generation__compare_group=group, pk__in=ids)
        .select_related("generation")
    )
    found = {asset.pk: asset for asset in results}
    if len(ids) != 2 or len(found) != 2:
        # Without two results of this comparison chosen, the first two images or videos are shown.
        found = {}
        for generation in Generation.objects.filter(compare_group=group).alive().for_cards().order_by("pk"):
            for asset in generation.result_assets:
                if (asset.is_image or asset.is_video) and len(found) < 2:
                    found[asset.pk] = asset
        ids = list(found)
    pair = [found[pk] for pk in ids]
    context = {"group": group, "project": group.project, "team": group.team, "pair": pair}
    return render(request, "generations/compare_side_by_side.html", context)
