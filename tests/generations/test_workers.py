"""The real django-q2 worker and poller, as separate processes: work flows, and killing them loses nothing."""

from __future__ import annotations

import time

from studio.generations import services
from studio.generations.models import TERMINAL, Generation, GenerationEvent, Kind, Status
from tests.generations.conftest import wait_for


def _start_mix(project, user, count: int) -> list[Generation]:  # type: ignore[no-untyped-def]
    kinds = [
        (Kind.VEO3_VIDEO, "veo3-fast", {"aspect_ratio": "16:9"}),
        (Kind.SORA2_VIDEO, "sora-2", {"seconds": 4, "size": "720x1280"}),
        (Kind.MJ_IMAGINE, "midjourney", {}),
    ]
    generations = []
    for index in range(count):
        kind, model, params = kinds[index % len(kinds)]
        generations.append(
            services.start_generation(
                project=project, user=user, kind=kind, model=model, prompt=f"scene {index}", params=params
            )
        )
    return generations


def _all_finished(generations: list[Generation]) -> bool:
    statuses = Generation.objects.filter(pk__in=[g.pk for g in generations]).values_list("status", flat=True)
    return all(status in TERMINAL for status in statuses)


def test_worker_and_poller_take_generations_to_stored_results(sandbox_project, user, studio_workers) -> None:  # type: ignore[no-untyped-def]
    generations = _start_mix(sandbox_project, user, 3)

    wait_for(lambda: _all_finished(generations), timeout=60)

    for generation in Generation.objects.filter(pk__in=[g.pk for g in generations]):
        assert generation.status == Status.SUCCEEDED, generation.error_message
        assert generation.assets.exists()


def test_killing_worker_and_poller_three_times_loses_and_duplicates_nothing(
    sandbox_project, user, studio_workers
) -> None:  # type: ignore[no-untyped-def]
    generations = _start_mix(sandbox_project, user, 9)

    for _round in range(3):
        time.sleep(0.7)
        studio_workers("worker")
        studio_workers("poller")
    wait_for(lambda: _all_finished(generations), timeout=120, every=0.3)

    finished = list(Generation.objects.filter(pk__in=[g.pk for g in generations]))
    statuses = [g.status for g in finished]
    # A kill after the request left but before the gateway answered is the one honest "outcome unknown"
    # (the studio cannot know whether the gateway took the job); every other generation must finish.
    assert set(statuses) <= {Status.SUCCEEDED, Status.OUTCOME_UNKNOWN}, statuses
    assert Status.SUCCEEDED in statuses
    for generation in finished:
        sends = generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count()
        assert sends == 1, f"generation {generation.pk} was sent {sends} times"
        positions = list(generation.assets.values_list("position", flat=True))
        assert len(positions) == len(set(positions))
        if generation.status == Status.SUCCEEDED:
            assert positions
        else:
            assert generation.sent_at is not None
            assert not generation.upstream_task_id
