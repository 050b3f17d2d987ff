"""The team's slots at the gateway: how many jobs of each family are there at once, and whose turn is next.

Midjourney accounts run a few jobs at once and video providers have similar caps; past them the gateway
answers "queue full", "no available channel" or 429. So the studio keeps each team's jobs of a family
(Midjourney, Veo3-style video tasks, Sora2) under the team's limit, and holds the rest in the WAITING
status, in a fair order, until a slot is free.

A slot is held by a generation in SUBMITTING, SUBMITTED or RUNNING (`HOLDING_SLOT`), so the count is read
from the generations themselves: whatever ends a job (success, failure, cancel, time-out, a dead worker's
lease running out and the sweep settling it) frees its slot with the status change, and no counter can
drift. Slots are only ever taken in `take_slots`, which first writes the team's `FamilySlots` row: that
write holds the row's lock on PostgreSQL (and the database's write lock on SQLite) until the claim
commits, so two workers or pollers never both see the last free slot.

Fair order: each waiting job's rank is the number of its owner's jobs already holding a slot plus its
place among its owner's waiting jobs; lower ranks go first, and the older job among equal ranks. One
person's batch of 40 therefore takes turns with everyone else's jobs instead of going first as a block.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.models import Team
from studio.generations.engine import enqueue
from studio.generations.kinds import KINDS, Family
from studio.generations.models import (
    HOLDING_SLOT,
    LIMIT_FIELDS,
    FamilySlots,
    Generation,
    GenerationEvent,
    GenerationQuerySet,
    Status,
    fair_order,
    family_of,
    kinds_of,
)

# Pages set the waiting line of their cards here, in one query per team and family; the rule is the model's.
from studio.generations.models import annotate_waiting_line as annotate_waiting_line

logger = logging.getLogger(__name__)

# Longest pause between two tries of one job the gateway keeps refusing.
MAX_BACKOFF = timedelta(minutes=5)
# The limit of a family the team cannot limit: sync kinds, which only wait after a capacity answer.
UNLIMITED = 1_000_000


def configured_limit(team: Team, family: Family) -> int:
    field = LIMIT_FIELDS.get(family)
    return UNLIMITED if field is None else int(getattr(team, field))


def effective_limit(team: Team, slots: FamilySlots, now: datetime) -> int:
    """The team's limit, or the lower one the gateway taught, raised by one every recovery period."""
    limit = configured_limit(team, family=Family(slots.family))
    if slots.learned_limit is None or slots.learned_at is None:
        return limit
    recovery = timedelta(seconds=settings.GENERATION_SLOT_RECOVERY)
    steps = int((now - slots.learned_at) / recovery) if recovery > timedelta(0) else limit
    return min(limit, slots.learned_limit + steps)


def backoff(answers: int, retry_after: float | None) -> timedelta:
    """How long one job waits after the gateway's `answers`-th "full": its Retry-After, else doubling."""
    if retry_after:
        return timedelta(seconds=retry_after)
    seconds = float(settings.GENERATION_SLOT_BACKOFF) * 2 ** max(0, answers - 1)
    return min(MAX_BACKOFF, timedelta(seconds=seconds))


def _slots_row(team_id: int, family: Family) -> FamilySlots:
    slots, _created = FamilySlots.objects.get_or_create(team_id=team_id, family=str(family))
    return slots


def _lock(slots: FamilySlots, now: datetime) -> FamilySlots:
    """Takes the row's lock for the rest of the transaction and returns its current values."""
    FamilySlots.objects.filter(pk=slots.pk).update(claimed_at=now)
    return FamilySlots.objects.get(pk=slots.pk)


def _holding(team_id: int, family: Family) -> GenerationQuerySet:
    return Generation.objects.filter(team_id=team_id, kind__in=kinds_of(family), status__in=HOLDING_SLOT)


def _waiting_rows(team_id: int, family: Family) -> list[tuple[int, int | None, datetime, datetime | None]]:
    return list(
        Generation.objects.filter(
            team_id=team_id, kind__in=kinds_of(family), status=Status.WAITING
        ).values_list("pk", "created_by_id", "created_at", "next_poll_at")
    )


def take_slots(*, team_id: int, family: Family, now: datetime | None = None) -> dict[int, uuid.UUID]:
    """Gives the team's free slots of `family` to the next waiting generations, in fair order.

    `now` (the caller's time) only chooses which waiting generations are due. Side effects: each chosen
    generation moves waiting → submitting with a claim token and a lease (the token is the right to send
    it, see `submit.submit_generation`). Returns {generation id: token}.
    """
    due_by = now or timezone.now()
    slots = _slots_row(team_id, family)
    claims: dict[int, uuid.UUID] = {}
    with transaction.atomic():
        slots = _lock(slots, timezone.now())
        # Waiting for the lock may take a while under load: the pause, the claim's event and its lease
        # are timed from when this claimer holds it, or the lease would run out early by that wait.
        now = timezone.now()
        if slots.paused_until and slots.paused_until > now:
            return claims
        team = Team.objects.get(pk=team_id)
        holding = list(_holding(team_id, family).values_list("created_by_id", flat=True))
        free = effective_limit(team, slots, now) - len(holding)
        if free <= 0:
            return claims
        waiting = _waiting_rows(team_id, family)
        due = {pk for pk, _member, _created, next_at in waiting if next_at is None or next_at <= due_by}
        order = fair_order(((pk, member, created) for pk, member, created, _ in waiting), Counter(holding))
        lease = timedelta(seconds=settings.GENERATION_SUBMIT_LEASE)
        events = []
        for pk in (pk for pk in order if pk in due):
            if len(claims) >= free:
                break
            token = uuid.uuid4()
            taken = Generation.objects.filter(pk=pk, status=Status.WAITING).update(
                status=Status.SUBMITTING,
                claim_token=token,
                claim_expires_at=now + lease,
                sent_at=None,
                next_poll_at=None,
                submit_attempts=F("submit_attempts") + 1,
                updated_at=now,
            )
            if taken:
                claims[pk] = token
                events.append(
                    GenerationEvent(
                        generation_id=pk,
                        kind=GenerationEvent.Kind.STATUS,
                        status_from=Status.WAITING,
                        status_to=Status.SUBMITTING,
                        at=now,
                    )
                )
        GenerationEvent.objects.bulk_create(events)
    return claims


def claim_slot(generation: Generation) -> uuid.UUID | None:
    """Claims a queued generation of a limited family: its slot now if free and its turn, else it waits.

    Side effects: queued → waiting, then `take_slots` for its family; other generations given a slot by
    the same call are queued for their submit. Returns this generation's claim token, if it got a slot.
    """
    family = family_of(generation.kind)
    assert family is not None
    now = timezone.now()
    if not generation.mark_waiting(now=now):
        return None
    claims = take_slots(team_id=generation.team_id, family=family, now=now)
    token = claims.pop(generation.pk, None)
    enqueue_claimed(claims)
    if token is not None:
        generation.refresh_from_db(fields=["status", "claim_token", "claim_expires_at", "submit_attempts"])
    return token


def enqueue_claimed(claims: dict[int, uuid.UUID]) -> None:
    for pk, token in claims.items():
        enqueue.claimed_submit(pk, token)


def dispatch_waiting(now: datetime | None = None) -> int:
    """The poller's pass over waiting generations: fills every team's free slots; returns how many."""
    now = now or timezone.now()
    pairs = (
        Generation.objects.filter(status=Status.WAITING)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .values_list("team_id", "kind")
        .distinct()
    )
    # Sync kinds wait too, after a capacity answer, in a family of their own that has no limit.
    families = {(team_id, KINDS[kind].family) for team_id, kind in pairs}
    dispatched = 0
    for team_id, family in sorted(families, key=lambda pair: (pair[0], str(pair[1]))):
        claims = take_slots(team_id=team_id, family=family, now=now)
        enqueue_claimed(claims)
        dispatched += len(claims)
    return dispatched


def learn_from_refusal(generation: Generation, *, retry_after: float | None, now: datetime) -> int:
    """The gateway said it is full while this generation held a slot: lower the limit and pause the family.

    The new limit is what the gateway did accept (the other jobs holding a slot), at least 1. Returns it.
    """
    family = family_of(generation.kind)
    assert family is not None
    slots = _slots_row(generation.team_id, family)
    with transaction.atomic():
        slots = _lock(slots, now)
        team = Team.objects.get(pk=generation.team_id)
        others = _holding(generation.team_id, family).exclude(pk=generation.pk).count()
        learned = max(1, min(effective_limit(team, slots, now), others))
        pause = timedelta(seconds=retry_after or settings.GENERATION_SLOT_BACKOFF)
        FamilySlots.objects.filter(pk=slots.pk).update(
            learned_limit=learned, learned_at=now, paused_until=now + pause
        )
    logger.info("Gateway full for team %s %s: limit now %s", generation.team_id, family, learned)
    return learned


def fail_overdue_waits(now: datetime) -> int:
    """Fails the generations that waited for a slot longer than their team allows, with the reason."""
    failed = 0
    overdue = (
        Generation.objects.filter(status=Status.WAITING, waiting_since__lt=now - timedelta(hours=1))
        .select_related("team")
        .only(
            "pk",
            "status",
            "waiting_since",
            "error_code",
            "gateway_message",
            "prompt",
            "team__slot_wait_hours",
        )
    )
    for generation in overdue:
        hours = generation.team.slot_wait_hours
        assert generation.waiting_since is not None
        if generation.waiting_since >= now - timedelta(hours=hours):
            continue
        refused = generation.error_code or "no_capacity"
        failed += int(
            generation.mark_failed(
                refused,
                _(
                    "The gateway had no free capacity for this job for %(hours)d hours, so the studio "
                    "stopped waiting. Retry when it is quieter, or allow a longer wait in the gateway "
                    "settings."
                )
                % {"hours": hours},
                allowed_from=[Status.WAITING],
                event=_("Stopped waiting for a free slot."),
                next_poll_at=None,
            )
        )
    return failed
