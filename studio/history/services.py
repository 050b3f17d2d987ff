"""The history of a project or team: filtered, searchable galleries with keyset pagination, favourites,
tags, and bulk actions (move, copy, tag, trash and restore, ZIP)."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent, Team, User
from studio.comments.models import Comment
from studio.generations.models import TERMINAL, Asset, Favourite, Generation, Tag
from studio.lib import fragments
from studio.lib.dates import start_of_day
from studio.projects.models import Project

# The History filter's value for results nobody has reviewed (they have no Review row).
NOT_REVIEWED = "none"
PAGE_SIZE = 24
MAX_PAGE_SIZE = 96
MAX_TAG_LENGTH = 40


def choices_cache_key(team_id: int) -> str:
    """Where a team's filter options are cached; the key changes whenever a member, tag or project does."""
    version = cache.get(f"history-choices-version:{team_id}", 0)
    return f"history-choices:{team_id}:{version}"


def forget_choices(team_id: int) -> None:
    """Makes the next gallery load the team's filter options afresh."""
    key = f"history-choices-version:{team_id}"
    cache.add(key, 0, timeout=None)
    cache.incr(key)


class HistoryRuleError(Exception):
    """A bulk action the rules refuse; the message is shown to the user as it is."""


@dataclass(frozen=True)
class GalleryFilters:
    kinds: Sequence[str] = ()
    statuses: Sequence[str] = ()
    reviews: Sequence[str] = ()
    model: str = ""
    author_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    favourites: bool = False
    tag_id: int | None = None
    project_id: int | None = None
    search: str = ""
    # One comparison's generations ("part of comparison N" on a card links here).
    group_id: int | None = None
    # Cost bounds in micro-units of the team's currency; a generation of unknown cost matches neither.
    cost_min: int | None = None
    cost_max: int | None = None

    @property
    def is_active(self) -> bool:
        return any(
            (
                self.kinds,
                self.statuses,
                self.reviews,
                self.model,
                self.author_id,
                self.date_from,
                self.date_to,
                self.favourites,
                self.tag_id,
                self.search,
                self.group_id,
                self.cost_min is not None,
                self.cost_max is not None,
            )
        )


def filter_generations(
    queryset: QuerySet[Generation], filters: GalleryFilters, *, user: User
) -> QuerySet[Generation]:
    """Applies every filter that is set; they combine (AND)."""
    if filters.kinds:
        queryset = queryset.filter(kind__in=filters.kinds)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.reviews:
        reviewed = Q(review__state__in=[state for state in filters.reviews if state != NOT_REVIEWED])
        if NOT_REVIEWED in filters.reviews:
            reviewed |= Q(review__isnull=True)
        queryset = queryset.filter(reviewed)
    if filters.model:
        queryset = queryset.filter(model=filters.model)
    if filters.author_id:
        queryset = queryset.filter(created_by_id=filters.author_id)
    if filters.project_id:
        queryset = queryset.filter(project_id=filters.project_id)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=start_of_day(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=start_of_day(filters.date_to + timedelta(days=1)))
    if filters.favourites:
        queryset = queryset.filter(favourites__user=user)
    if filters.tag_id:
        queryset = queryset.filter(tags__id=filters.tag_id)
    if filters.group_id:
        queryset = queryset.filter(compare_group_id=filters.group_id)
    if filters.search:
        # search_text is stored case-folded, so one case-sensitive LIKE serves SQLite and PostgreSQL alike.
        queryset = queryset.filter(search_text__contains=filters.search.casefold())
    if filters.cost_min is not None:
        queryset = queryset.filter(charge__amount__gte=filters.cost_min)
    if filters.cost_max is not None:
        queryset = queryset.filter(charge__amount__lte=filters.cost_max)
    return queryset


class Sort(models.TextChoices):
    NEWEST = "", gettext_lazy("Newest first")
    COST_HIGH = "cost_desc", gettext_lazy("Most expensive first")
    COST_LOW = "cost_asc", gettext_lazy("Cheapest first")


def _encode(position: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{position}.{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int]:
    padded = cursor + "=" * (-len(cursor) % 4)
    position, pk = base64.urlsafe_b64decode(padded.encode()).decode().split(".", 1)
    return position, int(pk)


def encode_cursor(generation: Tile) -> str:
    return _encode(str(int(generation.created_at.timestamp() * 1_000_000)), generation.pk)


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (created_at, id) a page continues after, or None for a cursor that cannot be read."""
    try:
        micros, pk = _decode(cursor)
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), pk
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError):
        return None


def encode_cost_cursor(generation: Tile) -> str:
    """A cost-sorted page's position: the cost ("n" when unknown) and the id."""
    amount = getattr(generation, "cost", None)
    return _encode("n" if amount is None else str(amount), generation.pk)


def decode_cost_cursor(cursor: str) -> tuple[int | None, int] | None:
    """The (cost, id) a cost-sorted page continues after, or None for a cursor that cannot be read."""
    try:
        amount, pk = _decode(cursor)
        return (None if amount == "n" else int(amount)), pk
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _after_cost(position: tuple[int | None, int], *, descending: bool) -> Q:
    """The rows after `position` in cost order, unknown costs last in both directions."""
    amount, pk = position
    if amount is None:
        return Q(cost__isnull=True, pk__lt=pk) if descending else Q(cost__isnull=True, pk__gt=pk)
    if descending:
        return Q(cost__lt=amount) | Q(cost=amount, pk__lt=pk) | Q(cost__isnull=True)
    return Q(cost__gt=amount) | Q(cost=amount, pk__gt=pk) | Q(cost__isnull=True)


class TileFile(NamedTuple):
    """A tile's picture: its first result file's id and the names of its thumbnail and poster ("" if none)."""

    pk: int
    thumbnail: str
    poster: str


class TileTag(NamedTuple):
    pk: int
    name: str


class Tile:
    """One tile of a gallery page, read as plain values: everything the tile shows that can change (what its
    cached HTML is keyed by) and its place in the order. The full row the template renders, `generation`,
    is loaded by `load_tiles` only for a tile whose HTML the cache does not hold, so a page whose tiles are
    all cached builds no model instances."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.pk: int = values["id"]
        self.created_at: datetime = values["created_at"]
        self.updated_at: datetime = values["updated_at"]
        self.status: str = values["status"]
        self.project_id: int = values["project_id"]
        self.project_name: str = values["project__name"]
        self.author = User.name_from(values["created_by__display_name"], values["created_by__email"])
        self.is_favourite: bool = values["is_favourite"]
        self.comment_count: int = values["comment_count"]
        self.cost: int | None = values.get("cost")
        self.review = fragments.review_shown(values, name_from=User.name_from)
        self.charge = fragments.charge_shown(values)
        self.first_asset: TileFile | None = None
        self.tags: list[TileTag] = []  # by name
        self.generation: Generation | None = None  # read by load_tiles when the tile is to be rendered
        self.fragment_key: str | None = None  # set by fragments.attach
        self.cached_fragment: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL


TILE_VALUES = (
    "id",
    "created_at",
    "updated_at",
    "status",
    "project_id",
    "project__name",
    "created_by__display_name",
    "created_by__email",
    *fragments.REVIEW_VALUES,
    *fragments.CHARGE_VALUES,
    "is_favourite",
    "comment_count",
)


@dataclass(frozen=True)
class GalleryPage:
    items: Sequence[Tile]
    next_cursor: str | None


def gallery_page(
    queryset: QuerySet[Generation],
    *,
    user: User,
    cursor: str = "",
    size: int = PAGE_SIZE,
    sort: str = Sort.NEWEST,
) -> GalleryPage:
    """One page, newest first (or by cost), continuing after `cursor`: keyset on (created_at, id) or
    (cost, id), no OFFSET or COUNT.

    Three queries, all read as values: the page (with the viewer's favourite flag, cost, review and
    comment count), its first result files, and its tags. The rows themselves: `load_tiles`.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    if sort in {Sort.COST_HIGH, Sort.COST_LOW}:
        return _cost_page(queryset, user=user, cursor=cursor, size=size, descending=sort == Sort.COST_HIGH)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        moment, pk = position
        # The redundant created_at <= moment lets PostgreSQL use it as an index condition; the OR alone
        # can only be a filter, which made deep pages scan tens of thousands of rows.
        queryset = queryset.filter(
            Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk), created_at__lte=moment
        )
    rows = _tiles(queryset.order_by("-created_at", "-pk"), user, size + 1)
    items = rows[:size]
    next_cursor = encode_cursor(items[-1]) if len(rows) > size else None
    _attach_files_and_tags(items)
    return GalleryPage(items=items, next_cursor=next_cursor)


def _cost_page(
    queryset: QuerySet[Generation], *, user: User, cursor: str, size: int, descending: bool
) -> GalleryPage:
    queryset = queryset.annotate(cost=F("charge__amount"))
    position = decode_cost_cursor(cursor) if cursor else None
    if position is not None:
        queryset = queryset.filter(_after_cost(position, descending=descending))
    cost = F("cost").desc(nulls_last=True) if descending else F("cost").asc(nulls_last=True)
    rows = _tiles(queryset.order_by(cost, "-pk" if descending else "pk"), user, size + 1, "cost")
    items = rows[:size]
    next_cursor = encode_cost_cursor(items[-1]) if len(rows) > size else None
    _attach_files_and_tags(items)
    return GalleryPage(items=items, next_cursor=next_cursor)


def _tiles(queryset: QuerySet[Generation], user: User, limit: int, *extra: str) -> list[Tile]:
    annotated = queryset.annotate(
        is_favourite=Exists(Favourite.objects.filter(user=user, generation=OuterRef("pk"))),
        comment_count=comment_count_subquery(),
    )
    return [Tile(values) for values in annotated.values(*TILE_VALUES, *extra)[:limit]]


def _attach_files_and_tags(tiles: Sequence[Tile]) -> None:
    """Each tile's first result file and its tags: two queries of plain values for the whole page."""
    by_id = {tile.pk: tile for tile in tiles}
    files = (
        Asset.objects.filter(generation_id__in=by_id, role=Asset.Role.RESULT)
        .order_by("generation_id", "position", "pk")
        .values_list("generation_id", "pk", "thumbnail", "poster")
    )
    for generation_id, pk, thumbnail, poster in files:
        tile = by_id[generation_id]
        if tile.first_asset is None:
            tile.first_asset = TileFile(pk, thumbnail or "", poster or "")
    links = (
        Generation.tags.through.objects.filter(generation_id__in=by_id)
        .order_by("tag__name", "tag_id")
        .values_list("generation_id", "tag_id", "tag__name")
    )
    for generation_id, tag_id, name in links:
        by_id[generation_id].tags.append(TileTag(tag_id, name))


def load_tiles(page: GalleryPage, user: User) -> GalleryPage:
    """The page with the full row (author, project, cost, review) of each tile whose HTML the cache does not
    hold, in one query, or in none when the cache holds them all; a tile whose row was deleted meanwhile
    is left out."""
    missing = [tile.pk for tile in page.items if tile.cached_fragment is None]
    if not missing:
        return page
    rows = (
        Generation.objects.filter(pk__in=missing)
        .select_related("created_by", "project", "charge", "review", "review__set_by")
        .order_by()  # the page's order is the tiles'; the default one costs more to compile than to run
        .in_bulk()
    )
    for tile in page.items:
        generation = rows.get(tile.pk)
        if generation is not None:
            # What the page already read as values, for the templates the tile shares with the cards.
            generation.is_favourite = tile.is_favourite  # type: ignore[attr-defined]
            generation.comment_count = tile.comment_count  # type: ignore[attr-defined]
            tile.generation = generation
    items = [tile for tile in page.items if tile.cached_fragment is not None or tile.generation is not None]
    return GalleryPage(items=items, next_cursor=page.next_cursor)


def comment_count_subquery() -> Coalesce:
    """Each generation's number of comments, as a correlated subquery: no join to multiply rows, no N+1."""
    counted = (
        Comment.objects.filter(generation_id=OuterRef("pk"))
        .order_by()
        .values("generation_id")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def toggle_favourite(*, user: User, generation: Generation) -> bool:
    """Stars or un-stars the generation for this user; returns whether it is now a favourite."""
    deleted, _details = Favourite.objects.filter(user=user, generation=generation).delete()
    if deleted:
        return False
    Favourite.objects.get_or_create(user=user, generation=generation)
    return True


def clean_tag_name(name: str) -> str:
    cleaned = " ".join(name.split())[:MAX_TAG_LENGTH]
    if not cleaned:
        raise HistoryRuleError(_("Give the tag a name."))
    return cleaned


def add_tag(*, user: User, generations: Iterable[Generation], team: Team, name: str) -> Tag:
    """Adds a team tag (created on first use) to the generations."""
    tag, _created = Tag.objects.get_or_create(team=team, name=clean_tag_name(name))
    chosen = list(generations)
    tag.generations.add(*chosen)
    if len(chosen) > 1:
        record_audit(
            team=team,
            actor=user,
            action=AuditEvent.Action.TAGGED,
            summary=_("Tagged %(count)d generations “%(tag)s”") % {"count": len(chosen), "tag": tag.name},
            generations=[g.pk for g in chosen],
        )
    return tag


def remove_tag(*, generation: Generation, tag: Tag) -> None:
    """Takes the tag off one generation (the tag stays in the team's list)."""
    tag.generations.remove(generation)


def _ids(generations: Iterable[Generation]) -> list[int]:
    return [g.pk for g in generations]


def trash_generations(*, user: User, team: Team, generations: Sequence[Generation]) -> int:
    """Moves generations to the trash, restorable until the retention period ends."""
    now = timezone.now()
    count = Generation.objects.filter(pk__in=_ids(generations), deleted_at__isnull=True).update(
        deleted_at=now, deleted_by=user
    )
    if count:
        record_audit(
            team=team,
            actor=user,
            action=AuditEvent.Action.DELETED,
            summary=_("Moved %(count)d generations to the trash") % {"count": count},
            generations=_ids(generations),
        )
    return count


def restore_generations(*, user: User, team: Team, generations: Sequence[Generation]) -> int:
    """Brings generations back from the trash."""
    count = Generation.objects.filter(pk__in=_ids(generations), deleted_at__isnull=False).update(
        deleted_at=None, deleted_by=None
    )
    if count:
        record_audit(
            team=team,
            actor=user,
            action=AuditEvent.Action.RESTORED,
            summary=_("Restored %(count)d generations from the trash") % {"count": count},
            generations=_ids(generations),
        )
    return count


def move_generations(*, user: User, team: Team, generations: Sequence[Generation], target: Project) -> int:
    """Moves generations (and their files' records) to another project of the same team."""
    if target.team_id != team.pk:
        raise HistoryRuleError(_("Generations can only move to a project of the same team."))
    ids = _ids(generations)
    with transaction.atomic():
        count = Generation.objects.filter(pk__in=ids).update(project=target)
        Asset.objects.filter(generation_id__in=ids).update(project=target)
    record_audit(
        team=team,
        actor=user,
        action=AuditEvent.Action.MOVED,
        summary=_("Moved %(count)d generations to “%(project)s”") % {"count": count, "project": target.name},
        generations=ids,
        project=target.pk,
    )
    return count


def copy_generations(
    *, user: User, team: Team, generations: Sequence[Generation], target: Project
) -> list[Generation]:
    """Copies generations with their results into another project; the files are shared, not duplicated."""
    if target.team_id != team.pk:
        raise HistoryRuleError(_("Generations can only be copied to a project of the same team."))
    unfinished = [g for g in generations if not g.is_finished]
    if unfinished:
        # A copy of a job still running would be submitted again and billed twice.
        raise HistoryRuleError(_("Only finished generations can be copied; wait for the others to finish."))
    copies: list[Generation] = []
    with transaction.atomic():
        for original in Generation.objects.filter(pk__in=_ids(generations)).prefetch_related("assets"):
            assets = list(original.assets.all())
            copy = Generation.objects.get(pk=original.pk)
            copy.pk = None
            copy.id = None
            copy.project = target
            copy.parent = original
            copy.params = {**original.params, "copied_from": original.pk}
            copy.claim_token = None
            copy.next_poll_at = None
            copy.enqueued_at = None
            copy.submit_key = uuid.uuid4()
            copy.save()
            for asset in assets:
                asset.pk = None
                asset.id = None
                asset.generation = copy
                asset.project = target
                asset.save()
            copies.append(copy)
    record_audit(
        team=team,
        actor=user,
        action=AuditEvent.Action.COPIED,
        summary=_("Copied %(count)d generations to “%(project)s”")
        % {"count": len(copies), "project": target.name},
        generations=_ids(generations),
        project=target.pk,
    )
    return copies


def purge_expired_trash(*, now: datetime | None = None) -> int:
    """Deletes for good the generations that stayed in the trash past the retention period.

    Files are removed from storage only when no other asset (a copy) still uses them.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TRASH_RETENTION_DAYS)
    expired = list(Generation.objects.filter(deleted_at__lt=cutoff).values_list("pk", "team_id"))
    purged = 0
    for pk, team_id in expired:
        with transaction.atomic():
            # A result another generation used as its input stays, as an input of the project.
            Asset.objects.filter(generation_id=pk, used_by__isnull=False).exclude(
                used_by__generation_id=pk
            ).update(generation=None, role=Asset.Role.INPUT)
            assets = list(Asset.objects.filter(generation_id=pk))
            names = {
                name
                for asset in assets
                for name in (asset.file.name, asset.thumbnail.name, asset.poster.name)
                if name
            }
            deleted, _details = Generation.objects.filter(pk=pk, deleted_at__lt=cutoff).delete()
        if not deleted:
            continue
        still_used: set[str] = set()
        for row in Asset.objects.filter(
            Q(file__in=names) | Q(thumbnail__in=names) | Q(poster__in=names)
        ).values_list("file", "thumbnail", "poster"):
            still_used.update(name for name in row if name)
        storage = Asset._meta.get_field("file").storage
        for name in names - still_used:
            storage.delete(name)
        record_audit(
            team=team_id,
            actor=None,
            action=AuditEvent.Action.PURGED,
            summary=_("Generation #%(id)d was deleted for good after %(days)d days in the trash")
            % {"id": pk, "days": settings.TRASH_RETENTION_DAYS},
            generation=pk,
        )
        purged += 1
    return purged


def selection(*, user: User, team: Team, ids: Iterable[Any], include_trash: bool = False) -> list[Generation]:
    """The chosen generations that belong to the team (anything else is silently left out)."""
    clean = [int(value) for value in ids if str(value).isdigit()][:500]
    queryset = Generation.objects.for_user(user).filter(team=team, pk__in=clean)
    if not include_trash:
        queryset = queryset.alive()
    return list(queryset)
