"""The task queue (django-q2), named only here.

Tasks are module-level functions in the apps' `tasks.py` that take primitive ids; they are addressed by
their dotted path, so enqueuing one never imports the module that runs it. Work that depends on rows being
written is enqueued after the current transaction commits, never before the rows exist.

There are two lanes, each a django-q2 cluster of its own: the default one (submits, exports, mail,
webhooks) and the results lane (`RESULTS_QUEUE`), where finished tasks' results are copied in. A burst of
submits can keep the default lane busy for minutes; a finished result never waits behind it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django_q.brokers import get_broker
from django_q.tasks import async_task


def _cluster(results: bool) -> str:
    # Named either way: a task queued from a results worker (a webhook, a mail) belongs to the default lane,
    # and django-q2 would otherwise put it on the lane of the process that queues it.
    return str(settings.RESULTS_QUEUE if results else settings.Q_CLUSTER["name"])


def enqueue_now(func: str, *args: object, task_name: str, results: bool = False) -> None:
    """Queues `func(*args)` right away (for callers outside a transaction, such as the poller's sweep);
    on the results lane with `results`."""
    async_task(func, *args, task_name=task_name, cluster=_cluster(results))


def enqueue(
    func: str,
    *args: object,
    task_name: str,
    before: Callable[[], object] | None = None,
    results: bool = False,
) -> None:
    """Queues `func(*args)` once the current transaction commits; `before` runs just before sending; on
    the results lane with `results`."""

    def send() -> None:
        if before is not None:
            before()
        async_task(func, *args, task_name=task_name, cluster=_cluster(results))

    transaction.on_commit(send)


def backlog(*, results: bool = False) -> int:
    """How many tasks wait in a lane, not yet taken by a worker."""
    return int(get_broker(_cluster(results)).queue_size() or 0)
