"""Background work (django-q2): thin functions that take ids, plus the helpers that enqueue them.

The queue library is named only in `studio/queue.py`. Every task is idempotent: each one starts with a
compare-and-set claim in the database, so a task delivered twice (a killed worker's task comes back) does
nothing twice.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from studio import queue
from studio.generations.models import Generation


def submit_generation(generation_id: int, slot_token: str | None = None) -> None:
    """Submits a queued generation to its gateway; a sync kind is run to its stored result right here.

    `slot_token` is the claim of a generation that was given a slot while it waited (see `capacity.py`).
    """
    from studio.generations.direct import run_generation
    from studio.generations.kinds import KINDS
    from studio.generations.submission import submit_generation as submit

    kind = Generation.objects.filter(pk=generation_id).values_list("kind", flat=True).first()
    if kind is None:
        return
    if KINDS[kind].is_sync:
        run_generation(generation_id)
    else:
        submit(generation_id, slot_token)


def ingest_generation(generation_id: int) -> None:
    """Stores a finished generation's results."""
    from studio.generations.ingest import ingest_generation as ingest

    ingest(generation_id)


def _enqueue(func: str, generation: Generation) -> None:
    queue.enqueue(
        func,
        generation.pk,
        task_name=f"{func.rsplit('.', 1)[-1]}-{generation.pk}",
        before=lambda: _mark_enqueued(generation.pk),
    )


def _mark_enqueued(generation_id: int) -> None:
    Generation.objects.filter(pk=generation_id).update(enqueued_at=timezone.now())


def enqueue_submit(generation: Generation) -> None:
    """Queues the submit once the current transaction commits (never before the row exists)."""
    _enqueue("studio.generations.tasks.submit_generation", generation)


def enqueue_ingest(generation: Generation) -> None:
    """Queues the ingest once the current transaction commits."""
    _enqueue("studio.generations.tasks.ingest_generation", generation)


def enqueue_claimed_submit(generation_id: int, slot_token: uuid.UUID) -> None:
    """Queues the submit of a generation just given a slot (after commit), with its claim."""

    queue.enqueue(
        "studio.generations.tasks.submit_generation",
        generation_id,
        str(slot_token),
        task_name=f"submit_generation-{generation_id}",
        before=lambda: _mark_enqueued(generation_id),
    )


def requeue(kind: str, generation_id: int) -> None:
    """Queues a submit or ingest again right away (used by the poller's sweep for lost work)."""
    func = {
        "submit": "studio.generations.tasks.submit_generation",
        "ingest": "studio.generations.tasks.ingest_generation",
    }[kind]
    queue.enqueue_now(func, generation_id, task_name=f"{kind}-{generation_id}")


def queue_backlog() -> int:
    """How many tasks wait in the queue, not yet taken by a worker."""
    return queue.backlog()


def refresh_catalogues() -> None:
    """Refreshes the model lists of the teams whose list is due (see `catalogue.refresh_due_catalogues`)."""
    from studio.generations.catalogue import refresh_due_catalogues

    refresh_due_catalogues()


def enqueue_catalogue_refresh() -> None:
    """Queues the scheduled refresh of the teams' model lists (the poller calls this now and then)."""
    queue.enqueue_now("studio.generations.tasks.refresh_catalogues", task_name="refresh-catalogues")
