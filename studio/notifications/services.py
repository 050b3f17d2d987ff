"""Use cases of notifications: notifying members, reading them, e-mail preferences and the e-mails."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from studio import queue
from studio.accounts.models import Membership, Team, User
from studio.notifications.models import Notification, NotificationKind, NotificationPreference
from studio.webhooks.services import emit_event

EMAIL_TASK = "studio.notifications.tasks.email_notification"


def _target_reference(target: models.Model | None) -> dict[str, Any]:
    if target is None:
        return {"target_type": "", "target_id": None, "target_url": ""}
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
    return {"target_type": target._meta.label_lower, "target_id": target.pk, "target_url": str(url)[:500]}


def notify(
    *,
    recipients: Iterable[User],
    team: Team,
    kind: NotificationKind | str,
    target: models.Model | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Notifies each recipient who is a member of the team, once each; returns the notifications made.

    Side effects: Notification rows, an e-mail task per recipient who wants this kind by e-mail and the
    team's webhook delivery (both after commit).
    """
    kind = NotificationKind(kind)
    member_ids = set(
        Membership.objects.filter(team=team, user__in=[user.pk for user in recipients]).values_list(
            "user_id", flat=True
        )
    )
    clean_params = {str(key): value for key, value in (params or {}).items()}
    reference = _target_reference(target)
    with transaction.atomic():
        made = Notification.objects.bulk_create(
            [
                Notification(recipient_id=user_id, team=team, kind=kind, params=clean_params, **reference)
                for user_id in sorted(member_ids)
            ]
        )
        # One query either way; JSON "contains" is not available on SQLite, so the filter is in Python.
        wanting_email = {
            preference.user_id
            for preference in NotificationPreference.objects.filter(user_id__in=member_ids)
            if preference.wants_email(kind)
        }
        for notification in made:
            if notification.recipient_id in wanting_email:
                queue.enqueue(EMAIL_TASK, notification.pk, task_name=f"notification-email-{notification.pk}")
        emit_event(
            team=team,
            event=str(kind),
            data={
                "target": {
                    "type": reference["target_type"],
                    "id": reference["target_id"],
                    "url": settings.SITE_URL + reference["target_url"] if reference["target_url"] else "",
                },
                "params": clean_params,
            },
        )
    return made


def mark_read(*, notification: Notification) -> Notification:
    """Marks one notification read (a second call keeps the first time)."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    """Marks every unread notification of the user read; returns how many changed."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def preference_for(user: User) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def set_email_kinds(*, user: User, kinds: Iterable[str]) -> NotificationPreference:
    """Stores which kinds the user also receives by e-mail (unknown kinds are ignored)."""
    chosen = sorted({kind for kind in kinds if kind in NotificationKind.values})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_kinds": chosen}
    )
    return preference


def send_notification_email(*, notification_id: int) -> bool:
    """E-mails one notification to its recipient, at most once; returns whether it was sent now.

    Side effects: the notification's emailed_at, one e-mail.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "team").get(pk=notification_id)
    recipient = notification.recipient
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "notification": notification,
            "url": settings.SITE_URL + notification.target_url if notification.target_url else "",
            "preferences_url": settings.SITE_URL + reverse("notification_preferences"),
        }
        message = EmailMessage(
            subject=f"[{notification.team.name}] {notification.get_kind_display()}",
            body=render_to_string("notifications/email/notification.txt", context),
            to=[recipient.email],
            headers={"Content-Language": language},
        )
    message.send()
    return True
