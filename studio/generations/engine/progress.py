"""Writing what the gateway said about a task: its progress, and its move to running, ingesting or failed.

Every change is a compare-and-set from the statuses a polled task may be in, so a cancel or a second
poller's answer in between wins, and a success queues the ingest once.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.generations.engine import enqueue
from studio.generations.kinds import TIMED_OUT_POLL
from studio.generations.models import POLLED, Generation, Status
from studio.upstream import TaskStatus, TaskView

# Durations are learned from this many of the latest finished generations of the same model and shape.
HISTORY_SIZE = 50
# Fewer finished generations than this teach nothing yet: the age-based default schedule applies.
MIN_HISTORY = 3
# An estimate is read from the database at most this often per model and shape (seconds).
ESTIMATE_TTL = 30.0
# Checks spent inside the window where a task is likely to finish; the window sets their spacing.
WINDOW_CHECKS = 8
# Never closer than this (seconds), whatever the window: the gateway's rate limit is shared by the team.
MIN_DENSE_INTERVAL = 1.0
# The parameters that change how long a job takes (a 25 s clip takes longer than a 4 s one).
DURATION_PARAMS = ("seconds", "size", "duration", "resolution", "aspect_ratio")


@dataclass(frozen=True)
class Estimate:
    """How long a model's jobs took (seconds, from submit to success): median and the usual range."""

    median: float
    low: float
    high: float
    samples: int


def shape_of(generation: Generation) -> tuple[Any, ...]:
    """What a job's duration depends on: team, kind, model and the duration-bearing parameters."""
    return _shape(generation.team_id, generation.kind, generation.model, generation.params)


def _shape(team_id: int, kind: str, model: str, params: Any) -> tuple[Any, ...]:
    values = params if isinstance(params, dict) else {}
    return (team_id, kind, model, *(str(values.get(name, "")) for name in DURATION_PARAMS))


def estimate_duration(generation: Generation) -> Estimate | None:
    """The learned duration of jobs like this one, or None without enough history (cached a while)."""
    key = shape_of(generation)
    cache_key = "generations:eta:" + hashlib.sha256(repr(key).encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is not None:
        return Estimate(*cached) if cached else None
    estimate = _learn(generation, key)
    cache.set(cache_key, astuple(estimate) if estimate else (), ESTIMATE_TTL)
    return estimate


def _learn(generation: Generation, key: tuple[Any, ...]) -> Estimate | None:
    finished = (
        Generation.objects.filter(
            team_id=generation.team_id,
            kind=generation.kind,
            model=generation.model,
            submitted_at__isnull=False,
            succeeded_at__isnull=False,
        )
        .order_by("-succeeded_at")
        .values_list("submitted_at", "succeeded_at", "upstream_seconds", "params")[: HISTORY_SIZE * 4]
    )
    # The gateway's own duration where it gave one; else until we saw it done, which adds our own
    # detection delay and, learned from, would push the next window later and later.
    latest = [
        upstream if upstream is not None else (succeeded - submitted).total_seconds()
        for submitted, succeeded, upstream, params in finished
        if submitted
        and succeeded
        and _shape(generation.team_id, generation.kind, generation.model, params) == key
    ]
    durations = sorted(latest[:HISTORY_SIZE])
    if len(durations) < MIN_HISTORY:
        return None
    return Estimate(
        median=statistics.median(durations),
        low=_rank(durations, 0.1),
        high=_rank(durations, 0.9),
        samples=len(durations),
    )


def _rank(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def poll_interval(generation: Generation, now: datetime) -> timedelta:
    """How long until the next check: densely where the task is likely to finish, sparsely elsewhere.

    The likely window is the usual range of the same model's learned durations (see `estimate_duration`).
    Before it the task sleeps until it opens; inside it is checked about `WINDOW_CHECKS` times; after it
    the checks thin out as the task runs late. Without history, checks are spaced by age alone.
    """
    base = timedelta(seconds=settings.GENERATION_POLL_INTERVAL)
    if generation.status == Status.TIMED_OUT:
        return TIMED_OUT_POLL
    age = now - (generation.submitted_at or generation.created_at)
    estimate = estimate_duration(generation)
    if estimate is None:
        return _by_age(age, base)
    dense = timedelta(
        seconds=min(
            max((estimate.high - estimate.low) / WINDOW_CHECKS, MIN_DENSE_INTERVAL), base.total_seconds()
        )
    )
    opens = timedelta(seconds=estimate.low) - dense
    closes = timedelta(seconds=estimate.high) + dense
    if age < opens:
        # Asleep until the window opens, but never longer than the default schedule would wait.
        return max(dense, min(opens - age, _by_age(age, base) * 3))
    if age <= closes:
        return dense
    # Late: each check waits half the time the task is overdue, so a stuck task costs few calls.
    return max(dense, min((age - closes) / 2, base * 4))


def _by_age(age: timedelta, base: timedelta) -> timedelta:
    if age < timedelta(minutes=5):
        return base
    if age < timedelta(minutes=20):
        return base * 2
    return base * 4


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
            changed = generation.mark_ingesting(
                payload=dict(view.raw) if view.raw else None,
                progress=100,
                result_urls=urls,
                result_text=view.text_result or view.character_username or generation.result_text,
                error_code="",
                error_message="",
                succeeded_at=now,
                upstream_seconds=upstream_seconds(view),
                next_poll_at=None,
                claim_expires_at=None,
                last_progress_at=now,
                **common,
            )
            if changed:
                enqueue.ingest(generation)
        return int(changed)
    if view.status == TaskStatus.FAILED:
        reason = view.failure_reason or _("The provider reported a failure without a reason.")
        changed = generation.mark_failed(
            "generation_failed",
            _("The provider could not generate this."),
            reason,
            allowed_from=POLLED,
            payload=dict(view.raw) if view.raw else None,
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
        return int(generation.mark_running(payload=_raw(view), **fields))
    updated = Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(
        updated_at=now if made_progress else generation.updated_at, **fields
    )
    return int(bool(updated) and made_progress)


def upstream_seconds(view: TaskView) -> float | None:
    """How long the task took by the gateway's clock, or None when it gave no (sensible) times."""
    if view.submitted_at is None or view.finished_at is None:
        return None
    seconds = (view.finished_at - view.submitted_at).total_seconds()
    return seconds if 0 <= seconds < 86_400 else None


def result_candidates(view: TaskView) -> list[str]:
    """Every address the gateway gave for the task's one result, best first (download, then display).

    The gateway often repeats one file under several keys (`fail_reason`, `videoUrl`, a download link);
    they are alternatives for the same result, tried in order, never separate results.
    """
    ordered = [view.download_url, view.display_url, *view.result_urls]
    return list(dict.fromkeys(url for url in ordered if url))


def _raw(view: TaskView) -> dict[str, object] | None:
    return dict(view.raw) if view.raw else None
