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
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.models import Team
from studio.generations import capacity, gateway
from studio.generations.kinds import (
    GIVE_UP_AFTER,
    KINDS,
    SYNC_KINDS,
    TIMED_OUT_POLL,
    TIMEOUT_AFTER,
    Family,
)
from studio.generations.models import POLLED, Generation, GenerationEvent, Status
from studio.upstream import (
    GatewayClient,
    GatewayUnavailable,
    RateLimited,
    TaskNotFound,
    TaskStatus,
    TaskView,
    UpstreamError,
)

logger = logging.getLogger(__name__)

POLL_LEASE = timedelta(seconds=90)
MIDJOURNEY_BATCH = 100
PARALLEL_QUERIES = 4


@dataclass
class TickReport:
    claimed: int = 0
    gateway_calls: int = 0
    changed: int = 0


def poll_interval(generation: Generation, now: datetime) -> timedelta:
    """How long until the next check: soon after submit, then slower as the task ages."""
    base = timedelta(seconds=settings.GENERATION_POLL_INTERVAL)
    if generation.status == Status.TIMED_OUT:
        return TIMED_OUT_POLL
    age = now - (generation.submitted_at or generation.created_at)
    if age < timedelta(minutes=5):
        return base
    if age < timedelta(minutes=20):
        return base * 2
    return base * 4


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
    sweep_stale_work(now)
    settle_deadlines(now)
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
    client = gateway.client_for(team)
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
            generation.transition(
                Status.FAILED,
                allowed_from=POLLED,
                error_code=exc.code,
                error_message=gateway.explain(exc),
                gateway_message=exc.gateway_message,
                next_poll_at=None,
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


def apply_task_view(generation: Generation, view: TaskView) -> int:
    """Writes what the gateway said about a task; returns 1 if the generation changed.

    Side effects: status transition (compare-and-set), progress, the event log, and an ingest task
    enqueued when the gateway reports success.
    """
    now = timezone.now()
    next_poll = now + poll_interval(generation, now)
    common: dict[str, Any] = {"poll_count": generation.poll_count + 1, "claim_token": None}
    if view.buttons:
        common["buttons"] = [
            {"custom_id": b.custom_id, "label": b.label, "emoji": b.emoji} for b in view.buttons
        ]
    if view.status == TaskStatus.SUCCEEDED:
        urls = result_candidates(view)
        with transaction.atomic():
            changed = generation.transition(
                Status.INGESTING,
                allowed_from=POLLED,
                payload=dict(view.raw) if view.raw else None,
                progress=100,
                result_urls=urls,
                result_text=view.text_result or view.character_username or generation.result_text,
                error_code="",
                error_message="",
                succeeded_at=now,
                next_poll_at=None,
                claim_expires_at=None,
                last_progress_at=now,
                **common,
            )
            if changed:
                from studio.generations.tasks import enqueue_ingest

                enqueue_ingest(generation)
        return int(changed)
    if view.status == TaskStatus.FAILED:
        reason = view.failure_reason or _("The provider reported a failure without a reason.")
        changed = generation.transition(
            Status.FAILED,
            allowed_from=POLLED,
            payload=dict(view.raw) if view.raw else None,
            error_code="generation_failed",
            error_message=_("The provider could not generate this."),
            gateway_message=reason,
            next_poll_at=None,
            **common,
        )
        return int(changed)
    progress = max(generation.progress, view.progress)
    made_progress = progress > generation.progress
    fields: dict[str, Any] = {
        "progress": progress,
        "next_poll_at": next_poll,
        **common,
    }
    if made_progress:
        fields["last_progress_at"] = now
    if view.status == TaskStatus.RUNNING and generation.status == Status.SUBMITTED:
        return int(
            generation.transition(
                Status.RUNNING, allowed_from=[Status.SUBMITTED], payload=_raw(view), **fields
            )
        )
    updated = Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(
        updated_at=now if made_progress else generation.updated_at, **fields
    )
    return int(bool(updated) and made_progress)


def result_candidates(view: TaskView) -> list[str]:
    """Every address the gateway gave for the task's one result, best first (download, then display).

    The gateway often repeats one file under several keys (`fail_reason`, `videoUrl`, a download link);
    they are alternatives for the same result, tried in order, never separate results.
    """
    ordered = [view.download_url, view.display_url, *view.result_urls]
    return list(dict.fromkeys(url for url in ordered if url))


def _raw(view: TaskView) -> dict[str, object] | None:
    return dict(view.raw) if view.raw else None


def settle_deadlines(now: datetime) -> int:
    """Times out tasks silent past the deadline, and stops checking them after a day.

    Also fails the generations that waited for a free slot longer than their team allows.
    """
    capacity.fail_overdue_waits(now)
    timed_out = 0
    overdue = (
        Generation.objects.filter(
            status__in=[Status.SUBMITTED, Status.RUNNING], submitted_at__lt=now - TIMEOUT_AFTER
        )
        .exclude(kind__in=SYNC_KINDS)
        .only("pk", "status")
    )
    for generation in overdue:
        timed_out += generation.transition(
            Status.TIMED_OUT,
            allowed_from=[Status.SUBMITTED, Status.RUNNING],
            error_code="timed_out",
            error_message=_(
                "The gateway has not finished after an hour. We keep checking every 10 minutes for a day "
                "in case it still delivers."
            ),
            next_poll_at=now + TIMED_OUT_POLL,
        )
    Generation.objects.filter(
        status=Status.TIMED_OUT, submitted_at__lt=now - GIVE_UP_AFTER, next_poll_at__isnull=False
    ).update(next_poll_at=None)
    return timed_out


def check_now(generation: Generation) -> bool:
    """Moves the generation's next check to now (the poller picks it up on its next tick)."""
    return bool(
        Generation.objects.filter(pk=generation.pk, status__in=POLLED)
        .filter(Q(claim_token__isnull=True) | Q(next_poll_at__lte=timezone.now()))
        .update(next_poll_at=timezone.now())
    )


def sweep_stale_work(now: datetime | None = None) -> int:
    """Puts lost work back on the queue: submits and ingests whose task vanished or whose worker died.

    Side effects: status changes for dead submits (see `recover_stale_submits`, which also fails a sync
    kind whose worker died mid-answer, so no card stays "running") and queued tasks.
    """
    from studio.generations.submission import recover_stale_submits
    from studio.generations.tasks import queue_backlog, requeue

    now = now or timezone.now()
    recover_stale_submits(now)
    requeue_after = timedelta(seconds=settings.GENERATION_REQUEUE_AFTER)
    enqueued_before = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after)
    # Work given a retry time (a busy gateway, a worker that died) has no message waiting anywhere: it is
    # queued when due. Work queued normally may simply be waiting behind a backlog; it counts as lost only
    # once the queue has drained, or every slow minute would fill the queue with duplicates.
    drained = queue_backlog() == 0
    due_submits = (
        Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True) if drained else Q(next_poll_at__lte=now)
    )
    due_ingests = (
        Q(claim_expires_at__lte=now) | Q(claim_expires_at__isnull=True)
        if drained
        else Q(claim_expires_at__lte=now)
    )
    lost_submits = Generation.objects.filter(due_submits, enqueued_before, status=Status.QUEUED)
    lost_ingests = Generation.objects.filter(due_ingests, enqueued_before, status=Status.INGESTING)
    count = 0
    for kind, rows in (("submit", lost_submits), ("ingest", lost_ingests)):
        for pk, enqueued_at in rows.values_list("pk", "enqueued_at")[:200]:
            # Compare-and-set on enqueued_at: two pollers never queue the same task twice.
            if Generation.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
                requeue(kind, pk)
                count += 1
    return count
