"""The notification pages: list and its htmx partial, marking read, the feed, preferences, the badge."""

from __future__ import annotations

from django.urls import reverse

from studio.accounts.models import Role
from studio.notifications import services
from studio.notifications.models import Notification


def make(team, user, count=1, **fields):  # type: ignore[no-untyped-def]
    made = []
    for number in range(count):
        made += services.notify(
            recipients=[user], team=team, kind="comment", params={"actor": "Ann", "title": f"Shot {number}"}
        )
    return made


def test_list_shows_the_users_notifications_with_unread_badge(team, user, project, client_for) -> None:  # type: ignore[no-untyped-def]
    make(team, user, 3)

    response = client_for(user).get(reverse("notification_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Ann commented on “Shot 2”" in body
    assert '<span class="badge" aria-label="3 unread">3</span>' in body


def test_badge_costs_one_query_on_any_page(team, user, project, client_for) -> None:  # type: ignore[no-untyped-def]
    make(team, user, 2)
    client = client_for(user)
    client.get(reverse("project_list", args=[team.pk]))  # warm-up: sessions, content types

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("project_list", args=[team.pk]))

    counting = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counting) == 1
    assert "COUNT" in counting[0].upper()
    assert ">2</span>" in response.content.decode()


def test_list_pins_its_query_count(team, user, client_for, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    make(team, user, 30)
    client = client_for(user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("notification_list"))

    assert response.status_code == 200


def test_list_htmx_partial(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    make(team, user)

    response = client_for(user).get(reverse("notification_list"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="notification-list">')
    assert "<html" not in body


def test_mark_read_via_htmx_returns_the_list_and_the_new_badge(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    first, _second = make(team, user, 2)

    response = client_for(user).post(
        reverse("notification_read", args=[first.pk]), headers={"HX-Request": "true"}
    )

    first.refresh_from_db()
    assert first.read_at is not None
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body
    assert 'aria-label="1 unread"' in body


def test_mark_all_read_and_redirect_without_htmx(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    make(team, user, 3)

    response = client_for(user).post(reverse("notification_read_all"))

    assert response.status_code == 302
    assert not Notification.objects.for_user(user).unread().exists()


def test_open_marks_read_and_goes_to_the_target(team, user, project, client_for) -> None:  # type: ignore[no-untyped-def]
    (notification,) = services.notify(recipients=[user], team=team, kind="comment", target=project)

    response = client_for(user).post(reverse("notification_open", args=[notification.pk]))

    assert response["Location"] == project.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_redirects_off_site(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    (notification,) = make(team, user)
    Notification.objects.filter(pk=notification.pk).update(target_url="//evil.example/")

    response = client_for(user).post(reverse("notification_open", args=[notification.pk]))

    assert response["Location"] == reverse("notification_list")


def test_another_users_notification_404s(team, user, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    (notification,) = make(team, member)
    client = client_for(user)

    for name in ("notification_read", "notification_open"):
        assert client.post(reverse(name, args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_feed_gives_the_newest_id_first_then_only_newer_items(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    (old,) = make(team, user)
    client = client_for(user)
    first = client.get(reverse("notification_feed")).json()
    (new,) = make(team, user)

    second = client.get(reverse("notification_feed"), {"after": first["latest"]}).json()

    assert first == {"unread": 1, "latest": old.pk, "items": []}
    assert second["unread"] == 2
    assert second["latest"] == new.pk
    assert [item["id"] for item in second["items"]] == [new.pk]
    assert client.get(reverse("notification_feed"), {"after": "x"}).status_code == 200


def test_preferences_save_email_kinds_and_refuse_unknown(user, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("notification_preferences")

    bad = client.post(url, {"email_kinds": ["comment", "spam"]})
    good = client.post(url, {"email_kinds": ["comment", "budget_warning"]})

    assert bad.status_code == 400
    assert good.status_code == 302
    assert services.preference_for(user).email_kinds == ["budget_warning", "comment"]
    assert "checked" in client.get(url).content.decode()


def test_pages_require_login(client) -> None:  # type: ignore[no-untyped-def]
    for name in ("notification_list", "notification_feed", "notification_preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
