"""Signing up, logging in and out, resetting a password, the profile, and login throttling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import Membership, Role, User
from tests import factories
from tests.factories import PASSWORD

ATTACKER_IP = "203.0.113.7"
VICTIM_IP = "198.51.100.20"


def _login(client: Client, email: str, password: str, ip: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_signup_by_email_creates_user_with_personal_team_and_logs_in(client: Client, db: None) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Person@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    user = User.objects.get(email__iexact="new.person@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.team.is_personal
    assert membership.role == Role.OWNER
    assert client.get(reverse("home")).status_code == 302  # logged in: sent on to the projects


def test_signup_rejects_taken_email(client: Client, user: User) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": user.email, "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert "already registered" in response.text
    assert User.objects.filter(email=user.email).count() == 1


def test_login_by_email_and_logout(client: Client, user: User) -> None:
    response = _login(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("profile")).status_code == 302


def test_login_with_wrong_password_shows_error(client: Client, user: User) -> None:
    response = _login(client, user.email, "wrong password")

    assert response.status_code == 200
    assert "not correct" in response.text


def test_password_reset_sends_a_working_link(client: Client, user: User) -> None:
    client.post(reverse("account_reset_password"), {"email": user.email})

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/password/reset/key/\S+", mail.outbox[0].body)
    assert link is not None
    page = client.get(link.group(0), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(0)
    response = client.post(
        form_url, {"password1": "a new long passphrase", "password2": "a new long passphrase"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


def test_profile_saves_display_name_and_time_zone(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    response = client.post(reverse("profile"), {"display_name": "Ann", "time_zone": "Asia/Shanghai"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone) == ("Ann", "Asia/Shanghai")


def test_times_are_shown_in_the_users_time_zone(user: User, team, client_for) -> None:  # type: ignore[no-untyped-def]
    user.time_zone = "Asia/Shanghai"
    user.save()
    project = factories.make_project(team, "Late night")
    project.created_at = timezone.datetime(2026, 1, 1, 20, 0, tzinfo=timezone.UTC)
    project.save()

    response = client_for(user).get(reverse("project_list", args=[team.pk]))

    # 20:00 UTC on 1 January is already 2 January in Shanghai.
    assert "Created Jan. 2, 2026" in response.text


def test_profile_rejects_unknown_time_zone(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("profile"), {"display_name": "", "time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text


def test_login_throttle_locks_the_email_from_that_address_after_five_failures(user: User) -> None:
    attacker = Client()
    for _attempt in range(5):
        _login(attacker, user.email, "guess", ip=ATTACKER_IP)

    response = _login(attacker, user.email, PASSWORD, ip=ATTACKER_IP)

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.text


def test_login_throttle_cannot_lock_the_victim_out_from_elsewhere(user: User) -> None:
    attacker = Client()
    for _attempt in range(10):
        _login(attacker, user.email, "guess", ip=ATTACKER_IP)

    response = _login(Client(), user.email, PASSWORD, ip=VICTIM_IP)

    assert response.status_code == 302


def test_login_throttle_expires_after_cool_off(user: User, settings) -> None:  # type: ignore[no-untyped-def]
    from axes.models import AccessAttempt

    attacker = Client()
    for _attempt in range(5):
        _login(attacker, user.email, "guess", ip=ATTACKER_IP)
    assert _login(attacker, user.email, PASSWORD, ip=ATTACKER_IP).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert _login(Client(), user.email, PASSWORD, ip=ATTACKER_IP).status_code == 302


@pytest.mark.parametrize("email", ["OWNER@example.com", " owner@example.com"])
def test_login_throttle_counts_case_and_space_variants_together(user: User, email: str) -> None:
    attacker = Client()
    for _attempt in range(4):
        _login(attacker, user.email, "guess", ip=ATTACKER_IP)
    _login(attacker, email, "guess", ip=ATTACKER_IP)

    assert _login(attacker, user.email, PASSWORD, ip=ATTACKER_IP).status_code == 429


PROXY_IP = "10.0.0.2"


def _login_through_proxy(client: Client, email: str, password: str, forwarded_for: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY_IP,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_allauth_rate_limit_counts_the_client_behind_a_trusted_proxy(user: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    attacker = Client()
    # Different e-mails each time, so that only allauth's per-address limit (not axes) can stop them.
    for attempt in range(3):
        _login_through_proxy(attacker, f"nobody-{attempt}@example.com", "guess", ATTACKER_IP)
    blocked = _login_through_proxy(attacker, user.email, PASSWORD, ATTACKER_IP)

    victim = _login_through_proxy(Client(), user.email, PASSWORD, VICTIM_IP)

    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.text
    assert victim.status_code == 302


def test_allauth_rate_limit_ignores_forwarded_addresses_the_client_wrote(user: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    attacker = Client()
    # The proxy appends the address it saw; whatever the attacker put before it changes nothing.
    for attempt in range(3):
        _login_through_proxy(
            attacker, f"nobody-{attempt}@example.com", "guess", f"198.51.100.{attempt}, {ATTACKER_IP}"
        )

    blocked = _login_through_proxy(attacker, user.email, PASSWORD, f"192.0.2.99, {ATTACKER_IP}")

    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.text


def test_axes_and_allauth_read_the_same_client_address(settings, rf) -> None:  # type: ignore[no-untyped-def]
    from allauth.account.adapter import get_adapter
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.post("/", REMOTE_ADDR=PROXY_IP, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER_IP}, 10.0.0.1")

    assert get_adapter(request).get_client_ip(request) == ATTACKER_IP
    assert get_client_ip_address(request) == ATTACKER_IP


def test_client_address_is_the_socket_peer_without_trusted_proxies(settings, rf) -> None:  # type: ignore[no-untyped-def]
    from studio.accounts.throttling import client_address

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.post("/", REMOTE_ADDR=ATTACKER_IP, HTTP_X_FORWARDED_FOR="192.0.2.1")

    assert client_address(request) == ATTACKER_IP
