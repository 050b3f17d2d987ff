"""A team's outgoing webhook and the log of its deliveries, one row per event and one per attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.fields import EncryptedTextField
from studio.accounts.models import Team

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class WebhookEvent(models.TextChoices):
    GENERATION_FINISHED = "generation_finished", _("Generation finished")
    GENERATION_FAILED = "generation_failed", _("Generation failed")
    COMMENT = "comment", _("New comment")
    MENTION = "mention", _("Mention")
    BUDGET_WARNING = "budget_warning", _("Budget warning")


# Waits before the 2nd, 3rd, 4th and 5th attempt; after the 5th fails the delivery is given up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


class Webhook(models.Model):
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("URL"), max_length=500)
    # Encrypted at rest like the gateway key, and never shown again once saved.
    secret = EncryptedTextField(_("signing secret"))
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"Webhook of team {self.team_id}"

    def wants(self, event: str) -> bool:
        return self.is_active and event in self.events


class DeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def for_team(self, team: Team) -> DeliveryQuerySet:
        return self.filter(team=team)

    def due(self) -> DeliveryQuerySet:
        return self.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    # The exact bytes sent (and signed) on every attempt, so a retry is the same message.
    body = models.TextField()
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    if TYPE_CHECKING:
        attempt_log: RelatedManager[WebhookAttempt]

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("team", "-created_at", "-id"), name="webhook_delivery_recent"),
            models.Index(
                fields=("next_attempt_at",),
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} delivery {self.pk}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what came back, or why nothing did."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    url = models.CharField(max_length=500)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("delivery", "number")
        constraints = [
            models.UniqueConstraint(fields=("delivery", "number"), name="unique_webhook_attempt"),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"

    @property
    def is_success(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
