"""What the sandbox gateway remembers: its tasks, the files its fake CDN serves, and the speech it spoke.

Everything lives in the database (and the default storage), never in process memory, so several web
processes answer alike. A task's status is not stored: it is computed from the timestamps and durations
stored here (see lifecycle.py), so every process sees the same status at the same moment.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone


class SandboxFile(models.Model):
    """One result file on the fake CDN, `<base>/cdn/<name>`; it may be made to expire (a fault)."""

    name = models.CharField(max_length=100, unique=True)
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    expired_status = models.PositiveSmallIntegerField(default=403)

    def __str__(self) -> str:
        return self.name

    def is_expired(self, now: datetime) -> bool:
        """Whether the CDN refuses this file at `now` (the `expire` fault)."""
        return self.expires_at is not None and now >= self.expires_at


class TaskKind(models.TextChoices):
    """Which surface a task belongs to, which decides its id format and answer shape."""

    VIDEO = "video", "Video task (/v1/video/generations)"
    SORA_VIDEO = "sora_video", "Sora video (/v1/videos)"
    SORA_CHARACTER = "sora_character", "Sora character (/v1/videos)"
    MIDJOURNEY = "midjourney", "Midjourney task (/mj)"


class SandboxTaskQuerySet(models.QuerySet["SandboxTask"]):
    """Filters over sandbox tasks."""

    def for_owner(self, owner: str) -> SandboxTaskQuerySet:
        return self.filter(owner=owner)

    def of_kinds(self, *kinds: str) -> SandboxTaskQuerySet:
        return self.filter(kind__in=kinds)

    def running_at(self, now: datetime) -> SandboxTaskQuerySet:
        """Tasks that have started (not waiting in MODAL) and not yet finished at `now`."""
        return self.filter(starts_at__isnull=False, finishes_at__gt=now)


class SandboxTask(models.Model):
    """An asynchronous task of the simulated gateway: a Veo3 video, a Sora object or a Midjourney job."""

    public_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    owner = models.CharField(max_length=64, blank=True, db_index=True)
    model = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=32)
    prompt = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    media = models.ForeignKey(SandboxFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thumbnail = models.ForeignKey(
        SandboxFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job_hash = models.CharField(max_length=36, blank=True)
    seed = models.PositiveBigIntegerField(default=0)

    # The timeline: the task starts at `starts_at` (null while it waits in MODAL) plus a queue delay, is
    # picked up after `started_after` and done after `finished_after` seconds, all multiplied by the
    # `time_scale` that was in force when it was submitted.
    submitted_at = models.DateTimeField(default=timezone.now)
    starts_at = models.DateTimeField(null=True, blank=True)
    time_scale = models.FloatField(default=1.0)
    poll_interval = models.FloatField(default=15.0)
    queue_delay = models.FloatField(default=0.0)
    started_after = models.FloatField(default=0.0)
    finished_after = models.FloatField(default=0.0)
    timeout_after = models.FloatField(null=True, blank=True)
    finishes_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # Injected faults, remembered so that every later query follows them.
    injected_failure = models.CharField(max_length=200, blank=True)
    is_stuck = models.BooleanField(default=False)

    objects = SandboxTaskQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kind", "finishes_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class SpeechClip(models.Model):
    """The text behind audio the sandbox spoke, so that transcribing that audio gives the text back."""

    digest = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.digest
