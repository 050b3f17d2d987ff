"""The history's own rows: ZIP exports of a selection of results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team


class ZipExport(models.Model):
    """A ZIP of a selection of results, built in the background when the selection is large."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="zip_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    generation_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = (
            "projects_zipexport"  # The table predates the app; keeping its name kept the data in place.
        )
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"ZIP of {len(self.generation_ids)} generations ({self.status})"
