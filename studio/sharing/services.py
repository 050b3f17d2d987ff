"""Share links: making, finding, counting and revoking them, and what each one lets an outsider see.

A link's token is 256 bits from the OS's CSPRNG. Look-ups go through its sha256 only; the token itself is
kept encrypted so that teammates can copy a live link again from the team's Links page.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrPromise

from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent, Membership, Team, User, hash_token
from studio.generations.models import Asset, AssetQuerySet, Generation
from studio.projects.models import Project
from studio.reviews.models import ReviewState
from studio.sharing.models import ShareLink

# How far down a generation's variants (children, grandchildren…) a generation link reaches.
VARIANT_DEPTH = 4
# The parameter a copy made in the History carries; a copy is a new object, never a variant.
COPY_MARK = "copied_from"
# Tokens are `secrets.token_urlsafe(32)`: 43 characters; anything else is not worth a database look-up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
EXPIRY_CHOICES: dict[str, timedelta | None] = {
    "never": None,
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


# One sentence per scope (not a scope name spliced into a sentence), so each translates whole.
SHARED_SUMMARIES: dict[str, StrPromise] = {
    ShareLink.Scope.RESULT: gettext_lazy("Shared a result of “%(project)s”"),
    ShareLink.Scope.GENERATION: gettext_lazy("Shared a generation of “%(project)s”"),
    ShareLink.Scope.PROJECT: gettext_lazy("Shared the project “%(project)s”"),
}


class ShareRuleError(Exception):
    """A share the studio refuses; the message is shown to the user as it is."""


class LinkNotFound(Exception):
    """No link has this token (answer 404)."""


class LinkGone(Exception):
    """The link existed but was revoked, has expired, or what it shows is in the trash (answer 410)."""


def share_url(token: str) -> str:
    """The public address of a link, built from SITE_URL (never from the request's Host header)."""
    return settings.SITE_URL + reverse("share_page", args=[token])


def share_media_url(token: str, asset: Asset, variant: str) -> str:
    return settings.SITE_URL + reverse("share_media", args=[token, asset.pk, variant])


def create_share_link(
    *,
    team: Team,
    user: User,
    scope: str,
    project: Project,
    generation: Generation | None = None,
    asset: Asset | None = None,
    expires_at: datetime | None = None,
    allow_download: bool = True,
    only_approved: bool = False,
) -> tuple[ShareLink, str]:
    """Makes a link to one result, one generation (with its variants) or a project; returns it and its token.

    A generation link covers the generation and the variants it has now, in its project (never copies,
    never variants made later): what the person sharing saw is what the link shows.
    Raises ShareRuleError when the target is not in the project or team, or is in the trash.
    Side effects: a ShareLink row and a SHARED audit event.
    """
    if project.team_id != team.pk:
        raise ShareRuleError(_("This project belongs to another team."))
    if scope == ShareLink.Scope.RESULT:
        if asset is None or asset.role != Asset.Role.RESULT or asset.generation is None:
            raise ShareRuleError(_("Choose a result to share."))
        generation = asset.generation
    elif scope == ShareLink.Scope.GENERATION:
        if generation is None:
            raise ShareRuleError(_("Choose a generation to share."))
        asset = None
    elif scope == ShareLink.Scope.PROJECT:
        generation, asset = None, None
    else:
        raise ShareRuleError(_("Unknown kind of link."))
    if generation is not None:
        if generation.team_id != team.pk or generation.project_id != project.pk:
            raise ShareRuleError(_("This generation is not in the project."))
        if generation.deleted_at is not None:
            raise ShareRuleError(_("Results in the trash cannot be shared."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ShareRuleError(_("The expiry must be in the future."))

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = ShareLink.objects.create(
            team=team,
            created_by=user,
            scope=scope,
            project=project,
            generation=generation,
            asset=asset,
            token_hash=hash_token(token),
            token_encrypted=token,
            token_hint=token[:6],
            generation_ids=variants_of(generation) if scope == ShareLink.Scope.GENERATION else [],
            allow_download=allow_download,
            only_approved=only_approved,
            expires_at=expires_at,
        )
        record_audit(
            team=team,
            actor=user,
            action=AuditEvent.Action.SHARED,
            summary=SHARED_SUMMARIES[scope] % {"project": project.name},
            link_id=link.pk,
            scope=scope,
            project_id=project.pk,
            generation_id=generation.pk if generation else None,
            asset_id=asset.pk if asset else None,
            only_approved=only_approved,
        )
    return link, token


def find_link(token: str) -> ShareLink:
    """The link with this token, ready to render; raises LinkNotFound (404) or LinkGone (410)."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise LinkNotFound
    link = (
        ShareLink.objects.select_related("project", "generation", "generation__created_by", "asset")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise LinkNotFound
    if not link.is_live:
        raise LinkGone
    if link.generation is not None and link.generation.deleted_at is not None:
        raise LinkGone
    return link


def can_revoke_link(link: ShareLink, membership: Membership) -> bool:
    """Owners and admins revoke any link of their team; others only the links they made."""
    if membership.team_id != link.team_id:
        return False
    return membership.can_manage_team or (membership.can_edit and link.created_by_id == membership.user_id)


def revoke_share_link(*, link: ShareLink, user: User) -> bool:
    """Revokes a live link at once (its page and media answer 410); returns whether this call did it.

    Side effects: `revoked_at`/`revoked_by` on the link and a REVOKED audit event, once.
    """
    now = timezone.now()
    with transaction.atomic():
        changed = (
            ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
                revoked_at=now, revoked_by=user
            )
            == 1
        )
        if changed:
            link.revoked_at, link.revoked_by = now, user
            record_audit(
                team=link.team_id,
                actor=user,
                action=AuditEvent.Action.REVOKED,
                summary=_("Revoked the link %(hint)s…") % {"hint": link.token_hint},
                link_id=link.pk,
                scope=link.scope,
            )
    return changed


def variants_of(generation: Generation | None) -> list[int]:
    """The generation and its living variants in its own project, to a fixed depth; copies are left out.

    A copy made in the History keeps its original as parent (for the lineage) but is another object, with
    links of its own; neither it nor anything made from it is a variant.
    """
    if generation is None:
        return []
    covered = [generation.pk]
    level = [generation.pk]
    for _depth in range(VARIANT_DEPTH):
        level = list(
            Generation.objects.alive()
            .filter(team_id=generation.team_id, project_id=generation.project_id, parent_id__in=level)
            .exclude(params__has_key=COPY_MARK)
            .exclude(pk__in=covered)
            .values_list("pk", flat=True)
        )
        if not level:
            break
        covered.extend(level)
    return covered


def covered_generation_ids(link: ShareLink) -> list[int]:
    """The generations a generation link was made for: fixed when it was made, never grown since."""
    if link.generation_id is None:
        return []
    return [link.generation_id, *(pk for pk in link.generation_ids if pk != link.generation_id)]


def covered_assets(link: ShareLink) -> AssetQuerySet:
    """Every result file the link lets an outsider see; nothing else (inputs, other generations) ever.

    A link made for approved results only covers the results whose generation is approved right now.
    """
    results = Asset.objects.results().filter(
        team_id=link.team_id, generation__isnull=False, generation__deleted_at__isnull=True
    )
    if link.only_approved:
        results = results.filter(generation__review__state=ReviewState.APPROVED)
    if link.scope == ShareLink.Scope.RESULT and link.asset_id is not None:
        return results.filter(pk=link.asset_id)
    if link.scope == ShareLink.Scope.GENERATION:
        return results.filter(generation_id__in=covered_generation_ids(link))
    if link.scope == ShareLink.Scope.PROJECT:
        # The asset's own project (moved with its generation by history.move_generations), so that the
        # planner walks the (project, role, -created_at) index instead of joining every generation first.
        return results.filter(project_id=link.project_id)
    return results.none()


def link_covers(link: ShareLink, asset: Asset) -> bool:
    return covered_assets(link).filter(pk=asset.pk).exists()


def count_view(link: ShareLink) -> None:
    """Adds one view (a page load) and its time, in one UPDATE that concurrent views cannot lose."""
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=timezone.now())


def project_results_page(
    link: ShareLink, *, before: tuple[datetime, int] | None, size: int
) -> tuple[list[Asset], bool]:
    """One page of a project link's results, newest first, keyset on (created_at, id); and whether more."""
    assets = covered_assets(link).select_related("generation").order_by("-created_at", "-id")
    if before is not None:
        created_at, pk = before
        assets = assets.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    page = list(assets[: size + 1])
    return page[:size], len(page) > size
