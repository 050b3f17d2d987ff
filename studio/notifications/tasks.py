"""Background work of notifications: the e-mails, sent one task per notification."""

from __future__ import annotations

from studio.notifications import services


def email_notification(notification_id: int) -> bool:
    """E-mails the notification to its recipient unless it was already e-mailed."""
    return services.send_notification_email(notification_id=notification_id)
