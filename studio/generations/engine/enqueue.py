"""The engine's tasks put on the queue by dotted path, so that no engine module imports `tasks.py`.

Each send first writes `enqueued_at`, so that the sweep re-queues a lost task once and only once.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from studio import queue
from studio.generations.models import Generation

SUBMIT = "studio.generations.tasks.submit_generation"
INGEST = "studio.generations.tasks.ingest_generation"


def _mark_enqueued(generation_id: int) -> None:
    Generation.objects.filter(pk=generation_id).update(enqueued_at=timezone.now())


def _after_commit(func: str, generation_id: int, *args: object) -> None:
    queue.enqueue(
        func,
        generation_id,
        *args,
        task_name=f"{func.rsplit('.', 1)[-1]}-{generation_id}",
        before=lambda: _mark_enqueued(generation_id),
        results=func == INGEST,
    )


def submit(generation: Generation) -> None:
    """Queues the submit once the current transaction commits (never before the row exists)."""
    _after_commit(SUBMIT, generation.pk)


def ingest(generation: Generation) -> None:
    """Queues the ingest on the results lane once the current transaction commits."""
    _after_commit(INGEST, generation.pk)


def claimed_submit(generation_id: int, slot_token: uuid.UUID) -> None:
    """Queues the submit of a generation just given a slot (after commit), with its claim."""
    _after_commit(SUBMIT, generation_id, str(slot_token))


def requeue(kind: str, generation_id: int) -> None:
    """Queues a submit or ingest again right away (the poller's sweep for lost work)."""
    func = {"submit": SUBMIT, "ingest": INGEST}[kind]
    queue.enqueue_now(func, generation_id, task_name=f"{kind}-{generation_id}", results=func == INGEST)


def backlog(kind: str) -> int:
    """How many submits (or ingests, on the results lane) wait in the queue, not yet taken by a worker."""
    return queue.backlog(results=kind == "ingest")
