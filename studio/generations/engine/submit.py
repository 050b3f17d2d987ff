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
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.gateway import client_for, explain
from studio.generations import gateway
from studio.generations.engine import capacity
from studio.generations.engine.progress import apply_task_view
from studio.generations.kinds import KINDS
from studio.generations.kinds._payload import Submitted
from studio.generations.models import Asset, Generation, GenerationEvent, Status, family_of
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
    if family_of(generation.kind) is not None:
        return capacity.claim_slot(generation)
    token = uuid.uuid4()
    claimed = generation.mark_submitting(
        token=token, lease_until=timezone.now() + timedelta(seconds=settings.GENERATION_SUBMIT_LEASE)
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
    assert submitter is not None, f"{generation.kind} is run by engine.run, not submitted"
    client = client_for(generation.team)
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


def settle_submit_error(generation: Generation, exc: UpstreamError, *, message: str = "") -> Status:
    """What a failed send means: back to the queue if nothing was taken, outcome unknown, or failed.

    Each change is made from where the submit stands (`Generation.sending_statuses`). `message` replaces
    the usual explanation of the error on a failed card.
    """
    if exc.code == "connection_refused":
        # Retrying a closed port only keeps the card at "Queued" for minutes: say so at once.
        return _fail_send(generation, exc, message=message)
    if exc.is_capacity and _can_wait(generation):
        return _wait_for_capacity(generation, exc)
    if isinstance(exc, NotSentTimeout | RateLimited):
        return _requeue_or_fail(generation, exc)
    if isinstance(exc, OutcomeUnknown):
        return _mark_outcome_unknown(generation, exc)
    if exc.retryable and exc.status_code and exc.status_code >= 500:
        return _requeue_or_fail(generation, exc)
    return _fail_send(generation, exc, message=message)


def _mark_submitted(generation: Generation, submitted: Submitted) -> Status:
    now = timezone.now()
    gateway.record_response(
        generation, submitted.raw, request_id=submitted.request_id, status_code=submitted.status_code
    )
    for note in submitted.notes:
        generation.log(GenerationEvent.Kind.NOTE, message=note)
    # The billing ratios go with the status change, where the costs app turns them into the actual cost.
    ratios = submitted.view.other_ratios if submitted.view is not None else None
    # A late answer still counts: a row the sweeper marked "outcome unknown" learns its task id here.
    generation.mark_submitted(
        task_id=submitted.task_id,
        request_id=submitted.request_id or "",
        now=now,
        first_poll_at=now + timedelta(seconds=settings.GENERATION_FIRST_POLL_DELAY),
        payload={"other_ratios": dict(ratios)} if ratios else None,
    )
    if submitted.view is not None and submitted.view.is_finished:
        apply_task_view(generation, submitted.view)
    return Status(generation.status)


def _requeue_or_fail(generation: Generation, exc: UpstreamError) -> Status:
    # Sends the gateway refused for lack of capacity are not failed tries.
    attempts = generation.submit_attempts - generation.capacity_answers
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    if attempts >= MAX_SUBMIT_ATTEMPTS:
        return _fail_send(generation, exc)
    delay = getattr(exc, "retry_after", None) or min(60, 5 * 2**attempts)
    gateway.slow_down(generation.team, seconds=delay)
    generation.requeue(
        message=_("The gateway was busy; trying again shortly."),
        retry_at=timezone.now() + timedelta(seconds=delay),
        allowed_from=generation.sending_statuses,
        # The gateway turned the request away, so sending it again cannot start the job twice.
        sent_at=None,
    )
    return Status(generation.status)


def _can_wait(generation: Generation) -> bool:
    """Whether a capacity answer to this send leaves the generation waiting rather than failed.

    A limited family always waits for a slot. A sync kind waits too, unless the gateway had already
    started answering (then the job was taken, and sending it again could make and bill it twice).
    """
    if family_of(generation.kind) is not None:
        return True
    return KINDS[generation.kind].is_sync and generation.status == Status.SUBMITTING


def _wait_for_capacity(generation: Generation, exc: UpstreamError) -> Status:
    """The gateway is full: nothing was accepted, so the job waits for a slot again, with back-off.

    Side effects: a limited family's limit is lowered to what the gateway accepted
    (`capacity.learn_from_refusal`); a sync kind has no limit to lower and only backs off.
    """
    now = timezone.now()
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    retry_after = getattr(exc, "retry_after", None)
    if family_of(generation.kind) is None:
        message = _("The gateway is busy; waiting to try again.")
    else:
        learned = capacity.learn_from_refusal(generation, retry_after=retry_after, now=now)
        message = _("The gateway is full; waiting for a free slot (at most %(slots)d at once for now).") % {
            "slots": learned
        }
    generation.wait_for_slot(
        message=message,
        retry_at=now + capacity.backoff(generation.capacity_answers + 1, retry_after),
        now=now,
        code=exc.code,
        gateway_message=exc.gateway_message or "",
    )
    return Status(generation.status)


def _mark_outcome_unknown(generation: Generation, exc: UpstreamError) -> Status:
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    generation.mark_outcome_unknown(
        exc.code or "outcome_unknown",
        _(
            "The request reached the gateway but no answer came back, so we cannot tell whether the job "
            "started (it may still be billed). Retry to send it again."
        ),
        exc.gateway_message or "",
        allowed_from=generation.sending_statuses,
    )
    return Status(generation.status)


def _fail_send(generation: Generation, exc: UpstreamError, *, message: str = "") -> Status:
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload=_error_payload(exc))
    generation.mark_failed(
        exc.code or "upstream_error",
        message or explain(exc),
        exc.gateway_message or "",
        allowed_from=generation.sending_statuses,
        claim_token=None,
        claim_expires_at=None,
    )
    return Status(generation.status)


def _error_payload(exc: UpstreamError) -> dict[str, Any]:
    return {
        "class": type(exc).__name__,
        "code": exc.code,
        "status_code": exc.status_code,
        "gateway_message": gateway.without_secrets(exc.gateway_message),
        "request_id": exc.request_id,
    }
