"""Asking the gateway how its tasks are doing, driven by each generation's `next_poll_at`.

Each tick claims the due rows with one conditional UPDATE (so several pollers, even on several machines,
never poll the same task at once), asks the gateway — Midjourney in batches of up to 100 ids, other tasks a
few at a time over the shared connection pool — and writes what it learned with compare-and-set
transitions. A 429 or 5xx rests that gateway and never fails a task.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from studio.accounts.gateway import client_for, explain
from studio.accounts.models import Team
from studio.generations import gateway
from studio.generations.engine import capacity, recovery
from studio.generations.engine.progress import apply_task_view, poll_interval
from studio.generations.kinds import KINDS, SYNC_KINDS, Family
from studio.generations.models import POLLED, Generation, GenerationEvent
from studio.upstream import (
    GatewayClient,
    GatewayUnavailable,
    RateLimited,
    TaskNotFound,
    TaskView,
    UpstreamError,
)

logger = logging.getLogger(__name__)

# How long a tick's claim keeps other pollers off its rows. A killed poller's rows wait this long to be
# asked about again (bench/engine.py --kill: 90 s made the detection p95 84 s); the longest ticks seen
# under load take 10 s, and a tick that outlives it only costs a second status call, never a second change.
POLL_LEASE = timedelta(seconds=30)
MIDJOURNEY_BATCH = 100
PARALLEL_QUERIES = 4


@dataclass
class TickReport:
    claimed: int = 0
    gateway_calls: int = 0
    changed: int = 0


def release_claims(now: datetime) -> int:
    """Takes back, at a poller's start, every poll claim still held: a poller killed mid-tick leaves its
    rows claimed until POLL_LEASE ends, and the one starting in its place would otherwise wait that long
    to ask about them (bench/engine.py --kill: the detection p95 was the lease). Were another poller alive
    and mid-tick, its rows would be asked about twice: a second status call, never a second change."""
    return Generation.objects.filter(
        status__in=POLLED, claim_token__isnull=False, next_poll_at__gt=now
    ).update(next_poll_at=now, claim_token=None)


def claim_due(now: datetime, *, limit: int = 500) -> list[Generation]:
    """Claims up to `limit` due generations for this poller; nobody else polls them meanwhile."""
    token = uuid.uuid4()
    # Sync kinds are answered within their submit and have nothing to poll, whatever their status says.
    due_ids = list(
        Generation.objects.due_for_poll(now)
        .exclude(kind__in=SYNC_KINDS)
        .order_by("next_poll_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due_ids:
        return []
    # The conditional UPDATE is the claim: a row already pushed forward by another poller no longer
    # matches `next_poll_at <= now`, so each row is claimed by exactly one poller.
    Generation.objects.filter(pk__in=due_ids, status__in=POLLED, next_poll_at__lte=now).update(
        next_poll_at=now + POLL_LEASE, claim_token=token
    )
    return list(Generation.objects.filter(claim_token=token, status__in=POLLED).select_related("team"))


def poll_due_generations(*, now: datetime | None = None, limit: int = 500) -> TickReport:
    """One poller tick: claim due tasks, ask their gateways, record what changed."""
    now = now or timezone.now()
    report = TickReport()
    recovery.sweep_stale_work(now)
    recovery.find_unknown_outcomes(now)
    recovery.settle_deadlines(now)
    # After the sweep and the deadlines, which free the slots of dead and finished work.
    capacity.dispatch_waiting(now)
    claimed = claim_due(now, limit=limit)
    report.claimed = len(claimed)
    by_gateway: dict[tuple[str, str], list[Generation]] = defaultdict(list)
    teams: dict[tuple[str, str], Team] = {}
    for generation in claimed:
        key = (generation.team.effective_gateway_url, generation.team.effective_api_key)
        by_gateway[key].append(generation)
        teams[key] = generation.team
    for key, generations in by_gateway.items():
        team = teams[key]
        resting = gateway.resting_until(team)
        if resting:
            _push_back(generations, until=datetime.fromtimestamp(resting, tz=UTC))
            continue
        calls, changed = _poll_gateway(team, generations, now)
        report.gateway_calls += calls
        report.changed += changed
    return report


def _poll_gateway(team: Team, generations: list[Generation], now: datetime) -> tuple[int, int]:
    client = client_for(team)
    midjourney = [g for g in generations if KINDS[g.kind].family == Family.MIDJOURNEY]
    others = [g for g in generations if KINDS[g.kind].family != Family.MIDJOURNEY]
    calls = changed = 0
    try:
        for start in range(0, len(midjourney), MIDJOURNEY_BATCH):
            batch = midjourney[start : start + MIDJOURNEY_BATCH]
            calls += 1
            views = client.midjourney.fetch_many([g.upstream_task_id for g in batch])
            by_id = {view.task_id: view for view in views}
            for generation in batch:
                view = by_id.get(generation.upstream_task_id)
                if view is None:
                    _schedule_next(generation, now)
                else:
                    changed += apply_task_view(generation, view)
        if others:
            with ThreadPoolExecutor(max_workers=min(PARALLEL_QUERIES, len(others))) as pool:
                results = list(pool.map(lambda g: _query_one(client, g), others))
            calls += len(others)
            for generation, outcome in zip(others, results, strict=True):
                if isinstance(outcome, TaskView):
                    changed += apply_task_view(generation, outcome)
                else:
                    changed += _handle_poll_error(team, generation, outcome, now)
    except (RateLimited, GatewayUnavailable) as exc:
        _rest_gateway(team, generations, exc)
    except UpstreamError as exc:
        logger.warning("Polling %s failed: %r", team.effective_gateway_url, exc)
        for generation in generations:
            _schedule_next(generation, now)
    return calls, changed


def _query_one(client: GatewayClient, generation: Generation) -> TaskView | UpstreamError:
    try:
        family = KINDS[generation.kind].family
        if family == Family.SORA:
            return client.sora.get_video(generation.upstream_task_id)
        return client.video.get(generation.upstream_task_id)
    except UpstreamError as exc:
        return exc


def _handle_poll_error(team: Team, generation: Generation, exc: UpstreamError, now: datetime) -> int:
    if isinstance(exc, RateLimited | GatewayUnavailable):
        _rest_gateway(team, [generation], exc)
        return 0
    if isinstance(exc, TaskNotFound) and now - (generation.submitted_at or now) > timedelta(minutes=10):
        generation.log(GenerationEvent.Kind.ERROR, message=str(exc))
        return int(
            generation.mark_failed(
                exc.code, explain(exc), exc.gateway_message, allowed_from=POLLED, next_poll_at=None
            )
        )
    _schedule_next(generation, now)
    return 0


def _rest_gateway(team: Team, generations: Sequence[Generation], exc: UpstreamError) -> None:
    seconds = float(getattr(exc, "retry_after", None) or 30)
    gateway.slow_down(team, seconds=seconds)
    _push_back(generations, until=timezone.now() + timedelta(seconds=seconds))


def _push_back(generations: Iterable[Generation], *, until: datetime) -> None:
    Generation.objects.filter(pk__in=[g.pk for g in generations], status__in=POLLED).update(
        next_poll_at=until, claim_token=None
    )


def _schedule_next(generation: Generation, now: datetime) -> None:
    Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(
        next_poll_at=now + poll_interval(generation, now),
        claim_token=None,
        poll_count=generation.poll_count + 1,
    )


def check_now(generation: Generation) -> bool:
    """Moves the generation's next check to now (the poller picks it up on its next tick)."""
    return bool(
        Generation.objects.filter(pk=generation.pk, status__in=POLLED)
        .filter(Q(claim_token__isnull=True) | Q(next_poll_at__lte=timezone.now()))
        .update(next_poll_at=timezone.now())
    )
