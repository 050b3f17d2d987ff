"""Projects: a team's folders of work, each holding its generations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.fields import EncryptedTextField
from studio.accounts.models import Team


class ProjectQuerySet(models.QuerySet["Project"]):
    def for_user(self, user: Any) -> ProjectQuerySet:
        """Projects of the teams the user belongs to; every project lookup in a view goes through this."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def for_team(self, team: Team) -> ProjectQuerySet:
        return self.filter(team=team)

    def active(self) -> ProjectQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ProjectQuerySet:
        return self.filter(archived_at__isnull=False)


class Project(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("team", "archived_at", "-created_at"))]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def live(self) -> ShareLinkQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ShareLink(models.Model):
    """A revocable, unguessable link to one result, one generation (with its variants) or a whole project.

    Only the token's sha256 is stored; the token itself is shown once, when the link is made.
    """

    class Scope(models.TextChoices):
        RESULT = "result", _("One result")
        GENERATION = "generation", _("A generation and its variants")
        PROJECT = "project", _("A whole project")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scope = models.CharField(_("covers"), max_length=16, choices=Scope.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="share_links")
    generation = models.ForeignKey(
        "generations.Generation", on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    asset = models.ForeignKey(
        "generations.Asset", on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The token itself, encrypted at rest, so teammates can copy a live link again from the Links page;
    # look-ups go through the hash only.
    token_encrypted = EncryptedTextField(editable=False, default="")
    token_hint = models.CharField(
        max_length=8, editable=False, help_text=_("First characters, to tell links apart.")
    )
    # A generation link's generations (it and its variants when the link was made), fixed then: variants
    # made later and copies in other projects are other objects, with links of their own.
    generation_ids = models.JSONField(default=list, blank=True, editable=False)
    allow_download = models.BooleanField(_("allow download"), default=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    last_viewed_at = models.DateTimeField(_("last viewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("team", "-created_at"))]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self) -> str:
        return f"{self.get_scope_display()} link {self.token_hint}…"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired


class AuditEvent(models.Model):
    """Who did what in a team, and when: work on generations, share links, invitations, members, roles and
    the team's gateway settings (never the API key itself)."""

    class Action(models.TextChoices):
        GENERATED = "generated", _("Generated")
        SHARED = "shared", _("Shared")
        REVOKED = "revoked", _("Revoked a link")
        DOWNLOADED = "downloaded", _("Downloaded a ZIP")
        MOVED = "moved", _("Moved")
        COPIED = "copied", _("Copied")
        DELETED = "deleted", _("Moved to trash")
        RESTORED = "restored", _("Restored")
        PURGED = "purged", _("Deleted for good")
        TAGGED = "tagged", _("Tagged")
        INVITED = "invited", _("Sent an invitation")
        INVITATION_ACCEPTED = "invite_accepted", _("Accepted an invitation")
        INVITATION_DECLINED = "invite_declined", _("Declined an invitation")
        INVITATION_REVOKED = "invite_revoked", _("Revoked an invitation")
        MEMBER_JOINED = "member_joined", _("Member joined")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        ROLE_CHANGED = "role_changed", _("Changed a role")
        GATEWAY_CHANGED = "gateway_changed", _("Changed the gateway address")
        API_KEY_CHANGED = "api_key_changed", _("Changed the gateway API key")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    summary = models.CharField(_("what"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=("team", "-at", "-id")),
            models.Index(fields=("team", "action", "-at")),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"


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
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"ZIP of {len(self.generation_ids)} generations ({self.status})"
