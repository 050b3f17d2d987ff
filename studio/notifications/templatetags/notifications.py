"""The header's unread badge: one COUNT query per page, none for visitors."""

from __future__ import annotations

from typing import Any

from django import template

from studio.notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = Notification.objects.for_user(user).unread().count()
        request._unread_notifications = cached  # type: ignore[union-attr]
    return cached
