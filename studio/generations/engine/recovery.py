"""Lost work, found again: submits whose worker died, queue messages that vanished, tasks past deadline.

The poller runs these at the start of every tick; each change is a compare-and-set, so two pollers (even on
two machines) settle each row once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.gateway import client_for
from studio.generations.engine import capacity, enqueue
from studio.generations.kinds import GIVE_UP_AFTER, KINDS, SYNC_KINDS, TIMED_OUT_POLL, TIMEOUT_AFTER, Family
from studio.generations.kinds.midjourney import task_state
from studio.generations.models import Generation, GenerationEvent, Status
from studio.upstream import UpstreamError

logger = logging.getLogger(__name__)

# How long after sending the studio looks for a task whose answer was lost, and how often.
SEARCH_FOR = timedelta(minutes=10)
SEARCH_EVERY = timedelta(seconds=20)
# Kinds whose tasks the gateway can find again by the `state` the studio sent with them.
FINDABLE_KINDS = frozenset(kind for kind, spec in KINDS.items() if spec.family == Family.MIDJOURNEY)


def recover_stale_submits(now: Any = None) -> int:
    """Settles submits whose worker died: back to the queue if nothing was sent, else outcome unknown.

    A kind the gateway answers within the request (see `run.py`) whose worker died after sending is
    failed instead: its answer was lost with the worker and nobody will ever ask for it again.
    """
    now = now or timezone.now()
    recovered = 0
    stale = Generation.objects.filter(claim_expires_at__lt=now).filter(
        Q(status=Status.SUBMITTING) | Q(status=Status.RUNNING, kind__in=SYNC_KINDS)
    )
    for generation in stale.only("pk", "kind", "status", "sent_at", "claim_token"):
        with transaction.atomic():
            if generation.sent_at is None:
                changed = generation.requeue(
                    message=_("The worker stopped before sending; queued again."),
                    retry_at=now,
                    allowed_from=[Status.SUBMITTING],
                )
            elif generation.kind in SYNC_KINDS:
                changed = generation.mark_failed(
                    "worker_stopped",
                    _("The worker stopped while the answer was streaming; retry."),
                    allowed_from=[Status.SUBMITTING, Status.RUNNING],
                    event=_("The worker stopped while waiting for the gateway's answer."),
                    claim_token=None,
                    claim_expires_at=None,
                )
            else:
                changed = generation.mark_outcome_unknown(
                    "outcome_unknown",
                    _(
                        "The request was sent but the worker stopped before the gateway answered, so we "
                        "cannot tell whether the job started. Retry to send it again."
                    ),
                    allowed_from=[Status.SUBMITTING],
                    event=_("The worker stopped while waiting for the gateway's answer."),
                )
        recovered += int(changed)
    return recovered


def find_unknown_outcomes(now: datetime) -> int:
    """Looks for the tasks of outcome-unknown generations at the gateway; continues the ones it finds.

    Only kinds the gateway can search (Midjourney, by the `state` sent with the submit) are looked for,
    every `SEARCH_EVERY` for `SEARCH_FOR` after sending. A found task is followed as if its answer had
    arrived; the others stay for the person to check again or resubmit. Side effects: gateway reads, and
    the generation submitted (compare-and-set from outcome unknown) or its next search time.
    """
    searchable = (
        Generation.objects.filter(
            status=Status.OUTCOME_UNKNOWN,
            kind__in=FINDABLE_KINDS,
            upstream_task_id="",
            sent_at__gte=now - SEARCH_FOR,
        )
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .select_related("team")
    )
    found = 0
    for generation in searchable[:20]:
        found += search_for_task(generation, now=now)
    return found


def search_for_task(generation: Generation, *, now: datetime, is_asked: bool = False) -> bool:
    """Asks the gateway for the task of an outcome-unknown generation; continues it if it is there.

    `is_asked`: a person pressed "Check again", so the search runs whenever its last one was.
    """
    # Pushed forward first, so that another poller does not search at the same time.
    due = Q() if is_asked else Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    claimed = Generation.objects.filter(due, pk=generation.pk, status=Status.OUTCOME_UNKNOWN).update(
        next_poll_at=now + SEARCH_EVERY
    )
    if not claimed or generation.kind not in FINDABLE_KINDS:
        return False
    try:
        views = client_for(generation.team).midjourney.find_by_state(task_state(generation.pk))
    except UpstreamError as exc:
        logger.info("Searching for the task of generation %s failed: %r", generation.pk, exc)
        return False
    if len(views) != 1:
        # None: the gateway did not take it (or cannot search). Several cannot happen for one submit.
        return False
    task_id = views[0].task_id
    changed = generation.mark_submitted(task_id=task_id, request_id="", now=now, first_poll_at=now)
    if changed:
        generation.log(
            GenerationEvent.Kind.NOTE,
            message=_("The gateway had taken the job after all (found by its state); following it."),
            payload={"task_id": task_id},
        )
    return changed


def settle_deadlines(now: datetime) -> int:
    """Times out tasks silent past the deadline, and stops checking them after a day.

    Also fails the generations that waited for a free slot longer than their team allows.
    """
    capacity.fail_overdue_waits(now)
    timed_out = 0
    overdue = (
        Generation.objects.filter(
            status__in=[Status.SUBMITTED, Status.RUNNING], submitted_at__lt=now - TIMEOUT_AFTER
        )
        .exclude(kind__in=SYNC_KINDS)
        .only("pk", "status")
    )
    for generation in overdue:
        timed_out += generation.time_out(
            message=_(
                "The gateway has not finished after an hour. We keep checking every 10 minutes for a day "
                "in case it still delivers."
            ),
            next_poll_at=now + TIMED_OUT_POLL,
        )
    Generation.objects.filter(
        status=Status.TIMED_OUT, submitted_at__lt=now - GIVE_UP_AFTER, next_poll_at__isnull=False
    ).update(next_poll_at=None)
    return timed_out


def sweep_stale_work(now: datetime | None = None) -> int:
    """Puts lost work back on the queue: submits and ingests whose task vanished or whose worker died.

    Side effects: status changes for dead submits (see `recover_stale_submits`, which also fails a sync
    kind whose worker died mid-answer, so no card stays "running") and queued tasks.
    """
    now = now or timezone.now()
    recover_stale_submits(now)
    requeue_after = timedelta(seconds=settings.GENERATION_REQUEUE_AFTER)
    enqueued_before = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after)
    # Work given a retry time (a busy gateway, a worker that died) has no message waiting anywhere: it is
    # queued when due. Work queued normally may simply be waiting behind a backlog; it counts as lost only
    # once the queue has drained, or every slow minute would fill the queue with duplicates.
    due_submits = (
        Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True)
        if enqueue.backlog("submit") == 0
        else Q(next_poll_at__lte=now)
    )
    due_ingests = (
        Q(claim_expires_at__lte=now) | Q(claim_expires_at__isnull=True)
        if enqueue.backlog("ingest") == 0
        else Q(claim_expires_at__lte=now)
    )
    lost_submits = Generation.objects.filter(due_submits, enqueued_before, status=Status.QUEUED)
    lost_ingests = Generation.objects.filter(due_ingests, enqueued_before, status=Status.INGESTING)
    count = 0
    for kind, rows in (("submit", lost_submits), ("ingest", lost_ingests)):
        for pk, enqueued_at in rows.values_list("pk", "enqueued_at")[:200]:
            # Compare-and-set on enqueued_at: two pollers never queue the same task twice.
            if Generation.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
                enqueue.requeue(kind, pk)
                count += 1
    return count
