"""Webhook deliveries over real HTTP: signing, retries with back-off, the log, and refused addresses."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from studio.notifications.services import notify
from studio.webhooks import services, tasks
from studio.webhooks.models import MAX_ATTEMPTS, RETRY_DELAYS, Webhook, WebhookDelivery

SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture
def webhook(team, user, receiver):  # type: ignore[no-untyped-def]
    made, _secret = services.save_webhook(
        team=team, actor=user, url=receiver.url, secret=SECRET, events=["comment", "mention"], is_active=True
    )
    return made


def emit(team):  # type: ignore[no-untyped-def]
    delivery = services.emit_event(team=team, event="comment", data={"params": {"actor": "Ann"}})
    assert delivery is not None
    return delivery


def make_due(delivery):  # type: ignore[no-untyped-def]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_delivery_is_signed_over_timestamp_and_body(team, webhook, receiver) -> None:  # type: ignore[no-untyped-def]
    delivery = emit(team)

    assert tasks.deliver_webhook(delivery.pk) is True

    (headers, body) = receiver.requests[0]
    expected = hmac.new(SECRET.encode(), headers["x-aitre-timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["x-aitre-signature"] == f"sha256={expected.hexdigest()}"
    assert headers["x-aitre-event"] == "comment"
    assert json.loads(body)["data"] == {"params": {"actor": "Ann"}}
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.response_code == 200
    assert len(delivery.response_excerpt) == 500
    assert list(delivery.attempt_log.values_list("number", "response_code")) == [(1, 200)]


def test_task_run_twice_sends_once(team, webhook, receiver) -> None:  # type: ignore[no-untyped-def]
    delivery = emit(team)

    assert tasks.deliver_webhook(delivery.pk) is True
    assert tasks.deliver_webhook(delivery.pk) is False

    assert len(receiver.requests) == 1


def test_failures_back_off_then_give_up(team, webhook, receiver) -> None:  # type: ignore[no-untyped-def]
    receiver.answers = [500] * MAX_ATTEMPTS
    delivery = emit(team)
    waits = []

    for _attempt in range(MAX_ATTEMPTS):
        before = timezone.now()
        assert tasks.deliver_webhook(delivery.pk) is True
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - before)
            assert tasks.deliver_webhook(delivery.pk) is False  # not due yet
            make_due(delivery)

    assert [round(wait / timedelta(minutes=1)) for wait in waits] == [
        round(delay / timedelta(minutes=1)) for delay in RETRY_DELAYS
    ]
    assert delivery.status == WebhookDelivery.Status.GAVE_UP
    assert delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert list(delivery.attempt_log.values_list("response_code", flat=True)) == [500] * MAX_ATTEMPTS


def test_retry_succeeds_and_keeps_the_same_body(team, webhook, receiver) -> None:  # type: ignore[no-untyped-def]
    receiver.answers = [503]
    delivery = emit(team)
    tasks.deliver_webhook(delivery.pk)
    make_due(delivery)

    tasks.deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert receiver.requests[0][1] == receiver.requests[1][1]
    assert list(delivery.attempt_log.values_list("response_code", flat=True)) == [503, 200]


def test_sweep_queues_due_and_stale_deliveries(team, webhook) -> None:  # type: ignore[no-untyped-def]
    due = emit(team)
    stale = emit(team)
    later = emit(team)
    WebhookDelivery.objects.filter(pk=stale.pk).update(
        status=WebhookDelivery.Status.SENDING, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    from studio import queue

    before = queue.backlog()
    count = tasks.retry_due_webhooks()

    assert count == 2
    assert queue.backlog() - before == 2
    assert set(WebhookDelivery.objects.due().values_list("pk", flat=True)) == {due.pk, stale.pk}


def test_unreachable_receiver_is_logged_and_retried(team, user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    services.save_webhook(
        team=team,
        actor=user,
        url="http://127.0.0.1:9/hook",
        secret=SECRET,
        events=["comment"],
        is_active=True,
    )
    delivery = emit(team)

    tasks.deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code is None
    assert delivery.error.startswith("No answer")


def test_private_address_is_refused_at_send_when_no_longer_allow_listed(
    team, webhook, receiver, settings
) -> None:  # type: ignore[no-untyped-def]
    delivery = emit(team)
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = []

    tasks.deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.status == WebhookDelivery.Status.GAVE_UP
    assert "private network" in delivery.error


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.1.1]/hook",
        "https://localhost/hook",
        "ftp://example.com/hook",
    ],
)
def test_save_refuses_private_and_odd_addresses(team, user, settings, url) -> None:  # type: ignore[no-untyped-def]
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = []

    with pytest.raises(services.WebhookUrlRefused):
        services.save_webhook(team=team, actor=user, url=url, secret=None, events=["comment"], is_active=True)

    assert not Webhook.objects.exists()


def test_plain_http_to_a_public_host_is_refused(settings) -> None:
    settings.DEBUG = False

    with pytest.raises(services.WebhookUrlRefused, match="https://"):
        services.check_webhook_url("http://93.184.215.14/hook")


def test_secret_is_encrypted_at_rest_and_generated_when_missing(team, user, receiver) -> None:  # type: ignore[no-untyped-def]
    webhook, generated = services.save_webhook(
        team=team, actor=user, url=receiver.url, secret=None, events=["comment"], is_active=True
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhook WHERE id = %s", [webhook.pk])
        (stored,) = cursor.fetchone()

    assert generated is not None
    assert generated.startswith("whsec_")
    assert generated not in stored
    assert Webhook.objects.get().secret == generated
    _again, none = services.save_webhook(
        team=team, actor=user, url=receiver.url, secret=None, events=["comment"], is_active=True
    )
    assert none is None
    assert Webhook.objects.get().secret == generated


def test_events_not_chosen_or_inactive_webhooks_make_no_delivery(team, webhook) -> None:  # type: ignore[no-untyped-def]
    assert services.emit_event(team=team, event="budget_warning", data={}) is None
    Webhook.objects.update(is_active=False)
    assert services.emit_event(team=team, event="comment", data={}) is None


def test_notify_emits_one_delivery_per_event(team, user, member_of, webhook, receiver) -> None:  # type: ignore[no-untyped-def]
    from studio.accounts.models import Role

    notify(recipients=[user, member_of(Role.MEMBER)], team=team, kind="mention", params={"actor": "Ann"})

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event == "mention"
    assert json.loads(delivery.body)["data"]["params"] == {"actor": "Ann"}
