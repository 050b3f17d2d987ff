"""Share links: members make, list and revoke them; anyone with a live link sees what it covers, no more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.access import membership_in, membership_or_404, remember_team, require_editor
from studio.accounts.http import AuthenticatedHttpRequest, HtmxHttpRequest
from studio.generations.models import Asset, Generation
from studio.lib import fragments
from studio.lib.serving import serve_file
from studio.projects.models import Project
from studio.sharing import services as sharing
from studio.sharing.models import ShareLink

PAGE_SIZE = 24
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEDIA_VARIANTS = ("file", "thumb", "poster")


class ShareLinkForm(forms.Form):
    scope = forms.ChoiceField(choices=ShareLink.Scope.choices)
    generation = forms.IntegerField(required=False, min_value=1)
    asset = forms.IntegerField(required=False, min_value=1)
    expires = forms.ChoiceField(
        label=gettext_lazy("Expires"),
        initial="never",
        choices=[
            ("never", gettext_lazy("Never")),
            ("1d", gettext_lazy("In 1 day")),
            ("7d", gettext_lazy("In 7 days")),
            ("30d", gettext_lazy("In 30 days")),
        ],
    )
    allow_download = forms.BooleanField(label=gettext_lazy("Allow download"), required=False)
    only_approved = forms.BooleanField(label=gettext_lazy("Only approved results"), required=False)

    def expires_at(self) -> datetime | None:
        lifetime = sharing.EXPIRY_CHOICES[self.cleaned_data["expires"]]
        return timezone.now() + lifetime if lifetime else None


@dataclass(frozen=True)
class LinkRow:
    """A row of the Links page: the link, its address (empty for viewers), what it shows, whether this
    member may revoke it."""

    link: ShareLink
    url: str
    preview: Asset | None
    can_revoke: bool


# Members ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def share_link_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Makes a link to a result, a generation or the project; htmx gets its address, with a copy button."""
    project = get_object_or_404(Project.objects.for_user(request.user).select_related("team"), pk=pk)
    membership = membership_in(request, project.team)
    require_editor(membership)
    form = ShareLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise sharing.ShareRuleError(_("Check the link's settings and try again."))
        generation = _team_object(Generation.objects.all(), project, form.cleaned_data["generation"])
        asset = _team_object(Asset.objects.select_related("generation"), project, form.cleaned_data["asset"])
        link, token = sharing.create_share_link(
            team=project.team,
            user=request.user,
            scope=form.cleaned_data["scope"],
            project=project,
            generation=generation,
            asset=asset,
            expires_at=form.expires_at(),
            allow_download=form.cleaned_data["allow_download"],
            only_approved=form.cleaned_data["only_approved"],
        )
    except sharing.ShareRuleError as exc:
        if request.htmx:
            return render(request, "sharing/_share_created.html", {"error": str(exc)})
        messages.error(request, str(exc))
        return redirect("project_detail", pk=project.pk)
    if request.htmx:
        context = {"link": link, "url": sharing.share_url(token)}
        return render(request, "sharing/_share_created.html", context)
    messages.success(request, _("Share link created. Copy it from the list below."))
    return redirect("team_links", team_id=project.team_id)


def _team_object(queryset: Any, project: Project, pk: int | None) -> Any:
    """A generation or asset named in the form, looked up in the project's team only (404 otherwise)."""
    if pk is None:
        return None
    return get_object_or_404(queryset.filter(team_id=project.team_id), pk=pk)


@login_required
@require_GET
def team_links(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Every live link of the team: what it covers, who made it, its views; copy and revoke.

    Viewers see that the links exist but never their addresses: a live token is a key to the team's work,
    and a viewer may look but not share.
    """
    membership = membership_or_404(request.user, team_id)
    remember_team(request, membership.team)
    links = (
        ShareLink.objects.filter(team=membership.team)
        .live()
        .select_related("created_by", "project", "asset", "generation")
        .prefetch_related(Prefetch("generation__assets", queryset=Asset.objects.results()))
    )
    rows = [
        LinkRow(
            link=link,
            url=sharing.share_url(link.token_encrypted) if membership.can_edit else "",
            preview=_preview_of(link),
            can_revoke=sharing.can_revoke_link(link, membership),
        )
        for link in links
    ]
    context = {"team": membership.team, "membership": membership, "rows": rows}
    return render(request, "sharing/team_links.html", context)


def _preview_of(link: ShareLink) -> Asset | None:
    if link.asset is not None:
        return link.asset
    if link.generation is not None and link.generation.result_assets:
        return link.generation.result_assets[0]
    return None


@login_required
@require_POST
def share_link_revoke(request: AuthenticatedHttpRequest, team_id: int, link_id: int) -> HttpResponse:
    """Revokes a link: its page and every media address under it answer 410 from now on."""
    membership = membership_or_404(request.user, team_id)
    link = get_object_or_404(ShareLink.objects.filter(team=membership.team), pk=link_id)
    if not sharing.can_revoke_link(link, membership):
        raise PermissionDenied(
            _("Only the team's owners and admins, and whoever made a link, can revoke it.")
        )
    sharing.revoke_share_link(link=link, user=request.user)
    if request.htmx:
        # The row swaps itself out for nothing.
        return HttpResponse("")
    messages.success(request, _("Link revoked. It stopped working at once."))
    return redirect("team_links", team_id=membership.team_id)


# Anyone with the link --------------------------------------------------------------------------------


def _public(response: HttpResponseBase) -> HttpResponseBase:
    """Headers every public answer carries: no Referer leaks the token, no search engine lists the page."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["X-Content-Type-Options"] = "nosniff"
    # Revalidate every time, so that a revoked link stops working even for a browser that saw it before.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _unavailable(request: HttpRequest, status: int) -> HttpResponseBase:
    return _public(render(request, "sharing/unavailable.html", {"status": status}, status=status))


@require_http_methods(["GET", "HEAD"])
def share_page(request: HtmxHttpRequest, token: str) -> HttpResponseBase:
    """The shared result, generation (with its variants) or project gallery; counts one view per page load."""
    try:
        link = sharing.find_link(token)
    except sharing.LinkNotFound:
        return _unavailable(request, 404)
    except sharing.LinkGone:
        return _unavailable(request, 410)
    context: dict[str, Any] = {"link": link, "token": token, "page_url": sharing.share_url(token)}
    template = "sharing/share_page.html"
    before = _parse_cursor(request.GET.get("before", ""))
    if link.scope == ShareLink.Scope.PROJECT:
        assets, has_more = sharing.project_results_page(link, before=before, size=PAGE_SIZE)
        fragments.attach(
            assets,
            name="shared-tile",
            templates=SHARED_TILE_TEMPLATES,
            key_of=lambda asset: _shared_tile_key(asset, link=link, token=token),
        )
        context.update(
            assets=assets,
            has_more=has_more,
            next_cursor=_cursor_of(assets[-1]) if has_more else "",
            title=link.project.name,
            description=link.project.name,
        )
        if request.htmx and before is not None:
            return _public(render(request, template + "#more-results", context))
    else:
        generation = link.generation
        if generation is None:
            return _unavailable(request, 404)
        assets = list(
            sharing.covered_assets(link)
            .select_related("generation", "generation__created_by")
            .order_by("generation__created_at", "generation_id", "position", "id")
        )
        context.update(
            groups=[list(items) for _id, items in groupby(assets, key=lambda asset: asset.generation_id)],
            generation=generation,
            title=generation.get_kind_display(),
            description=generation.prompt,
        )
    context.update(_open_graph(token, assets[0] if assets else None))
    if request.method == "GET":
        sharing.count_view(link)
    return _public(render(request, template, context))


SHARED_TILE_TEMPLATES = ("sharing/share_page.html", "sharing/_shared_asset.html")


def _shared_tile_key(asset: Asset, *, link: ShareLink, token: str) -> tuple[Any, ...]:
    """Everything a project link's tile shows (see sharing/_shared_asset.html)."""
    return (
        asset.pk,
        asset.kind,
        asset.thumbnail.name,
        asset.poster.name,
        asset.size,
        asset.width,
        asset.height,
        asset.duration,
        asset.generation.kind if asset.generation else "",
        asset.generation.prompt if asset.generation else "",
        token,
        link.allow_download,
    )


def _open_graph(token: str, asset: Asset | None) -> dict[str, str]:
    """The absolute image (and video) addresses chat apps show in a link's preview card."""
    if asset is None:
        return {}
    preview = {"og_image": "", "og_video": "", "og_video_type": ""}
    if asset.thumbnail:
        preview["og_image"] = sharing.share_media_url(token, asset, "thumb")
    elif asset.poster:
        preview["og_image"] = sharing.share_media_url(token, asset, "poster")
    elif asset.is_image:
        preview["og_image"] = sharing.share_media_url(token, asset, "file")
    if asset.is_video:
        preview["og_video"] = sharing.share_media_url(token, asset, "file")
        preview["og_video_type"] = asset.mime_type
    return preview


def _cursor_of(asset: Asset) -> str:
    """`<microseconds since the epoch>.<id>`: exact, and safe in a query string as it is."""
    return f"{(asset.created_at - EPOCH) // timedelta(microseconds=1)}.{asset.pk}"


def _parse_cursor(value: str) -> tuple[datetime, int] | None:
    micros, _dot, pk = value.partition(".")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18:
        return None
    return EPOCH + timedelta(microseconds=int(micros)), int(pk)


@require_http_methods(["GET", "HEAD"])
def share_media(request: HttpRequest, token: str, asset_id: int, variant: str) -> HttpResponseBase:
    """A file the link covers (with HTTP Range); `?download=1` only when the link allows downloads."""
    try:
        link = sharing.find_link(token)
    except sharing.LinkNotFound:
        return _unavailable(request, 404)
    except sharing.LinkGone:
        return _unavailable(request, 410)
    asset = sharing.covered_assets(link).filter(pk=asset_id).first()
    if asset is None or variant not in MEDIA_VARIANTS:
        return _unavailable(request, 404)
    if variant == "file":
        field, content_type = asset.file, asset.mime_type
    elif variant == "thumb" and asset.thumbnail:
        field, content_type = asset.thumbnail, "image/webp"
    elif variant == "poster" and asset.poster:
        field, content_type = asset.poster, "image/webp"
    else:
        return _unavailable(request, 404)
    is_download = request.GET.get("download") == "1"
    if is_download and not (link.allow_download and variant == "file"):
        return _unavailable(request, 403)
    download_name = asset.download_name if is_download else None
    return _public(serve_file(request, field, content_type=content_type, download_name=download_name))
