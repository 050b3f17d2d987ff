"""Share links: revocable, unguessable links to results, generations or projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.fields import EncryptedTextField
from studio.accounts.models import Team
from studio.projects.models import Project


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
    # A project link made for clients may show only the results a reviewer approved; the set follows the
    # reviews as they change, so an approval withdrawn later hides the result at once.
    only_approved = models.BooleanField(_("only approved results"), default=False)
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
        db_table = (
            "projects_sharelink"  # The table predates the app; keeping its name kept the data in place.
        )
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
