"""Views of the history: project and team galleries, generation detail with lineage, favourites, tags,
bulk actions (ZIP, move, copy, tag, trash, restore), the trash, and the team's audit log."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from studio.accounts.access import membership_in, membership_or_404, remember_team, require_editor
from studio.accounts.http import AuthenticatedHttpRequest
from studio.accounts.models import EDITOR_ROLES, Membership, Team
from studio.comments.views import thread_context
from studio.generations.forms import FAMILY_LABELS
from studio.generations.models import Asset, Generation, GenerationEvent, Tag
from studio.history import exports
from studio.history import services as history
from studio.history.forms import BulkActionForm, GalleryFilterForm, TagForm
from studio.history.models import ZipExport
from studio.history.services import HistoryRuleError, choices_cache_key
from studio.lib import fragments
from studio.lib.serving import serve_file
from studio.projects.models import Project
from studio.reviews import services as reviews

CHOICES_CACHE_SECONDS = 300


class _Viewer:
    """What the templates need to know about the person looking."""

    def __init__(self, role: str) -> None:
        self.can_edit = role in EDITOR_ROLES


def _project_and_role(request: AuthenticatedHttpRequest, pk: int) -> tuple[Project, _Viewer]:
    """The project and the viewer's role in one query (404 for another team)."""
    project = get_object_or_404(
        Project.objects.for_user(request.user)
        .annotate(viewer_role=F("team__memberships__role"))
        .select_related("team"),
        pk=pk,
    )
    remember_team(request, project.team)
    return project, _Viewer(project.viewer_role)  # type: ignore[attr-defined]


def _filter_choices(team: Team) -> dict[str, list[tuple[int, str]]]:
    """The filters' and bulk bar's options (members, tags, projects), cached until one of them changes."""
    key = choices_cache_key(team.pk)
    cached: dict[str, list[tuple[int, str]]] | None = cache.get(key)
    if cached is None:
        cached = _load_filter_choices(team)
        cache.set(key, cached, CHOICES_CACHE_SECONDS)
    return cached


def _load_filter_choices(team: Team) -> dict[str, list[tuple[int, str]]]:
    authors = [
        (m.user_id, m.user.name)
        for m in Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    ]
    tags = list(Tag.objects.filter(team=team).values_list("pk", "name"))
    projects = list(Project.objects.for_team(team).active().order_by("name").values_list("pk", "name"))
    return {"authors": authors, "tags": tags, "projects": projects}


TILE_TEMPLATES = (
    "history/_tile.html",
    "history/_favourite.html",
    "history/_tags.html",
    "reviews/_badge.html",
    "comments/_count.html",
    "costs/_cost_badge.html",
)


def _tile_key(
    tile: history.Tile, *, viewer: _Viewer, in_project: bool, trash: bool
) -> tuple[Any, ...] | None:
    """Everything a finished tile shows (see history/_tile.html); None for one still changing."""
    if not tile.is_finished:
        return None
    return (
        tile.pk,
        tile.updated_at,
        tile.status,
        tile.author,
        None if in_project else (tile.project_id, tile.project_name),
        tile.first_asset,
        tuple(tile.tags),
        (tile.review, tile.comment_count),
        tile.charge,
        tile.is_favourite,  # a flag in the key; the star itself is not personal
        viewer.can_edit,
        trash,
    )


def _page_size(request: AuthenticatedHttpRequest) -> int:
    size = request.GET.get("size", "")
    return int(size) if size.isdigit() else history.PAGE_SIZE


def _gallery(
    request: AuthenticatedHttpRequest,
    *,
    team: Team,
    viewer: _Viewer,
    project: Project | None,
    trash: bool = False,
) -> HttpResponse:
    choices = _filter_choices(team)
    form = GalleryFilterForm(
        request.GET or None,
        authors=choices["authors"],
        tags=choices["tags"],
        projects=choices["projects"] if project is None else None,
    )
    base = Generation.objects.filter(team=team)
    if project is not None:
        # The project alone (not team and project), so the planner picks the project's own index.
        base = Generation.objects.filter(project=project)
    queryset: QuerySet[Generation] = base.in_trash() if trash else base.alive()
    queryset = history.filter_generations(queryset, form.filters(), user=request.user)
    page = history.gallery_page(
        queryset,
        user=request.user,
        cursor=request.GET.get("cursor", ""),
        size=_page_size(request),
        sort=form.chosen_sort(),
    )
    fragments.attach(
        page.items,
        name="tile",
        templates=TILE_TEMPLATES,
        key_of=lambda tile: _tile_key(tile, viewer=viewer, in_project=project is not None, trash=trash),
    )
    page = history.load_tiles(page, request.user)  # only the tiles the cache does not hold
    # The filter panel is a function of the address and the team's options: rendered once per both.
    filter_panel = SimpleNamespace()
    fragments.attach(
        [filter_panel],
        name="history-filters",
        templates=("history/gallery.html",),
        key_of=lambda _panel: (
            request.path,
            sorted((name, request.GET.getlist(name)) for name in request.GET if name != "cursor"),
            choices,
        ),
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "team": team,
        "project": project,
        "viewer": viewer,
        "form": form,
        "filter_panel": filter_panel,
        "page": page,
        "filters_query": query.urlencode(),
        "bulk_projects": choices["projects"],
        "bulk_actions": BulkActionForm.ACTIONS if not trash else [("restore", _("Restore from trash"))],
        "trash": trash,
        "families": FAMILY_LABELS,
    }
    template = "history/gallery.html"
    # A history restore (Back after htmx pushed the URL) needs the whole page, not a fragment.
    partial = request.htmx and not request.htmx.history_restore_request
    if partial and request.GET.get("cursor"):
        template += "#gallery-items"
    elif partial:
        template += "#gallery"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def project_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every result of a project, newest first, with filters and search that live in the URL."""
    project, viewer = _project_and_role(request, pk)
    return _gallery(request, team=project.team, viewer=viewer, project=project)


@login_required
@require_GET
def project_trash(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project, viewer = _project_and_role(request, pk)
    return _gallery(request, team=project.team, viewer=viewer, project=project, trash=True)


@login_required
@require_GET
def team_history(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The same gallery across all of a team's projects."""
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    return _gallery(request, team=membership.team, viewer=_Viewer(membership.role), project=None)


def _generation_for(request: AuthenticatedHttpRequest, pk: int) -> tuple[Generation, Membership]:
    generation = get_object_or_404(
        Generation.objects.for_user(request.user).select_related(
            "team", "project", "created_by", "parent", "review", "review__set_by"
        ),
        pk=pk,
    )
    return generation, membership_in(request, generation.team)


def _lineage(generation: Generation) -> tuple[list[Generation], list[tuple[Generation, int]]]:
    """Ancestors from the root down, and descendants depth-first with their depth (one query a level)."""
    ancestors: list[Generation] = []
    node = generation.parent
    while node is not None and len(ancestors) < 25:
        ancestors.insert(0, node)
        node = Generation.objects.filter(pk=node.parent_id).first() if node.parent_id else None
    by_parent: dict[int, list[Generation]] = {}
    level = [generation.pk]
    for _depth in range(10):
        children = list(
            Generation.objects.filter(parent_id__in=level, team_id=generation.team_id)
            .alive()
            .prefetch_related(
                Prefetch(
                    "assets", queryset=Asset.objects.filter(role=Asset.Role.RESULT), to_attr="tile_assets"
                )
            )
            .order_by("created_at", "pk")
        )
        if not children:
            break
        for child in children:
            by_parent.setdefault(child.parent_id or 0, []).append(child)
        level = [child.pk for child in children]
    descendants: list[tuple[Generation, int]] = []

    def walk(pk: int, depth: int) -> None:
        for child in by_parent.get(pk, []):
            descendants.append((child, depth))
            walk(child.pk, depth + 1)

    walk(generation.pk, 1)
    return ancestors, descendants


def _timeline(generation: Generation) -> list[dict[str, Any]]:
    """The status changes with how long each state lasted."""
    changes = list(generation.events.filter(kind=GenerationEvent.Kind.STATUS).order_by("at", "pk"))
    timeline = []
    for index, event in enumerate(changes):
        following = changes[index + 1].at if index + 1 < len(changes) else None
        timeline.append({"event": event, "lasted": (following - event.at) if following else None})
    return timeline


@login_required
@require_GET
def generation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A generation in full: results, parameters, the exact request and every response, timeline, lineage."""
    generation, membership = _generation_for(request, pk)
    remember_team(request, generation.team)
    results = list(generation.assets.filter(role=Asset.Role.RESULT).order_by("position"))
    inputs = list(generation.inputs.select_related("asset").order_by("role", "position"))
    ancestors, descendants = _lineage(generation)
    review = getattr(generation, "review", None)  # No row: not reviewed.
    context = {
        **thread_context(generation, membership),
        "review": review,
        "can_review": reviews.can_review(membership, reviews.reviewer_roles(generation.team)),
        "generation": generation,
        "project": generation.project,
        "team": generation.team,
        "membership": membership,
        "results": results,
        "inputs": inputs,
        "events": generation.events.exclude(kind=GenerationEvent.Kind.STATUS).order_by("at", "pk"),
        "timeline": _timeline(generation),
        "ancestors": ancestors,
        "descendants": descendants,
        "is_favourite": generation.favourites.filter(user=request.user).exists(),
        "tag_form": TagForm(),
    }
    return render(request, "history/generation_detail.html", context)


@login_required
@require_POST
def generation_favourite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stars or un-stars a generation for the current user (any member, viewers included)."""
    generation, _membership = _generation_for(request, pk)
    is_favourite = history.toggle_favourite(user=request.user, generation=generation)
    if not request.htmx:
        return redirect(_back(request, reverse("generation_detail", args=[pk])))
    return render(
        request, "history/_favourite.html", {"generation": generation, "is_favourite": is_favourite}
    )


def _tags_response(
    request: AuthenticatedHttpRequest, generation: Generation, viewer: _Viewer
) -> HttpResponse:
    if not request.htmx:
        return redirect(_back(request, reverse("generation_detail", args=[generation.pk])))
    return render(
        request,
        "history/_tags.html",
        {"generation": generation, "tags": generation.tags.order_by("name"), "viewer": viewer},
    )


@login_required
@require_POST
def generation_tag_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            history.add_tag(
                user=request.user,
                generations=[generation],
                team=generation.team,
                name=form.cleaned_data["name"],
            )
        except HistoryRuleError as exc:
            messages.error(request, str(exc))
    return _tags_response(request, generation, _Viewer(membership.role))


@login_required
@require_POST
def generation_tag_remove(request: AuthenticatedHttpRequest, pk: int, tag_id: int) -> HttpResponse:
    generation, membership = _generation_for(request, pk)
    require_editor(membership)
    tag = get_object_or_404(Tag, pk=tag_id, team=generation.team)
    history.remove_tag(generation=generation, tag=tag)
    return _tags_response(request, generation, _Viewer(membership.role))


def _back(request: AuthenticatedHttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def history_bulk(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponseBase:
    """Applies one action to the selected generations of the team."""
    membership = membership_or_404(request.user, team_id)
    team = membership.team
    projects = list(Project.objects.for_team(team).active().values_list("pk", "name"))
    form = BulkActionForm(request.POST, projects=projects)
    back = _back(request, reverse("team_history", args=[team.pk]))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    action = form.cleaned_data["action"]
    if action != "zip":
        require_editor(membership)
    chosen = history.selection(
        user=request.user, team=team, ids=form.cleaned_data["ids"], include_trash=action == "restore"
    )
    if not chosen:
        messages.error(request, _("None of the selected results could be found."))
        return redirect(back)
    try:
        response = _apply_bulk(request, team, action, chosen, form.cleaned_data)
    except HistoryRuleError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return response or redirect(back)


def _apply_bulk(
    request: AuthenticatedHttpRequest, team: Team, action: str, chosen: list[Generation], data: dict[str, Any]
) -> HttpResponseBase | None:
    user = request.user
    if action == "zip":
        if exports.total_size(chosen) <= settings.ZIP_STREAM_MAX_BYTES:
            exports.record_zip_download(team=team, user=user, generations=chosen)
            response = StreamingHttpResponse(exports.stream_zip(chosen), content_type="application/zip")
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="aitre-{stamp}.zip"'
            return response
        export = exports.queue_zip_export(team=team, user=user, generations=chosen)
        return redirect("zip_export_detail", team_id=team.pk, pk=export.pk)
    if action in {"move", "copy"}:
        target = get_object_or_404(Project.objects.for_team(team), pk=data["target"])
        if action == "move":
            count = history.move_generations(user=user, team=team, generations=chosen, target=target)
            messages.success(
                request, _("Moved %(count)d to “%(project)s”.") % {"count": count, "project": target.name}
            )
        else:
            copies = history.copy_generations(user=user, team=team, generations=chosen, target=target)
            messages.success(
                request,
                _("Copied %(count)d to “%(project)s”.") % {"count": len(copies), "project": target.name},
            )
    elif action == "tag":
        tag = history.add_tag(user=user, generations=chosen, team=team, name=data["tag"])
        messages.success(request, _("Tagged %(count)d “%(tag)s”.") % {"count": len(chosen), "tag": tag.name})
    elif action == "trash":
        count = history.trash_generations(user=user, team=team, generations=chosen)
        messages.success(
            request, _("Moved %(count)d to the trash. You can restore them from there.") % {"count": count}
        )
    elif action == "restore":
        count = history.restore_generations(user=user, team=team, generations=chosen)
        messages.success(request, _("Restored %(count)d.") % {"count": count})
    return None


@login_required
@require_GET
def zip_export_detail(request: AuthenticatedHttpRequest, team_id: int, pk: int) -> HttpResponse:
    membership = membership_or_404(request.user, team_id)
    export = get_object_or_404(ZipExport, pk=pk, team=membership.team)
    template = "history/zip_export.html"
    if request.htmx:
        template += "#export-status"
    is_done = export.status in {ZipExport.Status.READY, ZipExport.Status.FAILED}
    # A finished export's fragment tells htmx to stop polling its progress.
    status = HTMX_STOP_POLLING if request.htmx and is_done else 200
    return render(request, template, {"export": export, "team": membership.team}, status=status)


@login_required
@require_GET
def zip_export_download(request: AuthenticatedHttpRequest, team_id: int, pk: int) -> HttpResponseBase:
    membership = membership_or_404(request.user, team_id)
    export = get_object_or_404(ZipExport, pk=pk, team=membership.team, status=ZipExport.Status.READY)
    if not export.file:
        raise Http404
    return serve_file(
        request, export.file, content_type="application/zip", download_name=f"aitre-{export.pk}.zip"
    )
