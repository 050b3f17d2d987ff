"""The task queue (django-q2), named only here.

Tasks are module-level functions in the apps' `tasks.py` that take primitive ids; they are addressed by
their dotted path, so enqueuing one never imports the module that runs it. Work that depends on rows being
written is enqueued after the current transaction commits, never before the rows exist.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django_q.brokers import get_broker
from django_q.tasks import async_task


def enqueue_now(func: str, *args: object, task_name: str) -> None:
    """Queues `func(*args)` right away (for callers outside a transaction, such as the poller's sweep)."""
    async_task(func, *args, task_name=task_name)


def enqueue(func: str, *args: object, task_name: str, before: Callable[[], object] | None = None) -> None:
    """Queues `func(*args)` once the current transaction commits; `before` runs just before sending."""

    def send() -> None:
        if before is not None:
            before()
        async_task(func, *args, task_name=task_name)

    transaction.on_commit(send)


def backlog() -> int:
    """How many tasks wait in the queue, not yet taken by a worker."""
    return int(get_broker().queue_size() or 0)
