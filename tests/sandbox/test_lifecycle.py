"""Task timelines: statuses computed from stored timestamps, as the polling gateway would see them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from studio.sandbox import lifecycle
from studio.sandbox.lifecycle import Profile, Stage
from studio.sandbox.models import SandboxTask, TaskKind

# One second after a 15-second poll tick, so the gateway's first look comes 14 seconds after submission.
SUBMITTED = 1_756_312_351.0
PROFILE = Profile(started_after=20.0, finished_after=100.0, timeout_after=3600.0)


def make_task(settings, *, scale=1.0, poll=15.0, **fields):
    settings.SANDBOX_TIME_SCALE = scale
    settings.SANDBOX_POLL_INTERVAL = poll
    task = SandboxTask(
        public_id="t", kind=TaskKind.VIDEO, submitted_at=datetime.fromtimestamp(SUBMITTED, tz=UTC), **fields
    )
    lifecycle.schedule(task, PROFILE, starts_at=task.submitted_at)
    return task


def test_observe_shows_not_polled_until_first_tick(settings):
    task = make_task(settings)

    seen = lifecycle.observe(task, SUBMITTED + 4)

    assert seen.stage is Stage.NOT_POLLED
    assert seen.progress == 0


def test_observe_walks_statuses_at_poll_ticks(settings):
    task = make_task(settings)

    stages = [lifecycle.observe(task, SUBMITTED + offset).stage for offset in (5, 20, 40, 90, 110)]

    assert stages == [Stage.NOT_POLLED, Stage.SUBMITTED, Stage.IN_PROGRESS, Stage.IN_PROGRESS, Stage.SUCCESS]


def test_observe_reports_times_at_ticks_and_upstream_times(settings):
    task = make_task(settings)

    seen = lifecycle.observe(task, SUBMITTED + 200)

    assert seen.started == SUBMITTED + 20
    assert seen.finished == SUBMITTED + 100
    assert seen.started_seen % 15 == 0
    assert seen.started_seen >= seen.started
    assert seen.finished_seen % 15 == 0
    assert seen.finished_seen >= seen.finished


def test_observe_progress_only_grows(settings):
    task = make_task(settings, poll=0.0)

    progresses = [lifecycle.observe(task, SUBMITTED + offset).progress for offset in range(0, 120, 3)]

    assert progresses == sorted(progresses)
    assert progresses[-1] == 100


def test_observe_follows_time_scale(settings):
    task = make_task(settings, scale=0.01, poll=0.0)

    assert lifecycle.observe(task, SUBMITTED + 0.5).stage is Stage.IN_PROGRESS
    assert lifecycle.observe(task, SUBMITTED + 1.01).stage is Stage.SUCCESS


def test_observe_keeps_scale_of_submission(settings):
    task = make_task(settings, scale=0.01, poll=0.0)
    settings.SANDBOX_TIME_SCALE = 100.0

    assert lifecycle.observe(task, SUBMITTED + 1.01).stage is Stage.SUCCESS


def test_observe_fails_injected_failure_part_way(settings):
    task = make_task(settings, poll=0.0, injected_failure="policy")

    assert lifecycle.observe(task, SUBMITTED + 30).stage is Stage.IN_PROGRESS
    seen = lifecycle.observe(task, SUBMITTED + 60)
    assert seen.stage is Stage.FAILURE
    assert seen.fail_reason == "policy"
    assert seen.progress == 100


def test_observe_never_finishes_stuck_task_without_timeout(settings):
    task = make_task(settings, poll=0.0, is_stuck=True)
    task.timeout_after = None
    lifecycle.start(task, task.starts_at)

    seen = lifecycle.observe(task, SUBMITTED + 10**6)

    assert seen.stage is Stage.IN_PROGRESS
    assert seen.progress == 60
    assert task.finishes_at is None


def test_observe_times_out_stuck_task_after_an_hour(settings):
    task = make_task(settings, poll=0.0, is_stuck=True)

    seen = lifecycle.observe(task, SUBMITTED + 3601)

    assert seen.stage is Stage.FAILURE
    assert seen.fail_reason == "上游任务超时（超过1小时）"


def test_observe_shows_modal_until_started(settings):
    task = make_task(settings)
    lifecycle.start(task, None)

    assert lifecycle.observe(task, SUBMITTED + 500).stage is Stage.MODAL
    lifecycle.start(task, datetime.fromtimestamp(SUBMITTED + 500, tz=UTC))
    assert lifecycle.observe(task, SUBMITTED + 700).stage is Stage.SUCCESS


@pytest.mark.parametrize(("delay", "stage"), [(0.0, Stage.SUCCESS), (100.0, Stage.IN_PROGRESS)])
def test_observe_delays_queued_task(settings, delay, stage):
    task = make_task(settings, poll=0.0, queue_delay=delay)
    lifecycle.start(task, task.starts_at)

    assert lifecycle.observe(task, SUBMITTED + 150).stage is stage
