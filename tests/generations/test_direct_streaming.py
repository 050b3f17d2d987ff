"""A streamed answer is saved while it arrives, a cancel stops it, and a worker that dies mid-answer leaves a
failed generation with a reason and a retry, never a card stuck "running"."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.db import connections
from django.utils import timezone

from studio.generations import services
from studio.generations.engine import poller, recovery
from studio.generations.engine.run import run_generation
from studio.generations.models import Generation, Kind, Status
from tests.generations.conftest import wait_for

LONG_PROMPT = " ".join(f"word{index}" for index in range(60))


def _chat(project, user) -> Generation:  # type: ignore[no-untyped-def]
    return services.start_generation(
        project=project, user=user, kind=Kind.CHAT, model="gpt-4o-mini", prompt=LONG_PROMPT, params={}
    )


def _run_in_background(generation: Generation) -> threading.Thread:
    """Runs the generation in a thread of its own, as a worker would, with its own database connection."""

    def work() -> None:
        try:
            run_generation(generation.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_streamed_answer_is_saved_as_it_arrives(sandbox_project, user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANDBOX_TIME_SCALE = 1.0  # 0.05 s a word: the answer takes about three seconds.
    generation = _chat(sandbox_project, user)
    thread = _run_in_background(generation)
    seen: list[tuple[int, int]] = []

    def partial() -> bool:
        row = Generation.objects.values("status", "result_text", "updated_at").get(pk=generation.pk)
        if row["status"] == Status.RUNNING and row["result_text"]:
            seen.append((len(row["result_text"]), int(row["updated_at"].timestamp() * 1000)))
        return len({length for length, _version in seen}) >= 3

    wait_for(partial, timeout=10, every=0.05)
    thread.join(timeout=20)

    generation.refresh_from_db()
    assert generation.status == Status.SUCCEEDED
    lengths = [length for length, _version in seen]
    assert lengths == sorted(lengths)
    assert lengths[-1] < len(generation.result_text)
    # Each save moves updated_at, which is what the page's poller compares.
    assert len({version for _length, version in seen}) >= 3
    assert not generation.assets.filter(
        created_at__lt=generation.succeeded_at - timedelta(seconds=60)
    ).exists()


def test_cancel_while_streaming_stops_the_run_and_stores_nothing(sandbox_project, user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANDBOX_TIME_SCALE = 1.0
    generation = _chat(sandbox_project, user)
    thread = _run_in_background(generation)
    wait_for(
        lambda: (
            Generation.objects.filter(pk=generation.pk, status=Status.RUNNING)
            .exclude(result_text="")
            .exists()
        ),
        timeout=10,
        every=0.05,
    )

    assert services.cancel_generation(generation=generation, user=user)
    thread.join(timeout=20)

    generation.refresh_from_db()
    assert generation.status == Status.CANCELED
    assert not generation.assets.exists()
    assert generation.can_retry


def test_sweep_fails_a_running_sync_generation_whose_lease_lapsed(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = _chat(sandbox_project, user)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.RUNNING,
        sent_at=timezone.now() - timedelta(seconds=30),
        claim_expires_at=timezone.now() - timedelta(seconds=1),
        result_text="half an ans",
    )

    recovery.sweep_stale_work()

    generation.refresh_from_db()
    assert generation.status == Status.FAILED
    assert generation.error_code == "worker_stopped"
    assert generation.error_message == "The worker stopped while the answer was streaming; retry."
    assert generation.result_text == "half an ans"
    assert generation.can_retry


def test_sweep_fails_a_sync_submit_that_was_sent_and_requeues_one_that_was_not(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    sent, unsent = _chat(sandbox_project, user), _chat(sandbox_project, user)
    lapsed = timezone.now() - timedelta(seconds=1)
    Generation.objects.filter(pk=sent.pk).update(
        status=Status.SUBMITTING, sent_at=timezone.now(), claim_expires_at=lapsed
    )
    Generation.objects.filter(pk=unsent.pk).update(status=Status.SUBMITTING, claim_expires_at=lapsed)

    recovery.recover_stale_submits()

    sent.refresh_from_db()
    unsent.refresh_from_db()
    assert sent.status == Status.FAILED
    assert sent.error_code == "worker_stopped"
    assert unsent.status == Status.QUEUED
    assert run_generation(unsent.pk) == Status.SUCCEEDED


def test_sweep_leaves_a_streaming_generation_whose_lease_holds(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = _chat(sandbox_project, user)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.RUNNING, sent_at=timezone.now(), claim_expires_at=timezone.now() + timedelta(seconds=30)
    )

    recovery.sweep_stale_work()

    generation.refresh_from_db()
    assert generation.status == Status.RUNNING


def test_poller_never_polls_a_running_sync_generation(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = _chat(sandbox_project, user)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.RUNNING,
        submitted_at=timezone.now() - timedelta(hours=2),
        next_poll_at=timezone.now(),
        claim_expires_at=timezone.now() + timedelta(minutes=5),
    )
    generation.refresh_from_db()

    report = poller.poll_due_generations()

    assert report.claimed == 0
    assert not services.check_generation_now(generation=generation)
    generation.refresh_from_db()
    assert generation.status == Status.RUNNING  # Not timed out either: the lease decides.


def test_killing_the_worker_mid_stream_fails_the_generation_with_a_reason(  # type: ignore[no-untyped-def]
    sandbox_project, user, settings, studio_workers
) -> None:
    settings.SANDBOX_TIME_SCALE = 1.0
    prompt = " ".join(f"word{index}" for index in range(400))  # About twenty seconds of answer.
    generation = services.start_generation(
        project=sandbox_project, user=user, kind=Kind.CHAT, model="gpt-4o-mini", prompt=prompt, params={}
    )
    wait_for(
        lambda: Generation.objects.filter(
            pk=generation.pk, status=Status.RUNNING, result_text__contains="word5"
        ).exists(),
        timeout=30,
    )

    studio_workers("worker")

    def settled() -> bool:
        generation.refresh_from_db()
        return generation.status not in {Status.RUNNING, Status.SUBMITTING}

    wait_for(settled, timeout=30, every=0.2)
    assert generation.status == Status.FAILED
    assert generation.error_message == "The worker stopped while the answer was streaming; retry."
    assert generation.result_text.startswith("[sandbox gpt-4o-mini] You said:")
    assert not generation.assets.exists()
    assert generation.can_retry
