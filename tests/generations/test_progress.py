"""When the poller checks a task next: learned durations per model and shape, and the likely-finish window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from studio.accounts.models import User
from studio.generations import services
from studio.generations.engine.progress import estimate_duration, poll_interval
from studio.generations.models import Generation, Kind, Status
from studio.projects.models import Project


def start_sora(project: Project, user: User, seconds: int = 4) -> Generation:
    return services.start_generation(
        project=project,
        user=user,
        kind=Kind.SORA2_VIDEO,
        model="sora-2",
        prompt="a paper boat on a river",
        params={"seconds": seconds, "size": "1280x720"},
    )


def finished_sora(project: Project, user: User, duration: float, seconds: int = 4) -> Generation:
    """A Sora2 video of the team that took `duration` seconds from submit to success."""
    generation = start_sora(project, user, seconds)
    submitted = timezone.now() - timedelta(hours=1)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUCCEEDED,
        submitted_at=submitted,
        succeeded_at=submitted + timedelta(seconds=duration),
    )
    return generation


def running_sora(project: Project, user: User, age: float, seconds: int = 4) -> Generation:
    generation = start_sora(project, user, seconds)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.RUNNING, submitted_at=timezone.now() - timedelta(seconds=age)
    )
    generation.refresh_from_db()
    return generation


@pytest.fixture
def history(project: Project, user: User) -> list[Generation]:
    """Ten Sora2 4 s videos that took 60 to 69 seconds."""
    return [finished_sora(project, user, 60 + index) for index in range(10)]


@pytest.mark.django_db
def test_estimate_duration_is_none_without_history(project, user) -> None:  # type: ignore[no-untyped-def]
    finished_sora(project, user, 60)
    finished_sora(project, user, 61)

    assert estimate_duration(running_sora(project, user, age=5)) is None


@pytest.mark.django_db
def test_estimate_duration_learns_median_and_range(project, user, history) -> None:  # type: ignore[no-untyped-def]
    estimate = estimate_duration(running_sora(project, user, age=5))

    assert estimate is not None
    assert (estimate.median, estimate.low, estimate.high, estimate.samples) == (64.5, 60, 68, 10)


@pytest.mark.django_db
def test_estimate_duration_ignores_other_durations_of_the_same_model(project, user, history) -> None:  # type: ignore[no-untyped-def]
    for index in range(3):
        finished_sora(project, user, 200 + index, seconds=25)

    estimate = estimate_duration(running_sora(project, user, age=5, seconds=25))

    assert estimate is not None
    assert (estimate.low, estimate.high, estimate.samples) == (200, 202, 3)


@pytest.mark.django_db
def test_estimate_duration_ignores_other_teams(project, user, other_team_user, history) -> None:  # type: ignore[no-untyped-def]
    other_project = Project.objects.create(team=other_team_user.memberships.get().team, name="Theirs")

    assert estimate_duration(running_sora(other_project, other_team_user, age=5)) is None


@pytest.mark.django_db
def test_estimate_duration_is_cached(project, user, history, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    generation = running_sora(project, user, age=5)
    estimate_duration(generation)

    with django_assert_num_queries(0):
        assert estimate_duration(generation) is not None


@pytest.mark.django_db
def test_poll_interval_follows_age_without_history(project, user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GENERATION_POLL_INTERVAL = 10.0
    now = timezone.now()

    assert poll_interval(running_sora(project, user, age=5), now) == timedelta(seconds=10)
    assert poll_interval(running_sora(project, user, age=600), now) == timedelta(seconds=20)


@pytest.mark.django_db
def test_poll_interval_sleeps_until_the_likely_window_opens(project, user, history, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GENERATION_POLL_INTERVAL = 10.0
    generation = running_sora(project, user, age=5)

    interval = poll_interval(generation, generation.submitted_at + timedelta(seconds=5))

    # The window is 60 to 68 s, checked every (68 - 60) / 8 = 1 s, so it opens at 59 s; a sleep is
    # capped at three default intervals, so the task is checked again at 35 s and then at the window.
    assert interval == timedelta(seconds=30)
    assert poll_interval(generation, generation.submitted_at + timedelta(seconds=40)) == timedelta(seconds=19)


@pytest.mark.django_db
def test_poll_interval_is_dense_inside_the_window(project, user, history, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GENERATION_POLL_INTERVAL = 10.0
    generation = running_sora(project, user, age=62)

    assert poll_interval(generation, generation.submitted_at + timedelta(seconds=62)) == timedelta(seconds=1)


@pytest.mark.django_db
def test_poll_interval_thins_out_when_the_task_runs_late(project, user, history, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GENERATION_POLL_INTERVAL = 10.0
    generation = running_sora(project, user, age=100)
    submitted = generation.submitted_at

    # The window closes at 68 + 1 s; late checks wait half the delay, at most four default intervals.
    assert poll_interval(generation, submitted + timedelta(seconds=79)) == timedelta(seconds=5)
    assert poll_interval(generation, submitted + timedelta(seconds=600)) == timedelta(seconds=40)


@pytest.mark.django_db
def test_estimate_duration_prefers_the_gateways_own_duration(project, user) -> None:  # type: ignore[no-untyped-def]
    # Seen done 12 s late each time (a sparse poll), but the gateway says each took 50 s: learning from
    # when we noticed would move the next window 12 s later, and the next run's lateness with it.
    for _ in range(5):
        generation = finished_sora(project, user, 62)
        Generation.objects.filter(pk=generation.pk).update(upstream_seconds=50.0)
    finished_sora(project, user, 70)  # an older answer without the gateway's times

    estimate = estimate_duration(running_sora(project, user, age=5))

    assert estimate is not None
    assert (estimate.median, estimate.low, estimate.high) == (50.0, 50.0, 70.0)


def test_upstream_seconds_reads_the_gateways_submit_and_finish_times() -> None:
    from studio.generations.engine.progress import upstream_seconds
    from studio.upstream import TaskStatus, TaskView

    submitted = timezone.now()

    def view(finished: object) -> TaskView:
        return TaskView(
            task_id="t",
            status=TaskStatus.SUCCEEDED,
            progress=100,
            gateway_status="SUCCESS",
            submitted_at=submitted,
            finished_at=finished,  # type: ignore[arg-type]
        )

    assert upstream_seconds(view(submitted + timedelta(seconds=41))) == 41.0
    assert upstream_seconds(view(None)) is None
    assert upstream_seconds(view(submitted - timedelta(seconds=5))) is None  # clock nonsense: ignored


@pytest.mark.parametrize(
    ("kind", "model", "params"),
    [
        (Kind.VEO3_VIDEO, "veo3-fast", {}),
        (Kind.SORA2_VIDEO, "sora-2", {"seconds": 4, "size": "1280x720"}),
        (Kind.MJ_IMAGINE, "midjourney", {}),
    ],
)
def test_a_polled_task_keeps_the_gateways_own_duration(
    sandbox_project, user, drive, kind, model, params
) -> None:  # type: ignore[no-untyped-def]
    generation = services.start_generation(
        project=sandbox_project, user=user, kind=kind, model=model, prompt="a paper boat", params=params
    )

    generation = drive(generation)

    assert generation.status == Status.SUCCEEDED
    assert generation.upstream_seconds is not None
    # Whole seconds on the Veo3 and Sora clocks: a task this quick may read 0.
    assert (
        0
        <= generation.upstream_seconds
        <= (generation.succeeded_at - generation.submitted_at).total_seconds() + 1
    )
