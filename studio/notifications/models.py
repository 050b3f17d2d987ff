"""In-app notifications of one user, and each user's choice of which kinds also come by e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team


class NotificationKind(models.TextChoices):
    GENERATION_FINISHED = "generation_finished", _("Generation finished")
    GENERATION_FAILED = "generation_failed", _("Generation failed")
    COMMENT = "comment", _("New comment")
    MENTION = "mention", _("Mention")
    BUDGET_WARNING = "budget_warning", _("Budget warning")


# The sentence each kind reads as, filled from the notification's params when it is shown, so that it is
# always in the reader's own language. A missing param reads as an empty string, never as an error.
TEXTS: dict[str, Any] = {
    NotificationKind.GENERATION_FINISHED: _("Your generation “%(title)s” is ready."),
    NotificationKind.GENERATION_FAILED: _("Your generation “%(title)s” failed: %(reason)s"),
    NotificationKind.COMMENT: _("%(actor)s commented on “%(title)s”: %(excerpt)s"),
    NotificationKind.MENTION: _("%(actor)s mentioned you on “%(title)s”: %(excerpt)s"),
    NotificationKind.BUDGET_WARNING: _("%(budget)s has used %(percent)s%% of its limit."),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: Any) -> NotificationQuerySet:
        """The user's own notifications; every lookup in a view goes through this."""
        return self.filter(recipient=user) if user.is_authenticated else self.none()

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    # What the notification is about, by reference: the object may be gone by the time it is read.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_url = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Set when the e-mail task claims the notification, so that a re-run task never sends it twice.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("recipient",), name="notification_unread", condition=models.Q(read_at__isnull=True)
            ),
            models.Index(fields=("recipient", "-created_at", "-id"), name="notification_recent"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def text(self) -> str:
        """The sentence in the active language, filled from the params."""
        template = TEXTS.get(self.kind)
        if template is None:
            return gettext("Notification")
        params = self.params if isinstance(self.params, dict) else {}
        return str(template) % _Blank({key: str(value) for key, value in params.items()})

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """Which kinds a user also receives by e-mail; in-app notifications are always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"Notification preferences of {self.user_id}"

    def wants_email(self, kind: str) -> bool:
        return kind in self.email_kinds
