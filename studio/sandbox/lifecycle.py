"""How a sandbox task moves through its statuses: computed from stored timestamps, never from memory.

The simulated upstream works on a timeline: from its origin (submission, or the MODAL answer, plus any
queue delay) it is accepted at once, picked up after `started_after` seconds and finished after
`finished_after` seconds, all multiplied by the task's time scale. The simulated gateway only learns about
the upstream at its poll ticks (every `poll_interval` scaled seconds, on a clock shared by all tasks and
processes), as new-api does every 15 s; until its first tick after submission it shows the status it
stored at submission. Injected faults bend the timeline: a failing task fails part-way through its run; a
stuck one stops at 60 % and runs forever, or until the gateway's own time-out gives up on it.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from studio.sandbox import config
from studio.sandbox.models import SandboxTask

# Where in its run (0..1) an injected failure strikes, and where a stuck task stops.
FAILURE_POINT = 0.4
STUCK_POINT = 0.6


class Stage(enum.StrEnum):
    """What the simulated gateway last saw of the upstream."""

    NOT_POLLED = "NOT_START"
    MODAL = "MODAL"
    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"

    @property
    def is_finished(self) -> bool:
        return self in {Stage.SUCCESS, Stage.FAILURE}


@dataclass(frozen=True)
class Profile:
    """Unscaled durations of one kind of job: seconds until picked up and until done."""

    started_after: float
    finished_after: float
    timeout_after: float | None = None


@dataclass(frozen=True)
class Observation:
    """A task as the gateway sees it at one moment; times are unix seconds (floats), None when unknown."""

    stage: Stage
    progress: int
    submitted: float
    started: float | None
    finished: float | None
    started_seen: float | None
    finished_seen: float | None
    fail_reason: str


def scaled(seconds: float, scale: float | None = None) -> float:
    """Real seconds for `seconds` of simulated time at `scale` (the configured scale by default)."""
    return seconds * (config.time_scale() if scale is None else scale)


def sleep_scaled(seconds: float) -> None:
    """Wait `seconds` of simulated time."""
    duration = scaled(seconds)
    if duration > 0:
        time.sleep(duration)


def _last_tick(moment: float, period: float) -> float:
    return math.floor(moment / period) * period if period > 0 else moment


def _first_tick(moment: float, period: float) -> float:
    return math.ceil(moment / period) * period if period > 0 else moment


def _timestamp(value: datetime) -> float:
    return value.timestamp()


def schedule(task: SandboxTask, profile: Profile, *, starts_at: datetime | None) -> None:
    """Fill the task's timeline fields from `profile` and the current scale; saves nothing."""
    task.time_scale = config.time_scale()
    task.poll_interval = config.poll_interval()
    task.started_after = profile.started_after
    task.finished_after = profile.finished_after
    task.timeout_after = profile.timeout_after
    start(task, starts_at)


def start(task: SandboxTask, starts_at: datetime | None) -> None:
    """Set the task's origin (None keeps it waiting, as in MODAL) and its expected end; saves nothing."""
    task.starts_at = starts_at
    task.finishes_at = finishing_time(task)


def finishing_time(task: SandboxTask) -> datetime | None:
    """When the upstream finishes (or fails) the task; None if it never does or has not started."""
    end = _end(task)
    return None if end is None else datetime.fromtimestamp(end[0], tz=UTC)


def _origin(task: SandboxTask) -> float | None:
    if task.starts_at is None:
        return None
    return _timestamp(task.starts_at) + task.queue_delay * task.time_scale


def _end(task: SandboxTask) -> tuple[float, Stage, str] | None:
    origin = _origin(task)
    if origin is None:
        return None
    scale = task.time_scale
    run = task.finished_after - task.started_after
    if task.injected_failure:
        moment = origin + (task.started_after + FAILURE_POINT * run) * scale
        return moment, Stage.FAILURE, task.injected_failure
    if task.is_stuck:
        if task.timeout_after is None:
            return None
        moment = _timestamp(task.submitted_at) + task.timeout_after * scale
        return moment, Stage.FAILURE, "上游任务超时（超过1小时）"
    return origin + task.finished_after * scale, Stage.SUCCESS, ""


def just_submitted(task: SandboxTask) -> Observation:
    """The task as its submit answer shows it: not yet polled, whatever the time scale."""
    submitted = _timestamp(task.submitted_at)
    return Observation(Stage.NOT_POLLED, 0, submitted, None, None, None, None, "")


def observe(task: SandboxTask, now: float | None = None) -> Observation:
    """What the gateway reports for `task` at `now` (unix seconds, default the current time)."""
    moment = time.time() if now is None else now
    submitted = _timestamp(task.submitted_at)
    origin = _origin(task)
    if origin is None:
        return Observation(Stage.MODAL, 0, submitted, None, None, None, None, "")
    period = task.poll_interval * task.time_scale
    seen = _last_tick(moment, period)
    if seen < submitted:
        return Observation(Stage.NOT_POLLED, 0, submitted, None, None, None, None, "")
    scale = task.time_scale
    started = origin + task.started_after * scale
    end = _end(task)
    if end is not None and seen >= end[0]:
        end_moment, stage, reason = end
        started_known = started if started <= end_moment else None
        return Observation(
            stage=stage,
            progress=100,
            submitted=submitted,
            started=started_known,
            finished=end_moment,
            started_seen=None if started_known is None else _first_tick(started, period),
            finished_seen=_first_tick(end_moment, period),
            fail_reason=reason,
        )
    if seen < started:
        return Observation(Stage.SUBMITTED, 0, submitted, None, None, None, None, "")
    run = (task.finished_after - task.started_after) * scale
    fraction = 1.0 if run <= 0 else (seen - started) / run
    if task.is_stuck:
        fraction = min(fraction, STUCK_POINT)
    progress = max(1, min(99, int(fraction * 100)))
    return Observation(
        stage=Stage.IN_PROGRESS,
        progress=progress,
        submitted=submitted,
        started=started,
        finished=None,
        started_seen=_first_tick(started, period),
        finished_seen=None,
        fail_reason="",
    )


def expiry_time(task: SandboxTask, expire_after: float) -> datetime:
    """When the task's result files expire: `expire_after` simulated seconds after it finishes."""
    end = finishing_time(task) or timezone.now()
    return end + timedelta(seconds=scaled(expire_after, task.time_scale))
