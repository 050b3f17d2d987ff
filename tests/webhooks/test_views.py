"""The webhook pages: settings (managers only, secret never rendered back) and the delivery log."""

from __future__ import annotations

from django.urls import reverse

from studio.accounts.models import Role
from studio.webhooks import services, tasks
from studio.webhooks.models import Webhook

SECRET = "s3cret-s3cret-s3cret"


def test_owner_saves_webhook_and_secret_is_never_rendered(team, user, receiver, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("team_webhook", args=[team.pk])

    response = client.post(
        url, {"url": receiver.url, "secret": SECRET, "events": ["comment"], "is_active": "on"}
    )
    page = client.get(url)

    assert response.status_code == 302
    assert Webhook.objects.get(team=team).secret == SECRET
    assert SECRET not in page.content.decode()
    assert receiver.url in page.content.decode()


def test_new_webhook_without_secret_shows_the_generated_one_once(team, user, receiver, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("team_webhook", args=[team.pk])

    response = client.post(url, {"url": receiver.url, "events": ["comment"], "is_active": "on"})

    secret = Webhook.objects.get(team=team).secret
    assert secret in response.content.decode()
    assert secret not in client.get(url).content.decode()


def test_private_url_is_refused_with_a_clear_error(team, user, client_for, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = []

    response = client_for(user).post(
        reverse("team_webhook", args=[team.pk]), {"url": "http://192.168.0.10/hook", "events": ["comment"]}
    )

    assert response.status_code == 400
    assert "This address points to a private network" in response.content.decode()
    assert not Webhook.objects.exists()


def test_members_and_viewers_get_403(team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.MEMBER, Role.VIEWER):
        client = client_for(member_of(role))
        assert client.get(reverse("team_webhook", args=[team.pk])).status_code == 403
        assert client.get(reverse("webhook_deliveries", args=[team.pk])).status_code == 403
        assert client.post(reverse("webhook_delete", args=[team.pk])).status_code == 403


def test_admin_removes_the_webhook(team, user, member_of, receiver, client_for) -> None:  # type: ignore[no-untyped-def]
    services.save_webhook(
        team=team, actor=user, url=receiver.url, secret=SECRET, events=["comment"], is_active=True
    )

    response = client_for(member_of(Role.ADMIN)).post(reverse("webhook_delete", args=[team.pk]))

    assert response.status_code == 302
    assert not Webhook.objects.exists()


def test_deliveries_page_lists_attempts_and_its_partial(
    team, user, receiver, client_for, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    services.save_webhook(
        team=team, actor=user, url=receiver.url, secret=SECRET, events=["comment"], is_active=True
    )
    receiver.answers = [502]
    for _number in range(10):
        delivery = services.emit_event(team=team, event="comment", data={})
        tasks.deliver_webhook(delivery.pk)  # type: ignore[union-attr]
    client = client_for(user)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("webhook_deliveries", args=[team.pk]))
    partial = client.get(reverse("webhook_deliveries", args=[team.pk]), headers={"HX-Request": "true"})

    body = page.content.decode()
    assert "HTTP 502" in body
    assert body.count("HTTP 200") == 9
    assert partial.content.decode().lstrip().startswith('<section id="delivery-list">')


def test_pages_require_login(team, client) -> None:  # type: ignore[no-untyped-def]
    for name in ("team_webhook", "webhook_deliveries"):
        response = client.get(reverse(name, args=[team.pk]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
