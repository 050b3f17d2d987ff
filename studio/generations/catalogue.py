"""The models a team's gateway offers, grouped by what each can do: the forms' suggestions and the
team's Models page.

The list comes from the gateway's `GET /v1/models`. Each refresh (on demand from the Models page, on a
schedule the poller starts, or when the cache runs out) is kept in the database, so a gateway that cannot be
asked leaves the last list in place; with no list at all the forms still offer sensible defaults, and any
model typed in is sent as typed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio import queue
from studio.accounts.gateway import client_for
from studio.accounts.models import Team
from studio.generations.kinds import KINDS
from studio.generations.models import GatewayModel, Generation, Status
from studio.upstream import Capability, Timeouts, UpstreamError, classify_model

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
# The page waits for the model list, so this call gets short time-outs of its own.
CATALOGUE_TIMEOUTS = Timeouts(connect=3, read=5, write=5, pool=3)

DEFAULTS: dict[Capability, list[str]] = {
    Capability.VIDEO_VEO3_ASYNC: ["veo3-fast", "veo3", "veo3-pro", "veo3-fast-frames"],
    Capability.VIDEO_SORA2: ["sora-2", "sora-2-pro"],
    Capability.SORA_CHARACTER: ["sora-2-character", "sora-2-character-real"],
    Capability.MIDJOURNEY: ["midjourney"],
    Capability.IMAGE_CHAT: ["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gpt-4o-image"],
    Capability.IMAGES_API: ["dall-e-3", "gpt-image-1", "flux-kontext-pro", "gemini-2.5-flash-image"],
    Capability.VIDEO_CHAT: ["veo3-fast", "veo3", "veo3-pro", "veo3-fast-frames", "sora-2", "sora_remover"],
    Capability.TTS: ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"],
    Capability.STT: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"],
    Capability.CHAT: ["gpt-4o-mini", "gpt-4o"],
    Capability.COMPLETIONS: ["gpt-3.5-turbo-instruct"],
    Capability.EMBEDDINGS: ["text-embedding-3-small", "text-embedding-3-large"],
}


def _cache_key(team: Team) -> str:
    digest = hashlib.sha256(f"{team.effective_gateway_url}|{team.effective_api_key}".encode()).hexdigest()
    return f"gateway-models:{digest[:32]}"


def _failure_key(team: Team) -> str:
    return f"gateway-models-failure:{team.pk}"


def refresh_catalogue(*, team: Team) -> list[str]:
    """Asks the team's gateway for its model list and keeps it; returns the ids.

    Raises UpstreamError when the gateway cannot be asked; the last list stays as it was. Side effects:
    GatewayModel rows added or marked seen, the cached list replaced, the last failure forgotten.
    """
    try:
        client = client_for(team, timeouts=CATALOGUE_TIMEOUTS)
        listed = client.models.list()
    except UpstreamError as exc:
        logger.info("Model list unavailable for team %s: %s", team.pk, exc)
        cache.set(_failure_key(team), {"at": timezone.now(), "message": str(exc)}, timeout=None)
        raise
    now = timezone.now()
    ids = [model.id[:200] for model in listed]
    with transaction.atomic():
        known = set(GatewayModel.objects.for_team(team).values_list("model_id", flat=True))
        GatewayModel.objects.bulk_create(
            [
                GatewayModel(
                    team=team, model_id=model.id[:200], owned_by=model.owned_by[:100], first_seen_at=now
                )
                for model in listed
                if model.id[:200] not in known
            ],
            ignore_conflicts=True,
        )
        GatewayModel.objects.for_team(team).filter(model_id__in=ids).update(last_seen_at=now)
    cache.set(_cache_key(team), ids, CACHE_SECONDS)
    cache.delete(_failure_key(team))
    return ids


def stored_model_ids(team: Team) -> list[str]:
    """The ids of the team's last successful refresh (empty when there never was one)."""
    latest = GatewayModel.objects.for_team(team).aggregate(latest=Max("last_seen_at"))["latest"]
    if latest is None:
        return []
    return list(
        GatewayModel.objects.for_team(team).filter(last_seen_at=latest).values_list("model_id", flat=True)
    )


def gateway_model_ids(team: Team) -> list[str]:
    """The ids the team's gateway lists (cached); the last stored list when the gateway cannot be asked."""
    key = _cache_key(team)
    cached: list[str] | None = cache.get(key)
    if cached is not None:
        return cached
    try:
        return refresh_catalogue(team=team)
    except UpstreamError:
        ids = stored_model_ids(team)
    cache.set(key, ids, 30)
    return ids


def refresh_due_catalogues(*, now: datetime | None = None, limit: int = 100) -> int:
    """Refreshes the lists of teams in use whose last refresh is older than CATALOGUE_REFRESH_EVERY.

    Side effects: one gateway call per due team; returns how many lists were refreshed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CATALOGUE_REFRESH_EVERY)
    in_use = Q(gateway_models__isnull=False) | Q(generations__created_at__gte=now - timedelta(days=30))
    teams = (
        Team.objects.filter(in_use)
        .annotate(latest=Max("gateway_models__last_seen_at"))
        .filter(Q(latest__isnull=True) | Q(latest__lt=cutoff))
        .distinct()
        .order_by("pk")[:limit]
    )
    refreshed = 0
    for team in teams:
        try:
            refresh_catalogue(team=team)
        except UpstreamError:
            continue
        refreshed += 1
    return refreshed


def enqueue_refresh() -> None:
    """Queues the scheduled refresh of the teams' model lists (the poller calls this now and then)."""
    queue.enqueue_now("studio.generations.tasks.refresh_catalogues", task_name="refresh-catalogues")


def models_for(team: Team, capability: Capability) -> list[str]:
    """Models fit for one capability, the gateway's first, then the defaults it did not list."""
    listed = [model for model in gateway_model_ids(team) if capability in classify_model(model)]
    return listed + [model for model in DEFAULTS.get(capability, []) if model not in listed]


def models_for_kind(team: Team, kind: str) -> list[str]:
    """Models fit for one kind: its capability, narrowed by the kind's name pattern, its default first."""
    spec = KINDS[kind]
    models = models_for(team, spec.capability)
    if spec.model_pattern:
        pattern = re.compile(spec.model_pattern)
        models = [model for model in models if pattern.search(model.lower())]
    return [spec.default_model, *(model for model in models if model != spec.default_model)]


def is_known_model(team: Team, kind: str, model: str) -> bool:
    """Whether the model is one the catalogue offers for this kind (typed-in models are sent anyway)."""
    return model in models_for_kind(team, kind)


# The Models page ---------------------------------------------------------------------------------------

# The page's groups, in order: what each capability lets the studio do.
GROUPS: list[tuple[Capability, str | Promise]] = [
    (Capability.CHAT, _("Chat")),
    (Capability.IMAGE_CHAT, _("Images via chat")),
    (Capability.IMAGES_API, _("Images API: generation and edits")),
    (Capability.VIDEO_VEO3_ASYNC, _("Video, asynchronous (Veo3 tasks)")),
    (Capability.VIDEO_SORA2, _("Video, asynchronous (Sora2)")),
    (Capability.VIDEO_CHAT, _("Video via chat (synchronous)")),
    (Capability.SORA_CHARACTER, _("Sora characters")),
    (Capability.TTS, _("Audio: speech")),
    (Capability.STT, _("Audio: transcription and translation")),
    (Capability.EMBEDDINGS, _("Embeddings")),
    (Capability.COMPLETIONS, _("Completions (legacy)")),
    (Capability.MIDJOURNEY, _("Midjourney")),
]
STATS_WINDOW = timedelta(days=30)
# Outcomes that say something about a model; a cancel says nothing about it.
_SETTLED = [Status.SUCCEEDED, Status.FAILED, Status.TIMED_OUT, Status.OUTCOME_UNKNOWN]


@dataclass(frozen=True)
class ModelUse:
    """How a model did in the team's own generations of the last STATS_WINDOW."""

    runs: int
    succeeded: int
    median_seconds: float | None

    @property
    def success_percent(self) -> int:
        return round(100 * self.succeeded / self.runs) if self.runs else 0


@dataclass(frozen=True)
class ModelRow:
    model_id: str
    owned_by: str
    last_seen_at: datetime
    is_listed: bool
    use: ModelUse | None
    # Filled by the cost work when it lands: a readable price for this model, or "" when unknown.
    price: str = ""


@dataclass
class ModelGroup:
    capability: Capability
    label: str | Promise
    rows: list[ModelRow] = field(default_factory=list)


@dataclass(frozen=True)
class CataloguePage:
    groups: list[ModelGroup]
    refreshed_at: datetime | None
    failure: dict[str, object] | None


def model_uses(team: Team, *, now: datetime | None = None) -> dict[str, ModelUse]:
    """Success rate and median duration of each model the team used lately (its own generations)."""
    since = (now or timezone.now()) - STATS_WINDOW
    rows = (
        Generation.objects.for_team(team)
        .filter(created_at__gte=since, status__in=_SETTLED)
        .values_list("model", "status", "created_at", "finished_at")
        .order_by("-created_at")[:5000]
    )
    runs: dict[str, int] = defaultdict(int)
    successes: dict[str, int] = defaultdict(int)
    durations: dict[str, list[float]] = defaultdict(list)
    for model, status, created_at, finished_at in rows:
        runs[model] += 1
        if status == Status.SUCCEEDED:
            successes[model] += 1
            if finished_at:
                durations[model].append((finished_at - created_at).total_seconds())
    return {
        model: ModelUse(
            runs=count,
            succeeded=successes[model],
            median_seconds=statistics.median(durations[model]) if durations[model] else None,
        )
        for model, count in runs.items()
    }


def catalogue_page(team: Team) -> CataloguePage:
    """Every model the team's gateway listed, grouped by capability, with the team's own figures."""
    stored = list(GatewayModel.objects.for_team(team))
    latest = max((row.last_seen_at for row in stored), default=None)
    uses = model_uses(team)
    groups = {capability: ModelGroup(capability, label) for capability, label in GROUPS}
    for row in stored:
        for capability in sorted(classify_model(row.model_id)):
            groups[capability].rows.append(
                ModelRow(
                    model_id=row.model_id,
                    owned_by=row.owned_by,
                    last_seen_at=row.last_seen_at,
                    is_listed=row.last_seen_at == latest,
                    use=uses.get(row.model_id),
                )
            )
    failure: dict[str, object] | None = cache.get(_failure_key(team))
    return CataloguePage(
        groups=[group for group in groups.values() if group.rows], refreshed_at=latest, failure=failure
    )
