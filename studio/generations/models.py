"""Generations, their event log and their assets.

A Generation is written, with its prompt and every parameter, before anything is sent to the gateway. Its
status is a state machine whose every transition is a compare-and-set UPDATE, so a task that runs twice (a
killed worker's task is delivered again) changes nothing the second time.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team, User
from studio.generations.kinds import KINDS, Family, Kind, KindSpec, input_offers
from studio.lib.gateway_text import explanation
from studio.projects.models import Project

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Held in the studio until the team has a free slot for the kind's family at the gateway (see
    # `engine/capacity.py`); nothing of it is at the gateway, so it may be sent (again) when its turn comes.
    WAITING = "waiting", _("Waiting for a free slot")
    SUBMITTING = "submitting", _("Submitting")
    SUBMITTED = "submitted", _("Submitted")
    RUNNING = "running", _("Running")
    INGESTING = "ingesting", _("Saving results")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")
    TIMED_OUT = "timed_out", _("Timed out")
    OUTCOME_UNKNOWN = "outcome_unknown", _("Outcome unknown")


IN_FLIGHT = frozenset(
    {Status.QUEUED, Status.WAITING, Status.SUBMITTING, Status.SUBMITTED, Status.RUNNING, Status.INGESTING}
)
# Statuses that hold one of the team's slots at the gateway: from the claim of the submit until the
# gateway reports the job finished (or the studio stops following it).
HOLDING_SLOT = frozenset({Status.SUBMITTING, Status.SUBMITTED, Status.RUNNING})
# A timed-out task is still checked now and then: the gateway may yet finish (and bill) it.
POLLED = frozenset({Status.SUBMITTED, Status.RUNNING, Status.TIMED_OUT})
# What a cancel may stop (a sync kind adds SUBMITTING: see `Generation.cancelable_from`).
CANCELABLE = frozenset({Status.QUEUED, Status.WAITING, Status.SUBMITTED, Status.RUNNING, Status.TIMED_OUT})
TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELED, Status.OUTCOME_UNKNOWN})
# Statuses the page's poller keeps asking about (timed-out cards can still change, but rarely).
LIVE = IN_FLIGHT


# The state machine: every move a generation's status may make, from → to. The named methods of
# `Generation` make these moves, each as a compare-and-set from the statuses its caller expects.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.WAITING, Status.SUBMITTING, Status.CANCELED}),
    Status.WAITING: frozenset({Status.SUBMITTING, Status.FAILED, Status.CANCELED}),
    Status.SUBMITTING: frozenset(
        {
            Status.QUEUED,
            Status.WAITING,
            Status.SUBMITTED,
            Status.RUNNING,
            Status.FAILED,
            Status.OUTCOME_UNKNOWN,
            Status.CANCELED,
        }
    ),
    Status.SUBMITTED: frozenset(
        {Status.RUNNING, Status.INGESTING, Status.FAILED, Status.TIMED_OUT, Status.CANCELED}
    ),
    # A sync kind runs while its answer streams in: it succeeds, fails or is sent again from here.
    Status.RUNNING: frozenset(
        {
            Status.QUEUED,
            Status.SUCCEEDED,
            Status.INGESTING,
            Status.FAILED,
            Status.TIMED_OUT,
            Status.OUTCOME_UNKNOWN,
            Status.CANCELED,
        }
    ),
    Status.INGESTING: frozenset({Status.SUCCEEDED, Status.FAILED}),
    Status.TIMED_OUT: frozenset({Status.INGESTING, Status.FAILED, Status.CANCELED}),
    # A late answer from the gateway: the task was accepted after all.
    Status.OUTCOME_UNKNOWN: frozenset({Status.SUBMITTED}),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELED: frozenset(),
}
# Where a submit stands while its request is out: a sync kind's answer streams in while it runs.
SENDING = frozenset({Status.SUBMITTING})
SENDING_SYNC = frozenset({Status.SUBMITTING, Status.RUNNING})


# Sent inside the transaction of every status change this module makes, so that what receivers write
# (the costs app settles a finished generation's charge) commits or rolls back with the change itself.
status_changed = Signal()


class GenerationQuerySet(models.QuerySet["Generation"]):
    def for_user(self, user: Any) -> GenerationQuerySet:
        """Generations of the teams the user belongs to; every lookup in a view goes through this."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def for_team(self, team: Team) -> GenerationQuerySet:
        return self.filter(team=team)

    def alive(self) -> GenerationQuerySet:
        """Not in the trash."""
        return self.filter(deleted_at__isnull=True)

    def in_trash(self) -> GenerationQuerySet:
        return self.filter(deleted_at__isnull=False)

    def in_flight(self) -> GenerationQuerySet:
        return self.filter(status__in=IN_FLIGHT)

    def due_for_poll(self, now: datetime) -> GenerationQuerySet:
        return self.filter(status__in=POLLED, next_poll_at__lte=now)

    def with_comment_count(self) -> GenerationQuerySet:
        """Annotates `comment_count`: a correlated subquery on the comments app's rows."""
        return self.annotate(comment_count=_comment_count())

    def for_cards(self) -> GenerationQuerySet:
        """Everything a task card shows, in a fixed number of queries."""
        # "charge" (costs) and "review" (reviews) are one-to-ones from apps above this one, shown on the card.
        return (
            self.select_related("created_by", "parent", "charge", "review", "review__set_by")
            .with_comment_count()
            .prefetch_related(
                models.Prefetch("assets", queryset=Asset.objects.filter(role=Asset.Role.RESULT))
            )
        )


@functools.cache
def _comment_count() -> Coalesce:
    """The comment count subquery, built once: an annotation is copied when a query resolves it, so one
    instance serves every query (building it took ~0.4 ms a time, twice per project page). The comments
    app is reached through the reverse relation, so this module need not import an app above it."""
    comments = Generation._meta.get_field("comments").related_model
    count = (
        comments._default_manager.filter(generation_id=models.OuterRef("pk"))
        .order_by()
        .values("generation_id")
        .annotate(count=models.Count("id"))
        .values("count")
    )
    return Coalesce(models.Subquery(count), 0)


class Generation(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="generations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    # The comparison it is part of: the same prompt sent to several models or parameter values at once.
    compare_group = models.ForeignKey(
        "generations.CompareGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="generations",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    model = models.CharField(_("model"), max_length=120)
    prompt = models.TextField(_("prompt"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    gateway_message = models.TextField(blank=True)

    # What was sent and what came back. The request is stored with secrets redacted.
    request_payload = models.JSONField(default=dict, blank=True)
    upstream_task_id = models.CharField(max_length=200, blank=True, db_index=True)
    upstream_request_id = models.CharField(max_length=100, blank=True)
    result_urls = models.JSONField(default=list, blank=True)
    buttons = models.JSONField(default=list, blank=True)
    # The answer's text (streamed in as it arrives for chat kinds), or a Midjourney describe/shorten result.
    result_text = models.TextField(blank=True)
    # Lower-cased prompt and answer text, so a gallery search is one LIKE on one column.
    search_text = models.TextField(blank=True, editable=False)
    tags = models.ManyToManyField("generations.Tag", blank=True, related_name="generations")
    # In the trash since this moment (restorable until the retention ends); None when not deleted.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    usage = models.JSONField(default=dict, blank=True)
    # A server-issued key that makes the submit idempotent: the submit task sends it at most once.
    submit_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How long the task took by the gateway's own clock (its finish time less its submit time), when it
    # says: the poller learns durations from this, as `succeeded_at` also holds how late we noticed.
    upstream_seconds = models.FloatField(null=True, blank=True)
    last_progress_at = models.DateTimeField(null=True, blank=True)

    # Polling and claims, driven by the database rather than the queue's scheduler.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    ingest_attempts = models.PositiveSmallIntegerField(default=0)
    submit_attempts = models.PositiveSmallIntegerField(default=0)
    # When a submit or ingest task was last put on the queue, so that lost ones are re-queued, once.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Since when it waits for a free slot (the deadline and the card's "waited" count from here), and how
    # many times the gateway answered that it was full (the back-off doubles with each).
    waiting_since = models.DateTimeField(null=True, blank=True)
    capacity_answers = models.PositiveSmallIntegerField(default=0)

    objects = GenerationQuerySet.as_manager()

    if TYPE_CHECKING:
        assets: RelatedManager[Asset]
        events: RelatedManager[GenerationEvent]
        children: RelatedManager[Generation]
        inputs: RelatedManager[GenerationInput]

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("project", "-created_at", "-id"), name="generation_project_recent"),
            models.Index(fields=("team", "-created_at", "-id"), name="generation_team_recent"),
            models.Index(
                fields=("next_poll_at",),
                name="generation_poll_due",
                condition=Q(status__in=["submitted", "running", "timed_out"]),
            ),
            models.Index(fields=("status", "claim_expires_at"), name="generation_claims"),
            models.Index(fields=("project", "kind", "-created_at", "-id"), name="generation_project_kind"),
            models.Index(
                fields=("project", "status", "-created_at", "-id"), name="generation_project_status"
            ),
            models.Index(
                fields=("team", "kind", "created_at"),
                name="generation_waiting_line",
                condition=Q(status="waiting"),
            ),
        ]
        verbose_name = _("generation")
        verbose_name_plural = _("generations")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.project_id]) + f"#generation-{self.pk}"

    @property
    def kind_label(self) -> str:
        """The kind's name (cheaper than get_kind_display, which rebuilds a dict of lazy labels each call)."""
        return str(Kind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def can_retry(self) -> bool:
        return self.status in {
            Status.FAILED,
            Status.CANCELED,
            Status.TIMED_OUT,
            Status.OUTCOME_UNKNOWN,
        }

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def cancelable_from(self) -> frozenset[Status]:
        """The statuses a cancel may stop: not while the gateway's answer is being saved (ingesting), and
        not mid-submit for a task kind, whose submit would go on to record a task nobody follows."""
        if self.spec.is_sync:
            # Nothing else will ever write to a sync generation but its own run, which a cancel stops.
            return CANCELABLE | {Status.SUBMITTING}
        return CANCELABLE

    @property
    def can_cancel(self) -> bool:
        return self.status in self.cancelable_from

    @property
    def can_check_now(self) -> bool:
        """A task the poller follows; a sync kind is answered within its one request, so never."""
        return self.status in POLLED and not self.spec.is_sync

    @property
    def can_search_again(self) -> bool:
        """Outcome unknown, of a kind whose task the gateway can find by the `state` the studio sent."""
        return (
            self.status == Status.OUTCOME_UNKNOWN
            and self.spec.family == Family.MIDJOURNEY
            and not self.upstream_task_id
        )

    @property
    def can_remix(self) -> bool:
        return self.status == Status.SUCCEEDED and self.spec.can_remix

    @property
    def is_character_ready(self) -> bool:
        return self.status == Status.SUCCEEDED and self.spec.makes_character

    @property
    def elapsed(self) -> timedelta:
        end = self.finished_at or timezone.now()
        return end - self.created_at

    @property
    def error_explanation(self) -> str:
        """Why it failed, in the reader's language when the studio knows the error; else as recorded.

        The recorded message was written in whatever language the worker spoke; for a known code the
        studio's own explanation is looked up again now. The gateway's words stay in gateway_message.
        """
        return explanation(self.error_code) or self.error_message

    @property
    def is_stalled(self) -> bool:
        """No progress for longer than this kind usually stays silent (10 min Midjourney, 20 min video)."""
        if self.status not in {Status.SUBMITTED, Status.RUNNING}:
            return False
        since = self.last_progress_at or self.submitted_at or self.created_at
        return timezone.now() - since > KINDS[self.kind].stall_after

    @property
    def waited(self) -> timedelta:
        """How long it has been waiting for a free slot."""
        return timezone.now() - (self.waiting_since or self.created_at)

    @cached_property
    def slots_ahead(self) -> int:
        """Waiting generations of its team and family that get a slot before this one (one query).

        Pages set it for all their cards at once with `annotate_waiting_line`.
        """
        annotate_waiting_line([self])
        return int(self.__dict__.get("slots_ahead", 0))

    @cached_property
    def result_assets(self) -> list[Asset]:
        return [asset for asset in self.assets.all() if asset.role == Asset.Role.RESULT]

    @staticmethod
    def build_search_text(prompt: str, result_text: str = "") -> str:
        """What a gallery search matches against: prompt and answer, case-folded, bounded in size."""
        return f"{prompt}\n{result_text}".casefold()[:20_000]

    def transition(
        self,
        to: Status,
        *,
        allowed_from: Iterable[Status],
        message: str = "",
        payload: Any = None,
        **fields: Any,
    ) -> bool:
        """Moves to `to` only if the row is still in one of `allowed_from` (compare-and-set).

        Returns whether this call made the change; on success the event log records it and this
        instance reflects the new state. Call it inside a transaction when other writes depend on it.
        This is the raw step, which tests use to put a row in a given state; the engine moves a
        generation only through the named methods below, whose moves `TRANSITIONS` allows.
        """
        allowed = [str(status) for status in allowed_from]
        now = timezone.now()
        if to in TERMINAL and "finished_at" not in fields:
            fields["finished_at"] = now
        if "result_text" in fields:
            fields["search_text"] = self.build_search_text(self.prompt, fields["result_text"])
        with transaction.atomic():
            previous = Generation.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            changed = (
                Generation.objects.filter(pk=self.pk, status__in=allowed).update(
                    status=to, updated_at=now, **fields
                )
                == 1
            )
            if changed:
                GenerationEvent.objects.create(
                    generation=self,
                    kind=GenerationEvent.Kind.STATUS,
                    status_from=previous or "",
                    status_to=to,
                    message=message,
                    payload=payload,
                    at=now,
                )
                status_changed.send(
                    sender=Generation,
                    generation=self,
                    previous=previous or "",
                    status=to,
                    fields=fields,
                    payload=payload,
                )
        if changed:
            self.status = to
            for name, value in fields.items():
                setattr(self, name, value)
        return changed

    def move(self, to: Status, *, allowed_from: Iterable[Status], **fields: Any) -> bool:
        """`transition`, for a move the state machine allows from every one of `allowed_from`."""
        allowed = frozenset(allowed_from)
        for status in allowed:
            if to not in TRANSITIONS[status]:
                raise ValueError(f"A generation never moves from {status} to {to}.")
        return self.transition(to, allowed_from=allowed, **fields)

    @property
    def sending_statuses(self) -> frozenset[Status]:
        """Where its submit may stand: a sync kind is also running while its answer streams in."""
        return SENDING_SYNC if KINDS[self.kind].is_sync else SENDING

    def mark_waiting(self, *, now: datetime) -> bool:
        """Queued → waiting for one of the team's slots for its family."""
        return self.move(
            Status.WAITING,
            allowed_from=[Status.QUEUED],
            waiting_since=self.waiting_since or now,
            next_poll_at=None,
        )

    def mark_submitting(self, *, token: uuid.UUID, lease_until: datetime) -> bool:
        """Queued → submitting: claimed by one worker, with a lease, for one submit."""
        return self.move(
            Status.SUBMITTING,
            allowed_from=[Status.QUEUED],
            claim_token=token,
            claim_expires_at=lease_until,
            next_poll_at=None,
        )

    def mark_submitted(
        self, *, task_id: str, request_id: str, now: datetime, first_poll_at: datetime, payload: Any = None
    ) -> bool:
        """The gateway accepted the task; a late answer still counts after the sweep gave up on it."""
        return self.move(
            Status.SUBMITTED,
            allowed_from=[Status.SUBMITTING, Status.OUTCOME_UNKNOWN],
            payload=payload,
            upstream_task_id=task_id,
            upstream_request_id=request_id,
            submitted_at=now,
            last_progress_at=now,
            next_poll_at=first_poll_at,
            claim_token=None,
            claim_expires_at=None,
            finished_at=None,
            error_code="",
            error_message="",
        )

    def mark_running(self, *, payload: Any = None, **fields: Any) -> bool:
        """The gateway started: a sync kind's answer begins (from submitting) or a polled task runs."""
        return self.move(
            Status.RUNNING, allowed_from=[Status.SUBMITTING, Status.SUBMITTED], payload=payload, **fields
        )

    def mark_ingesting(self, *, payload: Any = None, **fields: Any) -> bool:
        """The gateway reports success: the results are to be copied into the studio's storage."""
        return self.move(Status.INGESTING, allowed_from=POLLED, payload=payload, **fields)

    def mark_succeeded(self, **fields: Any) -> bool:
        """Every result is stored (after ingest, or at the end of a sync kind's answer)."""
        return self.move(Status.SUCCEEDED, allowed_from=[Status.RUNNING, Status.INGESTING], **fields)

    def mark_failed(
        self,
        code: str,
        message: str,
        gateway_message: str | None = None,
        *,
        allowed_from: Iterable[Status],
        event: str = "",
        payload: Any = None,
        **fields: Any,
    ) -> bool:
        """Failed with a code and the studio's explanation; the gateway's own words replace the last
        ones kept when given. `event` is the note in the event log."""
        if gateway_message is not None:
            fields["gateway_message"] = gateway_message
        return self.move(
            Status.FAILED,
            allowed_from=allowed_from,
            message=event,
            payload=payload,
            error_code=code,
            error_message=message,
            **fields,
        )

    def mark_outcome_unknown(
        self,
        code: str,
        message: str,
        gateway_message: str | None = None,
        *,
        allowed_from: Iterable[Status],
        event: str = "",
    ) -> bool:
        """Sent, but no answer came back: the gateway may have started (and billed) the job."""
        fields: dict[str, Any] = {} if gateway_message is None else {"gateway_message": gateway_message}
        return self.move(
            Status.OUTCOME_UNKNOWN,
            allowed_from=allowed_from,
            message=event,
            error_code=code,
            error_message=message,
            claim_token=None,
            claim_expires_at=None,
            **fields,
        )

    def requeue(
        self, *, message: str, retry_at: datetime, allowed_from: Iterable[Status], **fields: Any
    ) -> bool:
        """Back to the queue, to be sent again at `retry_at`: nothing of it was taken by the gateway."""
        return self.move(
            Status.QUEUED,
            allowed_from=allowed_from,
            message=message,
            claim_token=None,
            claim_expires_at=None,
            next_poll_at=retry_at,
            **fields,
        )

    def wait_for_slot(
        self, *, message: str, retry_at: datetime, now: datetime, code: str, gateway_message: str
    ) -> bool:
        """The gateway was full: nothing was accepted, so it waits for a slot again until `retry_at`."""
        return self.move(
            Status.WAITING,
            allowed_from=[Status.SUBMITTING],
            message=message,
            claim_token=None,
            claim_expires_at=None,
            # The gateway refused the request, so sending it again cannot start the job twice.
            sent_at=None,
            next_poll_at=retry_at,
            waiting_since=self.waiting_since or now,
            capacity_answers=self.capacity_answers + 1,
            error_code=code,
            gateway_message=gateway_message,
        )

    def time_out(self, *, message: str, next_poll_at: datetime) -> bool:
        """Silent past the deadline: no longer counted as running, still checked now and then."""
        return self.move(
            Status.TIMED_OUT,
            allowed_from=[Status.SUBMITTED, Status.RUNNING],
            error_code="timed_out",
            error_message=message,
            next_poll_at=next_poll_at,
        )

    def cancel(self, *, by: User) -> bool:
        """Stops following it (the gateway has no cancel; a late result is no longer fetched)."""
        return self.move(
            Status.CANCELED,
            allowed_from=self.cancelable_from,
            message=_("Canceled by %(user)s.") % {"user": by.name},
            next_poll_at=None,
            claim_token=None,
        )

    def log(self, kind: GenerationEvent.Kind, *, message: str = "", payload: Any = None) -> None:
        """Appends a request, response or note to the generation's record."""
        GenerationEvent.objects.create(generation=self, kind=kind, message=message, payload=payload)


class CompareGroupQuerySet(models.QuerySet["CompareGroup"]):
    def for_team(self, team: Team) -> CompareGroupQuerySet:
        return self.filter(team=team)

    def for_user(self, user: Any) -> CompareGroupQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)


class CompareGroup(models.Model):
    """Generations started together from one form (or re-run from one of them) to be compared side by side."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="compare_groups")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="compare_groups")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # What varies between its generations: "model", or the name of the one parameter that varies.
    varies = models.CharField(max_length=40, default="model")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CompareGroupQuerySet.as_manager()

    if TYPE_CHECKING:
        generations: RelatedManager[Generation]

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("comparison")
        verbose_name_plural = _("comparisons")

    def __str__(self) -> str:
        return f"Comparison {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("compare_group_detail", args=[self.pk])


class FamilySlots(models.Model):
    """A team's slots for one family of kinds at the gateway: the row every claim of a slot locks.

    The limit itself is the team's setting; this row keeps what the gateway taught: a lower limit learned
    when it answered that it was full (raised again one step at a time), and a pause after such an answer.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="family_slots")
    family = models.CharField(max_length=20)
    learned_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    learned_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    # Written by every claim: the write is what takes the row's lock.
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("team", "family"), name="unique_family_slots")]

    def __str__(self) -> str:
        return f"{self.family} slots of team {self.team_id}"


class Tag(models.Model):
    """A team's label for generations, set from a card with one click."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)
        constraints = [models.UniqueConstraint(fields=("team", "name"), name="unique_tag_per_team")]

    def __str__(self) -> str:
        return self.name


class Favourite(models.Model):
    """A user's star on a generation (each user has their own)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    generation = models.ForeignKey("Generation", on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "generation"), name="unique_favourite"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.generation_id}"


# How a gateway response's event names the gateway's request id (written by gateway.record_response).
REQUEST_ID_PREFIX = "request id "


class GenerationEvent(models.Model):
    """The generation's record: every status change, request sent and gateway response, in order."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        REQUEST = "request", _("Request sent")
        RESPONSE = "response", _("Gateway response")
        ERROR = "error", _("Error")
        NOTE = "note", _("Note")

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    status_from = models.CharField(max_length=20, blank=True)
    status_to = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes = [models.Index(fields=("generation", "at"))]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_to} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def status_to_label(self) -> str:
        """The status it moved to, as a person reads it in their language ("queued" is a code)."""
        return str(Status(self.status_to).label) if self.status_to in Status.values else self.status_to

    @property
    def readable_message(self) -> str:
        """The message in the reader's language where the studio wrote it; gateway words stay as they are."""
        if self.message.startswith(REQUEST_ID_PREFIX):
            return str(_("request id %(id)s")) % {"id": self.message.removeprefix(REQUEST_ID_PREFIX)}
        return self.message


def asset_upload_to(asset: Asset, filename: str) -> str:
    # Object names come from a random id, never from upstream file names.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"teams/{asset.team_id}/projects/{asset.project_id}/{uuid.uuid4().hex}.{extension}"


def derived_upload_to(asset: Asset, filename: str) -> str:
    return f"teams/{asset.team_id}/projects/{asset.project_id}/derived/{uuid.uuid4().hex}.webp"


class AssetQuerySet(models.QuerySet["Asset"]):
    def for_user(self, user: Any) -> AssetQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def results(self) -> AssetQuerySet:
        return self.filter(role=Asset.Role.RESULT)


class Asset(models.Model):
    """A stored file: a generation's result or an input uploaded to a project."""

    class Role(models.TextChoices):
        RESULT = "result", _("Result")
        INPUT = "input", _("Input")

    class MediaKind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        TEXT = "text", _("Text")
        JSON = "json", _("JSON")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assets")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assets")
    generation = models.ForeignKey(
        Generation, on_delete=models.CASCADE, null=True, blank=True, related_name="assets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    file = models.FileField(upload_to=asset_upload_to, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text=_("seconds"))
    source_url = models.URLField(max_length=2000, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    thumbnail = models.FileField(upload_to=derived_upload_to, max_length=300, blank=True)
    poster = models.FileField(upload_to=derived_upload_to, max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ("generation", "position", "id")
        constraints = [
            # Ingest can run twice; the second run must not add the same result again.
            models.UniqueConstraint(
                fields=("generation", "role", "position"),
                condition=Q(generation__isnull=False),
                name="unique_asset_position",
            )
        ]
        indexes = [
            models.Index(fields=("project", "role", "-created_at")),
            # The project's latest videos (a Sora character's clip): a 23 ms sort at 10k results without it.
            models.Index(fields=("project", "kind", "-created_at"), name="asset_project_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file.name}"

    @property
    def kind_label(self) -> str:
        """The media kind's name (cheaper than get_kind_display, which rebuilds a dict of lazy labels)."""
        return str(self.MediaKind(self.kind).label)

    @property
    def is_image(self) -> bool:
        return self.kind == self.MediaKind.IMAGE

    @property
    def is_video(self) -> bool:
        return self.kind == self.MediaKind.VIDEO

    @property
    def is_audio(self) -> bool:
        return self.kind == self.MediaKind.AUDIO

    @property
    def is_sora_video(self) -> bool:
        """A video Sora made (the only kind with a watermark the gateway can remove)."""
        if not self.is_video or self.generation_id is None or self.generation is None:
            return False
        made_by = self.generation
        if made_by.spec.can_remix:  # Sora's own videos: the ones it can also remix
            return True
        prefix = made_by.spec.sora_model_prefix
        return bool(prefix) and made_by.model.lower().startswith(prefix)

    @property
    def input_offers(self) -> list[tuple[str, str, str]]:
        """(label, form family, mode) of each form this result can go to as input."""
        return input_offers(self.kind, is_sora_video=self.is_sora_video)

    @property
    def download_name(self) -> str:
        name = self.file.name or ""
        extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
        base = f"aitre-{self.generation_id or 'input'}-{self.position + 1}"
        return f"{base}.{extension}"


class GenerationInput(models.Model):
    """An asset a generation used as input (first frame, reference, blend source, mask…), in order."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="inputs")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="used_by")
    role = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("generation", "role", "position")

    def __str__(self) -> str:
        return f"{self.role} #{self.position} of {self.generation_id}"


class Character(models.Model):
    """A Sora2 character of a project, to be mentioned (@username) in later prompts."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="characters")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="characters")
    generation = models.OneToOneField(
        Generation, on_delete=models.CASCADE, related_name="character", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=80)
    username = models.CharField(_("username"), max_length=120, blank=True)
    is_real_person = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.username or self.name


class GatewayModelQuerySet(models.QuerySet["GatewayModel"]):
    def for_team(self, team: Team) -> GatewayModelQuerySet:
        return self.filter(team=team)


class GatewayModel(models.Model):
    """A model the team's gateway listed (`GET /v1/models`), kept so the list outlives a gateway outage."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="gateway_models")
    model_id = models.CharField(_("model"), max_length=200)
    owned_by = models.CharField(max_length=100, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    # The last refresh whose list had it; older than the team's latest refresh means no longer listed.
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects = GatewayModelQuerySet.as_manager()

    class Meta:
        ordering = ("model_id",)
        constraints = [
            models.UniqueConstraint(fields=("team", "model_id"), name="unique_gateway_model_per_team")
        ]

    def __str__(self) -> str:
        return self.model_id


# The team's slots at the gateway (see `engine/capacity.py`): the facts pages read as well as the engine.

# The team setting that limits each family. Sync kinds are answered within their request and not limited.
LIMIT_FIELDS: dict[Family, str] = {
    Family.MIDJOURNEY: "midjourney_slots",
    Family.VIDEO_TASK: "video_slots",
    Family.SORA: "sora_slots",
}


def family_of(kind: str) -> Family | None:
    """The family whose slots a kind uses, or None when the kind is not limited."""
    family = KINDS[kind].family
    return family if family in LIMIT_FIELDS else None


def kinds_of(family: Family) -> list[str]:
    return [str(kind) for kind, spec in KINDS.items() if spec.family == family]


def fair_order(
    waiting: Iterable[tuple[int, int | None, datetime]], holding_by_member: Counter[int | None]
) -> list[int]:
    """Ids of waiting generations `(pk, created_by_id, created_at)` in the order they get slots."""
    places: Counter[int | None] = Counter()
    ranked = []
    for pk, member, created_at in sorted(waiting, key=lambda row: (row[2], row[0])):
        ranked.append((holding_by_member[member] + places[member], created_at, pk))
        places[member] += 1
    return [pk for _rank, _created_at, pk in sorted(ranked)]


def annotate_waiting_line(generations: Sequence[Generation]) -> None:
    """Sets `slots_ahead` on each waiting generation: one query per team and family among them."""
    groups: dict[tuple[int, Family], list[Generation]] = defaultdict(list)
    for generation in generations:
        family = family_of(generation.kind) if generation.status == Status.WAITING else None
        if family is not None:
            groups[(generation.team_id, family)].append(generation)
        else:
            generation.__dict__["slots_ahead"] = 0
    for (team_id, family), members in groups.items():
        rows = (
            Generation.objects.filter(team_id=team_id, kind__in=kinds_of(family))
            .filter(status__in=[Status.WAITING, *HOLDING_SLOT])
            .values_list("pk", "created_by_id", "created_at", "status")
        )
        waiting, holding = [], Counter[int | None]()
        for pk, member, created_at, status in rows:
            if status == Status.WAITING:
                waiting.append((pk, member, created_at))
            else:
                holding[member] += 1
        place = {pk: index for index, pk in enumerate(fair_order(waiting, holding))}
        for generation in members:
            generation.__dict__["slots_ahead"] = place.get(generation.pk, 0)
