"""Pages of notifications: the list, marking read, the browser-notification feed and preferences.

Notifications belong to their recipient: another user's notification is 404 whatever team it is in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studio.accounts.http import AuthenticatedHttpRequest
from studio.notifications import services
from studio.notifications.forms import PreferencesForm
from studio.notifications.models import Notification

PAGE_SIZE = 50
FEED_SIZE = 5


def _list_context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    notifications = list(Notification.objects.for_user(request.user).select_related("team")[:PAGE_SIZE])
    unread = Notification.objects.for_user(request.user).unread().count()
    request._unread_notifications = unread  # type: ignore[attr-defined]
    return {"notifications": notifications, "unread": unread}


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's latest notifications, newest first, unread ones marked."""
    template = "notifications/notification_list.html"
    if request.htmx:
        template += "#notification-list"
    return render(request, template, _list_context(request))


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=notification_id)
    services.mark_read(notification=notification)
    if request.htmx:
        return render(
            request, "notifications/notification_list.html#notification-list", _list_context(request)
        )
    return redirect("notification_list")


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Marks the notification read and goes to what it is about (only ever a page of this site)."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=notification_id)
    services.mark_read(notification=notification)
    target = notification.target_url
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    if request.htmx:
        return render(
            request, "notifications/notification_list.html#notification-list", _list_context(request)
        )
    return redirect("notification_list")


@login_required
@require_GET
def notification_feed(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The unread count and the unread notifications newer than ?after=<id>, for browser notifications."""
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        after = 0
    unread = Notification.objects.for_user(request.user).unread()
    newest = list(unread.filter(pk__gt=after).order_by("-pk")[:FEED_SIZE]) if after else []
    return JsonResponse(
        {
            "unread": unread.count(),
            "latest": max([after, *[notification.pk for notification in newest]])
            if after
            else (unread.order_by("-pk").values_list("pk", flat=True).first() or 0),
            "items": [
                {"id": notification.pk, "text": notification.text, "url": notification.target_url}
                for notification in reversed(newest)
            ],
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Which kinds of notification also come by e-mail."""
    preference = services.preference_for(request.user)
    form = PreferencesForm(request.POST or None, initial={"email_kinds": preference.email_kinds})
    if request.method == "POST" and form.is_valid():
        services.set_email_kinds(user=request.user, kinds=form.cleaned_data["email_kinds"])
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notification_preferences")
    return render(
        request, "notifications/preferences.html", {"form": form}, status=400 if form.errors else 200
    )
