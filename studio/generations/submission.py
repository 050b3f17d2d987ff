"""Sending a generation to the gateway, exactly once.

The submit is claimed with a compare-and-set (queued → submitting) and `sent_at` is written before the
request leaves, so a worker killed at any moment leaves a row that says what is known: never sent (it goes
back to the queue), or sent without an answer (outcome unknown, never re-sent by itself, since the gateway
may have accepted and billed it).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.generations import capacity, gateway
from studio.generations.kinds import KINDS, SYNC_KINDS
from studio.generations.kinds._payload import Submitted
from studio.generations.models import Asset, Generation, GenerationEvent, Status
from studio.upstream import (
    NotSentTimeout,
    OutcomeUnknown,
    RateLimited,
    UpstreamError,
)

logger = logging.getLogger(__name__)

# A submit the gateway turned away for load (429/5xx before accepting) is tried again this many times.
MAX_SUBMIT_ATTEMPTS = 5


def load_inputs(generation: Generation) -> dict[str, list[Asset]]:
    grouped: dict[str, list[Asset]] = defaultdict(list)
    for link in generation.inputs.select_related("asset").order_by("role", "position"):
        grouped[link.role].append(link.asset)
    return grouped


def claim_submit(generation: Generation) -> uuid.UUID | None:
    """Claims a queued generation for one submit (queued → submitting, with a lease); returns the token.

    A kind whose family is limited takes one of the team's slots instead, or waits for one (see
    `capacity.claim_slot`).
    """
    if capacity.family_of(generation.kind) is not None:
        return capacity.claim_slot(generation)
    token = uuid.uuid4()
    claimed = generation.transition(
        Status.SUBMITTING,
        allowed_from=[Status.QUEUED],
        claim_token=token,
        claim_expires_at=timezone.now() + timedelta(seconds=settings.GENERATION_SUBMIT_LEASE),
        next_poll_at=None,
    )
    if not claimed:
        return None
    Generation.objects.filter(pk=generation.pk).update(submit_attempts=F("submit_attempts") + 1)
    generation.submit_attempts += 1
    return token


def adopt_claim(generation: Generation, slot_token: str) -> uuid.UUID | None:
    """Takes over a submit the slot dispatcher claimed with `slot_token`, if nobody did and nothing was sent.

    The token changes hands with a compare-and-set, so a task delivered twice sends once.
    """
    token = uuid.uuid4()
    adopted = Generation.objects.filter(
        pk=generation.pk, status=Status.SUBMITTING, claim_token=slot_token, sent_at__isnull=True
    ).update(
        claim_token=token,
        claim_expires_at=timezone.now() + timedelta(seconds=settings.GENERATION_SUBMIT_LEASE),
    )
    if not adopted:
        return None
    generation.refresh_from_db(fields=["status", "claim_token", "claim_expires_at", "submit_attempts"])
    return token


def submit_generation(generation_id: int, slot_token: str | None = None) -> Status | None:
    """Claims a queued generation and submits it to its team's gateway; returns the new status.

    With `slot_token`, the generation was given a slot by `capacity.take_slots` and is sent under that
    claim. Side effects: one gateway call at most, and the generation's status, ids and event log updated.
    """
    generation = Generation.objects.select_related("team").filter(pk=generation_id).first()
    if generation is None:
        return None
    token = adopt_claim(generation, slot_token) if slot_token else claim_submit(generation)
    if token is None:
        # It waits for a free slot, or someone else submitted it, or it was canceled meanwhile.
        return Status.WAITING if generation.status == Status.WAITING else None

    submitter = KINDS[generation.kind].submit
    assert submitter is not None, f"{generation.kind} is run in direct.py, not submitted"
    client = gateway.client_for(generation.team)
    recorded: list[dict[str, Any]] = []

    def record(request: dict[str, Any]) -> None:
        recorded.append(request)
        # Written before the call: if the worker dies from here on, the request may have been sent.
        Generation.objects.filter(pk=generation.pk, claim_token=token).update(
            sent_at=timezone.now(), request_payload=recorded if len(recorded) > 1 else request
        )
        generation.log(GenerationEvent.Kind.REQUEST, payload=request)

    try:
        submitted = submitter(client, generation, load_inputs(generation), record)
    except UpstreamError as exc:
        return settle_submit_error(generation, exc)
    return _mark_submitted(generation, submitted)


def settle_submit_error(
    generation: Generation,
    exc: UpstreamError,
    *,
    allowed_from: Iterable[Status] = (Status.SUBMITTING,),
    message: str = "",
) -> Status:
    """What a failed send means: back to the queue if nothing was taken, outcome unknown, or failed.

    `message` replaces the usual explanation of the error on a failed card.
    """
    allowed = list(allowed_from)
    if exc.code == "connection_refused":
        # Retrying a closed port only keeps the card at "Queued" for minutes: say so at once.
        return _fail(generation, exc, allowed, message=message)
    if exc.is_capacity and capacity.family_of(generation.kind) is not None:
        return _wait_for_capacity(generation, exc, allowed)
    if isinstance(exc, NotSentTimeout | RateLimited):
        return _requeue_or_fail(generation, exc, allowed)
    if isinstance(exc, OutcomeUnknown):
        return _mark_outcome_unknown(generation, exc, allowed)
    if exc.retryable and exc.status_code and exc.status_code >= 500:
        return _requeue_or_fail(generation, exc, allowed)
    return _fail(generation, exc, allowed, message=message)


def _mark_submitted(generation: Generation, submitted: Submitted) -> Status:
    now = timezone.now()
    gateway.record_response(generation, submitted.raw, request_id=submitted.request_id)
    for note in submitted.notes:
        generation.log(GenerationEvent.Kind.NOTE, message=note)
    # A late answer still counts: a row the sweeper marked "outcome unknown" learns its task id here.
    generation.transition(
        Status.SUBMITTED,
        allowed_from=[Status.SUBMITTING, Status.OUTCOME_UNKNOWN],
        upstream_task_id=submitted.task_id,
        upstream_request_id=submitted.request_id or "",
        submitted_at=now,
        last_progress_at=now,
        next_poll_at=now + timedelta(seconds=settings.GENERATION_FIRST_POLL_DELAY),
        claim_token=None,
        claim_expires_at=None,
        finished_at=None,
        error_code="",
        error_message="",
    )
    if submitted.view is not None and submitted.view.is_finished:
        from studio.generations.polling import apply_task_view

        apply_task_view(generation, submitted.view)
    return Status(generation.status)


def _requeue_or_fail(generation: Generation, exc: UpstreamError, allowed: list[Status]) -> Status:
    # Sends the gateway refused for lack of capacity are not failed tries.
    attempts = generation.submit_attempts - generation.capacity_answers
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    if attempts >= MAX_SUBMIT_ATTEMPTS:
        return _fail(generation, exc, allowed)
    delay = getattr(exc, "retry_after", None) or min(60, 5 * 2**attempts)
    gateway.slow_down(generation.team, seconds=delay)
    generation.transition(
        Status.QUEUED,
        allowed_from=allowed,
        message=_("The gateway was busy; trying again shortly."),
        claim_token=None,
        claim_expires_at=None,
        sent_at=None,
        next_poll_at=timezone.now() + timedelta(seconds=delay),
    )
    return Status(generation.status)


def _wait_for_capacity(generation: Generation, exc: UpstreamError, allowed: list[Status]) -> Status:
    """The gateway is full: nothing was accepted, so the job waits for a slot again, with back-off.

    Side effects: the family's limit is lowered to what the gateway accepted (`capacity.learn_from_refusal`).
    """
    now = timezone.now()
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    retry_after = getattr(exc, "retry_after", None)
    learned = capacity.learn_from_refusal(generation, retry_after=retry_after, now=now)
    answers = generation.capacity_answers + 1
    generation.transition(
        Status.WAITING,
        allowed_from=allowed,
        message=_("The gateway is full; waiting for a free slot (at most %(slots)d at once for now).")
        % {"slots": learned},
        claim_token=None,
        claim_expires_at=None,
        # The gateway refused the request, so sending it again cannot start the job twice.
        sent_at=None,
        next_poll_at=now + capacity.backoff(answers, retry_after),
        waiting_since=generation.waiting_since or now,
        capacity_answers=answers,
        error_code=exc.code,
        gateway_message=exc.gateway_message or "",
    )
    return Status(generation.status)


def _mark_outcome_unknown(generation: Generation, exc: UpstreamError, allowed: list[Status]) -> Status:
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    generation.transition(
        Status.OUTCOME_UNKNOWN,
        allowed_from=allowed,
        error_code=exc.code or "outcome_unknown",
        error_message=_(
            "The request reached the gateway but no answer came back, so we cannot tell whether the job "
            "started (it may still be billed). Retry to send it again."
        ),
        gateway_message=exc.gateway_message or "",
        claim_token=None,
        claim_expires_at=None,
    )
    return Status(generation.status)


def _fail(generation: Generation, exc: UpstreamError, allowed: list[Status], *, message: str = "") -> Status:
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    generation.transition(
        Status.FAILED,
        allowed_from=allowed,
        error_code=exc.code or "upstream_error",
        error_message=message or gateway.explain(exc),
        gateway_message=exc.gateway_message or "",
        claim_token=None,
        claim_expires_at=None,
    )
    return Status(generation.status)


def _error_payload(exc: UpstreamError) -> dict[str, Any]:
    return {
        "class": type(exc).__name__,
        "code": exc.code,
        "status_code": exc.status_code,
        "gateway_message": exc.gateway_message,
        "request_id": exc.request_id,
    }


def recover_stale_submits(now: Any = None) -> int:
    """Settles submits whose worker died: back to the queue if nothing was sent, else outcome unknown.

    A kind the gateway answers within the request (see `direct.py`) whose worker died after sending is
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
                changed = generation.transition(
                    Status.QUEUED,
                    allowed_from=[Status.SUBMITTING],
                    message=_("The worker stopped before sending; queued again."),
                    claim_token=None,
                    claim_expires_at=None,
                    next_poll_at=now,
                )
            elif generation.kind in SYNC_KINDS:
                changed = generation.transition(
                    Status.FAILED,
                    allowed_from=[Status.SUBMITTING, Status.RUNNING],
                    message=_("The worker stopped while waiting for the gateway's answer."),
                    error_code="worker_stopped",
                    error_message=_("The worker stopped while the answer was streaming; retry."),
                    claim_token=None,
                    claim_expires_at=None,
                )
            else:
                changed = generation.transition(
                    Status.OUTCOME_UNKNOWN,
                    allowed_from=[Status.SUBMITTING],
                    message=_("The worker stopped while waiting for the gateway's answer."),
                    error_code="outcome_unknown",
                    error_message=_(
                        "The request was sent but the worker stopped before the gateway answered, so we "
                        "cannot tell whether the job started. Retry to send it again."
                    ),
                    claim_token=None,
                    claim_expires_at=None,
                )
        recovered += int(changed)
    return recovered
