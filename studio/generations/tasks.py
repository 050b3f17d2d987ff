"""Background work (django-q2): thin functions that take ids and call one engine function each.

The queue library is named only in `studio/queue.py`, and the engine enqueues these by dotted path (see
`engine/enqueue.py`), so this module is the only one that imports the engine for the queue's workers.
Every task is idempotent: each engine function starts with a compare-and-set claim in the database, so a
task delivered twice (a killed worker's task comes back) does nothing twice.
"""

from __future__ import annotations

from studio.generations import catalogue
from studio.generations.engine import ingest, run, submit
from studio.generations.kinds import KINDS
from studio.generations.models import Generation


def submit_generation(generation_id: int, slot_token: str | None = None) -> None:
    """Submits a queued generation to its gateway; a sync kind is run to its stored result right here.

    `slot_token` is the claim of a generation that was given a slot (or, for a sync kind, another try)
    while it waited (`engine/capacity.py`).
    """
    kind = Generation.objects.filter(pk=generation_id).values_list("kind", flat=True).first()
    if kind is None:
        return
    if KINDS[kind].is_sync:
        run.run_generation(generation_id, slot_token)
    else:
        submit.submit_generation(generation_id, slot_token)


def ingest_generation(generation_id: int) -> None:
    """Stores a finished generation's results."""
    ingest.ingest_generation(generation_id)


def refresh_catalogues() -> None:
    """Refreshes the model lists of the teams whose list is due (see `catalogue.refresh_due_catalogues`)."""
    catalogue.refresh_due_catalogues()
