"""Review states of results (Approved, Needs changes, Rejected) and which roles of a team may set them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Role, Team

DEFAULT_REVIEWER_ROLES = [Role.OWNER.value, Role.ADMIN.value]


class ReviewState(models.TextChoices):
    APPROVED = "approved", _("Approved")
    NEEDS_CHANGES = "needs_changes", _("Needs changes")
    REJECTED = "rejected", _("Rejected")


class Review(models.Model):
    """The review state of one generation; no row means "not reviewed" (clearing deletes the row)."""

    generation = models.OneToOneField(
        "generations.Generation", on_delete=models.CASCADE, related_name="review", primary_key=True
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("review"), max_length=16, choices=ReviewState.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=("team", "state"))]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"#{self.generation_id}: {self.state}"

    @property
    def is_approved(self) -> bool:
        return self.state == ReviewState.APPROVED


class ReviewSettings(models.Model):
    """Which roles of a team may review results; owners and admins choose. No row means the default."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="review_settings")
    reviewer_roles = models.JSONField(_("roles that may review"), default=list)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return f"Review settings of {self.team_id}"
