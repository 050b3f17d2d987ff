"""Use cases of a team's outgoing webhook: its settings, the events it is sent, and signed deliveries.

A delivery's body is signed with HMAC-SHA256 under the team's secret over "<timestamp>.<body>"; the
receiver recomputes it from the X-Aitre-Timestamp header and the raw body, compares it with
X-Aitre-Signature ("sha256=<hex>") and refuses old timestamps, so a captured request cannot be replayed.
Every connection follows the gateway's address rules (studio/upstream/network.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from studio import queue
from studio.accounts.models import Team, User
from studio.upstream.network import AddressPolicy, CheckedTransport, ForbiddenAddress
from studio.webhooks.models import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

DELIVER_TASK = "studio.webhooks.tasks.deliver_webhook"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
EXCERPT_CHARS = 500
# A delivery left "sending" this long belongs to a worker that died; the sweep sends it again.
SENDING_LEASE = timedelta(minutes=5)
USER_AGENT = "AITRE-Studio-Webhook/1"


class WebhookUrlRefused(Exception):
    """The address may not receive webhooks; the message says why in words a person can act on."""


def address_policy() -> AddressPolicy:
    """The gateway's rules: public addresses only, plus the download allow-list (the sandbox's host)."""
    return AddressPolicy.build(
        allowed_private_hosts=settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS, allow_plain_http=settings.DEBUG
    )


def check_webhook_url(url: str) -> None:
    """Raises WebhookUrlRefused when the URL is not http(s) or points to a private or loopback address.

    A name that does not resolve now is let through (it is checked again at every send).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookUrlRefused(_("The address must start with https:// or http://."))
    policy = address_policy()
    try:
        policy.checked_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    except ForbiddenAddress as error:
        raise WebhookUrlRefused(
            _("This address points to a private network, which webhooks may not call.")
        ) from error
    except OSError:
        pass
    try:
        policy.check_scheme(parts.scheme, host)
    except ForbiddenAddress as error:
        raise WebhookUrlRefused(
            _("The address must start with https://: the events would cross the network unencrypted.")
        ) from error


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def save_webhook(
    *, team: Team, actor: User, url: str, secret: str | None, events: Iterable[str], is_active: bool
) -> tuple[Webhook, str | None]:
    """Creates or changes the team's webhook; returns it and the secret when a new one was made.

    A new webhook without a given secret gets a generated one, shown once. Raises WebhookUrlRefused.
    """
    check_webhook_url(url)
    chosen = sorted({event for event in events if event in WebhookEvent.values})
    generated = None
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().filter(team=team).first()
        if webhook is None:
            generated = None if secret else new_secret()
            webhook = Webhook(team=team, secret=secret or generated or "")
        elif secret:
            webhook.secret = secret
        webhook.url = url
        webhook.events = chosen
        webhook.is_active = is_active
        webhook.save()
    return webhook, generated


def delete_webhook(*, team: Team) -> bool:
    """Removes the team's webhook (its delivery log stays); returns whether there was one."""
    deleted, _rows = Webhook.objects.filter(team=team).delete()
    return bool(deleted)


def emit_event(*, team: Team, event: str, data: Mapping[str, Any]) -> WebhookDelivery | None:
    """Queues a delivery of the event when the team's webhook wants it; returns it, or None.

    Side effects: a WebhookDelivery row, a delivery task after commit.
    """
    webhook = Webhook.objects.filter(team=team).first()
    if webhook is None or not webhook.wants(event):
        return None
    now = timezone.now()
    delivery_id = uuid.uuid4()
    body = json.dumps(
        {"id": str(delivery_id), "event": event, "team": team.pk, "created_at": now, "data": dict(data)},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        sort_keys=True,
    )
    delivery = WebhookDelivery.objects.create(team=team, event=event, body=body, next_attempt_at=now)
    queue.enqueue(DELIVER_TASK, delivery.pk, task_name=f"webhook-{delivery.pk}")
    return delivery


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _claim(delivery_id: int) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).update(status=WebhookDelivery.Status.SENDING, next_attempt_at=timezone.now())
    )


def _post(url: str, *, headers: dict[str, str], body: bytes) -> httpx.Response:
    transport = CheckedTransport(policy=address_policy(), limits=httpx.Limits(max_connections=1))
    with httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=False) as client:
        return client.post(url, content=body, headers=headers)


def deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Makes one attempt at a due delivery; returns it, or None when it was not due (or taken).

    Side effects: one signed POST, a WebhookAttempt row, the delivery's status and next attempt.
    """
    if not _claim(delivery_id):
        return None
    delivery = WebhookDelivery.objects.select_related("team").get(pk=delivery_id)
    webhook = Webhook.objects.filter(team_id=delivery.team_id).first()
    number = delivery.attempts + 1
    code: int | None = None
    excerpt = error = ""
    is_permanent = False
    url = webhook.url if webhook is not None else ""
    if webhook is None or not webhook.is_active:
        error, is_permanent = _("The webhook was removed or switched off."), True
    else:
        timestamp = str(int(timezone.now().timestamp()))
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Aitre-Event": delivery.event,
            "X-Aitre-Delivery": str(delivery.pk),
            "X-Aitre-Timestamp": timestamp,
            "X-Aitre-Signature": sign(secret=webhook.secret, timestamp=timestamp, body=body),
        }
        try:
            check_webhook_url(url)
            response = _post(url, headers=headers, body=body)
        except WebhookUrlRefused as exc:
            error, is_permanent = str(exc), True
        except ForbiddenAddress:
            error, is_permanent = (
                _("This address points to a private network, which webhooks may not call."),
                True,
            )
        except httpx.HTTPError as exc:
            error = _("No answer: %(reason)s") % {"reason": exc.__class__.__name__}
        else:
            code, excerpt = response.status_code, response.text[:EXCERPT_CHARS]
    is_delivered = code is not None and 200 <= code < 300
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            url=url[:500],
            response_code=code,
            response_excerpt=excerpt,
            error=error[:500],
        )
        delivery.attempts = number
        delivery.response_code = code
        delivery.response_excerpt = excerpt
        delivery.error = error[:500]
        if is_delivered:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.DELIVERED,
                now,
                None,
            )
        elif is_permanent or number >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.GAVE_UP, None
        else:
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.next_attempt_at = now + RETRY_DELAYS[number - 1]
        delivery.save()
    return delivery


def retry_due_deliveries() -> int:
    """Queues every delivery whose next attempt is due (and those a dead worker left); returns how many.

    Side effects: stale "sending" deliveries back to pending, one delivery task each.
    """
    stale_before = timezone.now() - SENDING_LEASE
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, next_attempt_at__lt=stale_before
    ).update(status=WebhookDelivery.Status.PENDING)
    due = list(WebhookDelivery.objects.due().values_list("pk", flat=True)[:500])
    for delivery_id in due:
        queue.enqueue_now(DELIVER_TASK, delivery_id, task_name=f"webhook-{delivery_id}")
    return len(due)
