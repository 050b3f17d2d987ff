"""Views of the generation engine: submitting from a project page, the live cards, result actions, media."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling, reswap, retarget

from studio.accounts.access import membership_in, membership_or_404, remember_team, require_editor
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import EDITOR_ROLES, Membership, Team, User
from studio.costs.services import price_labels
from studio.generations import catalogue, mj_buttons, prefill, services
from studio.generations.engine import capacity
from studio.generations.forms import (
    FAMILY_LABELS,
    FORMS,
    ButtonForm,
    CharacterForm,
    GenerationForm,
    RemixForm,
)
from studio.generations.forms import fragments as form_fragments
from studio.generations.kinds import KINDS
from studio.generations.kinds.sora import CHARACTER_CLIP_MAX_BYTES, CHARACTER_CLIP_MAX_SECONDS
from studio.generations.models import (
    LIVE,
    POLLED,
    TERMINAL,
    Asset,
    Character,
    Generation,
    GenerationEvent,
    Status,
)
from studio.generations.services import GenerationRuleError
from studio.lib import fragments
from studio.lib.media import MediaError, MediaKind
from studio.lib.serving import serve_file
from studio.projects.models import Project
from studio.upstream import UpstreamError

PAGE_SIZE = 24
POLL_EVERY = "3s"


def _project_for(request: AuthenticatedHttpRequest, pk: int) -> tuple[Project, Membership]:
    project = get_object_or_404(Project.objects.for_user(request.user).select_related("team"), pk=pk)
    remember_team(request, project.team)
    return project, membership_in(request, project.team)


def _generation_for(request: AuthenticatedHttpRequest, pk: int) -> tuple[Generation, Membership]:
    generation = get_object_or_404(
        Generation.objects.for_user(request.user).select_related("team", "project", "created_by"), pk=pk
    )
    return generation, membership_in(request, generation.team)


def _form_for(
    family: str, project: Project, data: Any = None, files: Any = None, initial: dict[str, Any] | None = None
) -> GenerationForm:
    form_class = FORMS.get(family, FORMS["veo3"])
    kwargs: dict[str, Any] = {"data": data, "files": files, "initial": initial or {}, "prefix": family}
    if family == "sora2":
        kwargs["character_choices"] = [
            (c.username, c.name) for c in Character.objects.filter(project=project).exclude(username="")
        ]
    form = form_class(**kwargs)
    if not form.is_bound:
        form.initial.setdefault("model", KINDS[form.current_kind()].default_model)
    return form


def _model_context(project: Project, form: GenerationForm) -> dict[str, Any]:
    """The models each kind of the form can use (one list per mode), and those of its current kind."""
    lists = [
        (kind, KINDS[kind].default_model, catalogue.models_for_kind(project.team, kind))
        for kind in form.kinds()
    ]
    current = form.current_kind()
    return {
        "model_lists": lists,
        "model_kind": current,
        "models": next(models for kind, _default, models in lists if kind == current),
    }


class CardRow:
    """A workspace card read as plain values: everything its cached HTML is keyed by (see _card_key). A card
    to be rendered (one in flight, or one the cache does not hold) is replaced by its full row."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.pk: int = values["id"]
        self.team_id: int = values["team_id"]
        self.kind: str = values["kind"]
        self.status: str = values["status"]
        self.updated_at = values["updated_at"]
        self.project_id: int = values["project_id"]
        self.compare_group_id: int | None = values["compare_group_id"]
        self.author = values["created_by_id"] and User.name_from(
            values["created_by__display_name"], values["created_by__email"]
        )
        self.parent = values["parent_id"] and (values["parent_id"], values["parent__project_id"])
        self.charge = fragments.charge_shown(values)
        self.review = fragments.review_shown(values, name_from=User.name_from)
        self.comment_count: int = values["comment_count"]
        self.result_files: list[tuple[Any, ...]] = []
        self.fragment_key: str | None = None  # set by fragments.attach
        self.cached_fragment: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def can_remix(self) -> bool:
        return self.status == Status.SUCCEEDED and KINDS[self.kind].can_remix


CARD_VALUES = (
    "id",
    "team_id",
    "kind",
    "status",
    "updated_at",
    "project_id",
    "compare_group_id",
    "created_by_id",
    "created_by__display_name",
    "created_by__email",
    "parent_id",
    "parent__project_id",
    *fragments.CHARGE_VALUES,
    *fragments.REVIEW_VALUES,
    "comment_count",
)


def _card_rows(project: Project, *, before: int | None = None) -> list[CardRow]:
    """A page of the project's cards, newest first, and one more to tell whether there are more: two
    queries of plain values (the cards, their result files)."""
    queryset = Generation.objects.filter(project=project).alive().with_comment_count()
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = [CardRow(values) for values in queryset.order_by("-pk").values(*CARD_VALUES)[: PAGE_SIZE + 1]]
    by_id = {row.pk: row for row in rows}
    files = (
        Asset.objects.filter(generation_id__in=by_id, role=Asset.Role.RESULT)
        .order_by("generation_id", "position", "pk")
        .values_list(
            "generation_id", "pk", "kind", "thumbnail", "poster", "size", "width", "height", "duration"
        )
    )
    for generation_id, *shown in files:
        by_id[generation_id].result_files.append(tuple(shown))
    return rows


def _cards_to_show(rows: Sequence[CardRow]) -> list[Generation | CardRow]:
    """Each card as the template needs it: the row as values where the cache holds its HTML, else its full
    row, read in one query (and one for its files), keeping the fragment key so the render is stored."""
    to_render = [row.pk for row in rows if row.cached_fragment is None]
    # No ordering (the page's order is the rows'): sorting by the model's default costs more to compile
    # than this whole query takes to run, with its five joins.
    cards_query = Generation.objects.filter(pk__in=to_render).for_cards().order_by()
    loaded = cards_query.in_bulk() if to_render else {}
    cards: list[Generation | CardRow] = []
    for row in rows:
        if row.cached_fragment is not None:
            cards.append(row)
        elif (generation := loaded.get(row.pk)) is not None:  # else deleted meanwhile
            generation.fragment_key = row.fragment_key  # type: ignore[attr-defined]
            generation.cached_fragment = None  # type: ignore[attr-defined]
            cards.append(generation)
    return cards


CARD_TEMPLATES = ("generations/_card.html", "reviews/_badge.html", "comments/_count.html")


def _card_key(
    row: CardRow, *, can_edit: bool, clips: tuple[CharacterClip, ...] = ()
) -> tuple[Any, ...] | None:
    """Everything a finished card shows (see generations/_card.html); None for one still changing."""
    if not row.is_finished:
        return None
    return (
        row.pk,
        row.updated_at,
        row.status,
        row.project_id,
        row.author,
        row.parent,
        row.charge,
        tuple(row.result_files),
        (row.review, row.comment_count),
        row.compare_group_id,
        clips if row.can_remix else (),
        can_edit,
    )


# The cards a gateway's request to wait holds back: tasks it follows and jobs not yet sent.
HELD_BY_GATEWAY_REST = POLLED | {Status.QUEUED}


def _note_gateway_rests(cards: Sequence[Generation], teams: Mapping[int, Team]) -> None:
    """Tells each held card until when its team's gateway asked to be left alone (one cache read a team)."""
    rests = {team_id: services.gateway_rest_until(team) for team_id, team in teams.items()}
    for card in cards:
        held = card.status in HELD_BY_GATEWAY_REST
        card.gateway_rest_until = rests.get(card.team_id) if held else None  # type: ignore[attr-defined]


def _card_context(request: AuthenticatedHttpRequest, membership: Membership) -> dict[str, Any]:
    return {"membership": membership, "can_edit": membership.can_edit, "poll_every": POLL_EVERY}


@login_required
@require_GET
def project_workspace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The project's page: the form to make something and the task cards, newest first."""
    project, membership = _project_for(request, pk)
    family = request.GET.get("family", "veo3")
    if family not in FORMS:
        family = "veo3"
    before = request.GET.get("before")
    rows = _card_rows(project, before=int(before) if before and before.isdigit() else None)
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    character_clips = _character_clips(project, rows)
    # A card offering "make a character" lists the project's videos: the list is part of what it shows.
    clips = tuple(character_clips)
    fragments.attach(
        rows,
        name="card",
        templates=CARD_TEMPLATES,
        key_of=lambda row: _card_key(row, can_edit=membership.can_edit, clips=clips),
    )
    cards = _cards_to_show(rows)
    rendered = [card for card in cards if isinstance(card, Generation)]
    capacity.annotate_waiting_line(rendered)
    _note_gateway_rests(rendered, {project.team_id: project.team})
    picked, initial = _use_as_input(request, project, family)
    filled, filled_context = prefill.prefill(request, project, family)
    form = _form_for(family, project, initial={**initial, **filled})
    model_context = _model_context(project, form) if membership.can_edit else {"models": []}
    context = {
        "project": project,
        "team": project.team,
        "membership": membership,
        "family": family,
        "families": list(FAMILY_LABELS.items()),
        "form": form,
        "picked_assets": picked,
        **filled_context,
        **model_context,
        # A form filled from a preset or re-running a generation shows what it was filled from: live.
        "form_parts": None
        if filled_context
        else form_fragments.attach(form, project_pk=project.pk, model_context=model_context),
        "cards": cards,
        "character_clips": character_clips,
        "has_more": has_more,
        "live_ids": [g.pk for g in cards if g.status in LIVE],
        "live_versions": _versions(g for g in cards if g.status in LIVE),
        **_card_context(request, membership),
    }
    template = "generations/workspace.html"
    if request.htmx and before:
        template += "#more-cards"
    elif request.htmx and request.GET.get("family"):
        template += "#generation-form"
    return render(request, template, context)


class CharacterClip(NamedTuple):
    """A project video a card's "make a character" form offers: what its option shows, read as values."""

    pk: int
    original_name: str


def _character_clips(project: Project, cards: Sequence[CardRow]) -> list[CharacterClip]:
    """The project's videos a Sora character may be taken from (read only if a card offers it)."""
    if not any(card.can_remix for card in cards):
        return []
    videos = Asset.objects.filter(project=project, kind=Asset.MediaKind.VIDEO).order_by("-created_at")
    return [CharacterClip(*row) for row in videos.values_list("pk", "original_name")[:50]]


def _use_as_input(
    request: AuthenticatedHttpRequest, project: Project, family: str
) -> tuple[list[Asset], dict[str, Any]]:
    """`?use=<asset id>`: an earlier result (or input) of the team, preset as the form's input.

    `?mode=<kind>` opens a form of several kinds in that one; an asset alone opens it in the mode its
    media kind fits (a video in the audio form: transcription).
    """
    form_class = FORMS[family]
    initial: dict[str, Any] = {}
    modes = form_class.mode_kinds()
    mode = request.GET.get("mode", "")
    use_asset = request.GET.get("use", "")
    asset = None
    if use_asset.isdigit():
        asset = Asset.objects.for_user(request.user).filter(pk=int(use_asset), team=project.team).first()
    field = form_class.use_as_input.get(asset.kind, "") if asset else ""
    if asset is not None and field:
        initial[field] = str(asset.pk)
        mode = mode or form_class.mode_for_input.get(asset.kind, "")
    if mode in modes:
        initial["mode"] = mode
    if asset is None or not field:
        return [], initial
    kind = initial.get("mode") or form_class.kind
    if asset.generation_id and asset.generation and asset.generation.prompt and KINDS[kind].needs_prompt:
        initial["prompt"] = asset.generation.prompt
    return [asset], initial


def _version(generation: Generation) -> int:
    """A card's version: its last change, plus its place in the waiting line, which moves without one."""
    version = int(generation.updated_at.timestamp() * 1000)
    if getattr(generation, "gateway_rest_until", None):
        # A gateway's request to wait starts and ends without a change to the row.
        version = version * 10 + 1
    if generation.status == Status.WAITING:
        version = version * 1000 + min(generation.slots_ahead, 999)
    return version


def _versions(generations: Any, *, rendered: Sequence[Generation] | None = None) -> str:
    """`id.version` pairs the page's poller sends back, so the server answers with what changed only.

    A response that renders only some cards (a new card, an action's card) gives the others version 0:
    the page may still show an older copy of them, so the next poll sends them again. A rendered card
    gets the version of the very row it was drawn from: the list of live cards is read after it, and a
    worker may have moved the job on in between (a new job goes from queued to waiting in milliseconds),
    and that newer version would keep the page's older card from ever being sent again.
    """
    rows = list(generations)
    shown: dict[int, Generation] = {}
    if rendered is not None:
        shown = {g.pk: g for g in rendered if g.status in LIVE}
        rows = [*shown.values(), *(g for g in rows if g.pk not in shown)]
    capacity.annotate_waiting_line(rows)
    return ",".join(f"{g.pk}.{_version(g) if rendered is None or g.pk in shown else 0}" for g in rows)


def _check_inputs(
    request: AuthenticatedHttpRequest, project: Project, form: GenerationForm, scratch: Path
) -> dict[str, list[services.InputFile]] | None:
    """Checks the form's uploads (in scratch space) and resolves its picked assets; stores nothing.

    On failure adds form errors and returns None.
    """
    inputs: dict[str, list[services.InputFile]] = {}
    for role, source in form.input_roles().items():
        error_field = source.upload or None
        items: list[services.InputFile] = []
        if source.picked:
            ids = form.cleaned_data.get(source.picked) or []
            found = {
                a.pk: a for a in Asset.objects.for_user(request.user).filter(pk__in=ids, team=project.team)
            }
            if len(found) != len(set(ids)):
                form.add_error(error_field, _("One of the chosen inputs is no longer available."))
                return None
            if any(found[i].kind not in source.allowed for i in ids):
                form.add_error(error_field, _("One of the chosen inputs is not the right kind of file here."))
                return None
            items.extend(found[i] for i in ids)
        uploads = (form.cleaned_data.get(source.upload) or []) if source.upload else []
        for upload in uploads if isinstance(uploads, list) else [uploads]:
            try:
                items.append(
                    services.check_upload(
                        project=project,
                        user=request.user,
                        upload=upload,
                        allowed=set(source.allowed),
                        scratch=scratch,
                        max_bytes=source.max_bytes,
                        max_duration=source.max_duration,
                    )
                )
            except MediaError as exc:
                form.add_error(error_field, str(exc))
                return None
        if items:
            inputs[role] = items
    form.check_inputs(
        {role: [services.input_asset(item) for item in items] for role, items in inputs.items()}
    )
    return None if form.errors else inputs


@login_required
@require_POST
def generation_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Records and queues a generation; answers at once with its card (the gateway is asked later).

    Uploads are checked in scratch space and stored only once every check has passed.
    """
    project, membership = _project_for(request, pk)
    require_editor(membership)
    family = request.POST.get("family", "veo3")
    if family not in FORMS:
        family = "veo3"
    form = _form_for(family, project, data=request.POST, files=request.FILES)
    generation = None
    if form.is_valid():
        with services.upload_scratch() as scratch:
            inputs = _check_inputs(request, project, form, scratch)
            if inputs is not None:
                try:
                    generation = services.start_generation(
                        project=project,
                        user=request.user,
                        kind=form.kind,
                        model=form.cleaned_data["model"],
                        prompt=form.generation_prompt(),
                        params=form.params(),
                        inputs=inputs,
                    )
                except GenerationRuleError as exc:
                    form.add_error(None, str(exc))
    if generation is None:
        return _form_errors(request, project, membership, family, form)
    prefill.record_origin(request, generation)
    if not catalogue.is_known_model(project.team, generation.kind, generation.model):
        generation.log(
            GenerationEvent.Kind.NOTE,
            message=_("The model %(model)s is not in the gateway's list for this kind; it was sent as typed.")
            % {"model": generation.model},
        )
    if not request.htmx:
        messages.success(request, _("Queued. The card below follows it live."))
        return redirect("project_detail", pk=project.pk)
    return _new_card_response(request, project, membership, family, generation)


def _form_errors(
    request: AuthenticatedHttpRequest,
    project: Project,
    membership: Membership,
    family: str,
    form: GenerationForm,
) -> HttpResponse:
    context = {
        "project": project,
        "membership": membership,
        "family": family,
        "families": list(FAMILY_LABELS.items()),
        "form": form,
        **_model_context(project, form),
        "can_edit": membership.can_edit,
    }
    if request.htmx:
        response = render(request, "generations/workspace.html#generation-form", context)
        return reswap(retarget(response, "#generation-form"), "outerHTML")
    cards = _cards_to_show(_card_rows(project)[:PAGE_SIZE])  # rendered afresh: no fragment keys
    context.update({"team": project.team, "cards": cards, "live_ids": []})
    return render(request, "generations/workspace.html", context, status=400)


def _new_card_response(
    request: AuthenticatedHttpRequest,
    project: Project,
    membership: Membership,
    family: str,
    generation: Generation,
    *,
    live: list[Generation] | None = None,
) -> HttpResponse:
    """The new card, a fresh form (out of band) and the poller restarted with the new card in it."""
    generation = Generation.objects.for_cards().get(pk=generation.pk)
    live = live or _live_cards(project.pk)
    form = _form_for(family if family in FORMS else "veo3", project)
    context = {
        "generation": generation,
        "project": project,
        "membership": membership,
        "can_edit": membership.can_edit,
        "family": family,
        "families": list(FAMILY_LABELS.items()),
        "form": form,
        **_model_context(project, form),
        "live_ids": [g.pk for g in live],
        "live_versions": _versions(live, rendered=[generation]),
        "poll_every": POLL_EVERY,
        "oob": True,
    }
    return render(request, "generations/_created.html", context)


@login_required
@require_GET
def generation_poll(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The page's single poller: answers only the cards that changed, and stops itself when none is live.

    Three queries whatever the number of cards: the user, the generations, their result assets.
    """
    known: dict[int, int] = {}
    for pair in request.GET.get("v", "").split(",")[:100]:
        pk, _dot, version = pair.partition(".")
        if pk.isdigit() and version.isdigit():
            known[int(pk)] = int(version)
    rows = (
        list(
            Generation.objects.for_user(request.user)
            .annotate(viewer_role=F("team__memberships__role"))
            .filter(pk__in=known)
            .for_cards()
            .select_related("team")
            .order_by("-pk")
        )
        if known
        else []
    )
    capacity.annotate_waiting_line(rows)
    _note_gateway_rests(rows, {g.team_id: g.team for g in rows})
    changed = [g for g in rows if _version(g) != known.get(g.pk)]
    for generation in changed:
        generation.viewer_can_edit = generation.viewer_role in EDITOR_ROLES  # type: ignore[attr-defined]
    live = [g for g in rows if g.status in LIVE]
    context = {
        "changed": changed,
        "live_ids": [g.pk for g in live],
        "live_versions": _versions(live),
        "poll_every": POLL_EVERY,
        "oob": True,
    }
    html = render_to_string("generations/_poll.html", context, request=request)
    return HttpResponse(html) if live else HttpResponseStopPolling(html)


def _live_cards(project_id: int) -> list[Generation]:
    return list(Generation.objects.filter(project_id=project_id, status__in=LIVE).order_by("-pk")[:50])


def _after_action(
    request: AuthenticatedHttpRequest,
    generation: Generation,
    child: Generation | None = None,
    *,
    error: str = "",
    note: str = "",
) -> HttpResponse:
    """What a card's action answers: the child's new card, or the card itself with any error on it.

    Actions that make a child target the list (the child card goes on top); the others target their own
    card. Either way the page's poller is restarted out of band; the make form is left alone.
    """
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif note:
            messages.success(request, note)
        return redirect("project_detail", pk=generation.project_id)
    membership = membership_in(request, generation.team)
    live = _live_cards(generation.project_id)
    if child is not None:
        shown, oob = Generation.objects.for_cards().get(pk=child.pk), False
    else:
        # Into the list, the card must replace itself out of band, or it would be added a second time.
        shown, oob = (
            Generation.objects.for_cards().get(pk=generation.pk),
            request.htmx.target == "generation-list",
        )
    _note_gateway_rests([shown, *live], {generation.team_id: generation.team})
    context = {
        "generation": shown,
        "can_edit": membership.can_edit,
        "oob": oob,
        "action_error": error,
        "action_note": note,
        "live_ids": [g.pk for g in live],
        "live_versions": _versions(live, rendered=[shown]),
        "poll_every": POLL_EVERY,
    }
    return render(request, "generations/_card_action.html", context)


@login_required
@require_POST
def generation_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    if not services.cancel_generation(generation=generation, user=request.user):
        return _after_action(request, generation, error=_("This generation had already finished."))
    return _after_action(request, generation)


@login_required
@require_POST
def generation_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    try:
        child = services.retry_generation(generation=generation, user=request.user)
    except GenerationRuleError as exc:
        return _after_action(request, generation, error=str(exc))
    return _after_action(request, generation, child)


@login_required
@require_POST
def generation_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    rest_until = services.gateway_rest_until(generation.team)
    if rest_until is not None and generation.can_check_now:
        # Asking now would only be turned away again: the poller checks as soon as the wait is over.
        return _after_action(
            request,
            generation,
            note=_("The gateway asked us to wait until %(time)s; it will be checked then.")
            % {"time": time_format(timezone.localtime(rest_until), "H:i:s")},
        )
    if not services.check_generation_now(generation=generation):
        return _after_action(request, generation, note=_("A check is already under way."))
    return _after_action(request, generation, note=_("Checking now."))


def _checked_mask(
    request: AuthenticatedHttpRequest, generation: Generation, data_url: str, scratch: Path
) -> services.CheckedUpload | None:
    """The drawn mask, checked in scratch space; it is stored only if the button's generation starts."""
    if not data_url:
        return None
    header, _comma, payload = data_url.partition(",")
    if not header.startswith("data:image/png;base64"):
        raise MediaError(_("The drawn mask could not be read; draw it again."), code="bad_mask")
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MediaError(_("The drawn mask could not be read; draw it again."), code="bad_mask") from exc
    upload = SimpleUploadedFile("mask.png", content, content_type="image/png")
    return services.check_upload(
        project=generation.project,
        user=request.user,
        upload=upload,
        allowed={MediaKind.IMAGE},
        scratch=scratch,
    )


@login_required
@require_POST
def generation_button(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Presses a Midjourney button on a result: a child generation with its own card."""
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    form = ButtonForm(request.POST)
    if not form.is_valid():
        raise Http404
    button = mj_buttons.classify(form.cleaned_data["custom_id"])
    offered = {b["custom_id"] for b in generation.buttons}
    if button and button.action == mj_buttons.Action.BOOKMARK and button.custom_id in offered:
        try:
            services.bookmark_generation(generation=generation, user=request.user)
        except GenerationRuleError as exc:
            return _after_action(request, generation, error=str(exc))
        return _after_action(request, generation, note=_("Bookmarked: it is in your favourites."))
    try:
        with services.upload_scratch() as scratch:
            mask = _checked_mask(request, generation, form.cleaned_data["mask"], scratch)
            child = services.press_midjourney_button(
                generation=generation,
                user=request.user,
                custom_id=form.cleaned_data["custom_id"],
                prompt=form.cleaned_data["prompt"],
                mask=mask,
            )
    except (GenerationRuleError, MediaError) as exc:
        return _after_action(request, generation, error=str(exc))
    return _after_action(request, generation, child)


@login_required
@require_POST
def generation_remix(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    form = RemixForm(request.POST)
    if not form.is_valid():
        return _after_action(
            request, generation, error=" ".join(str(e) for e in form.errors.get("prompt", []))
        )
    try:
        child = services.remix_sora_video(
            generation=generation, user=request.user, prompt=form.cleaned_data["prompt"]
        )
    except GenerationRuleError as exc:
        return _after_action(request, generation, error=str(exc))
    return _after_action(request, generation, child)


@login_required
@require_POST
def generation_character(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    form = CharacterForm(request.POST, request.FILES, project=generation.project)
    if not form.is_valid():
        return _after_action(
            request, generation, error=" ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    data = form.cleaned_data
    try:
        with services.upload_scratch() as scratch:
            clip: services.InputFile | None = data["clip_asset"]
            if data["clip"] is not None:
                clip = services.check_upload(
                    project=generation.project,
                    user=request.user,
                    upload=data["clip"],
                    allowed={MediaKind.VIDEO},
                    scratch=scratch,
                    max_bytes=CHARACTER_CLIP_MAX_BYTES,
                    max_duration=CHARACTER_CLIP_MAX_SECONDS,
                )
            child = services.create_sora_character(
                generation=generation,
                user=request.user,
                name=data["name"],
                timestamps=data["timestamps"],
                real_person=data["real_person"],
                clip=clip,
                clip_url=data["clip_url"],
            )
    except (GenerationRuleError, MediaError) as exc:
        return _after_action(request, generation, error=str(exc))
    return _after_action(request, generation, child)


@login_required
@require_http_methods(["GET", "HEAD"])
def asset_file(request: AuthenticatedHttpRequest, pk: int, variant: str) -> HttpResponseBase:
    """A stored file, for members of its team only; `?download=1` saves it under a readable name."""
    asset = get_object_or_404(Asset.objects.for_user(request.user), pk=pk)
    if variant == "file":
        field, content_type = asset.file, asset.mime_type
    elif variant == "thumb" and asset.thumbnail:
        field, content_type = asset.thumbnail, "image/webp"
    elif variant == "poster" and asset.poster:
        field, content_type = asset.poster, "image/webp"
    else:
        raise Http404
    download_name = asset.download_name if request.GET.get("download") and variant == "file" else None
    response = serve_file(request, field, content_type=content_type, download_name=download_name)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def team_models(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The team's Models page: every model its gateway listed, by capability, with the team's own figures."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    if not catalogue.stored_model_ids(membership.team):
        # Never refreshed yet: the first visit asks the gateway (a failure is shown on the page).
        catalogue.gateway_model_ids(membership.team)
    context = {
        "team": membership.team,
        "membership": membership,
        "page": catalogue.catalogue_page(membership.team),
        "prices": price_labels(membership.team),
    }
    template = "generations/team_models.html"
    if request.htmx:
        template += "#model-catalogue"
    return render(request, template, context)


@login_required
@require_POST
def team_models_refresh(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Asks the gateway for its model list now; a gateway that cannot be asked leaves the last list."""
    membership = membership_or_404(request.user, team_id)
    require_editor(membership)
    try:
        catalogue.refresh_catalogue(team=membership.team)
    except UpstreamError as exc:
        ok = False
        note = _("The gateway could not be asked for its models (%(reason)s); the last list stays.") % {
            "reason": exc
        }
    else:
        ok, note = True, _("The model list was refreshed.")
    if not request.htmx:
        (messages.success if ok else messages.error)(request, note)
        return redirect("team_models", team_id=team_id)
    context = {
        "team": membership.team,
        "membership": membership,
        "page": catalogue.catalogue_page(membership.team),
        "prices": price_labels(membership.team),
        "refresh_note": note,
        "refresh_ok": ok,
    }
    return render(request, "generations/team_models.html#model-catalogue", context)
