"""Ending access ends it everywhere at once: log-out, a password change, removal from a team.

A studio runs several web processes; a session ended in one must be dead in all the others on their very
next request, on the embedded default (no REDIS_URL) as with Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Membership, Role, Team, User
from studio.projects.models import Project
from tests import factories
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent


def _test_database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def _end_session_in_another_process(session_key: str) -> None:
    """Another web process ends the session the way log-out does, through its own session engine."""
    code = (
        "from importlib import import_module; from django.conf import settings; "
        f"import_module(settings.SESSION_ENGINE).SessionStore({session_key!r}).delete()"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env, "DATABASE_URL": _test_database_url()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_session_ended_in_another_process_is_dead_here_on_the_next_request(transactional_db: None) -> None:
    user = factories.make_user("owner@example.com")
    client = Client()
    client.force_login(user)
    # Read once here, as a web process does on every page (and as a per-process cache would keep it).
    assert client.get(reverse("profile")).status_code == 200

    _end_session_in_another_process(client.session.session_key or "")

    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sessions_are_not_kept_in_a_per_process_cache() -> None:
    uses_cache = settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"

    assert not uses_cache or settings.REDIS_URL


def test_logging_out_in_one_browser_ends_the_session_for_every_copy_of_its_cookie(user: User) -> None:
    browser = Client()
    browser.force_login(user)
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert stolen.get(reverse("profile")).status_code == 200

    browser.post(reverse("account_logout"))

    assert stolen.get(reverse("profile")).status_code == 302


def test_a_password_change_ends_the_users_other_sessions(user: User) -> None:
    laptop = Client()
    laptop.force_login(user)
    phone = Client()
    phone.force_login(user)
    assert phone.get(reverse("profile")).status_code == 200

    changed = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a new long passphrase", "password2": "a new long passphrase"},
    )

    assert changed.status_code == 302
    assert laptop.get(reverse("profile")).status_code == 200
    assert phone.get(reverse("profile")).status_code == 302


def test_a_removed_member_gets_404_on_the_teams_project_on_the_very_next_request(
    team: Team, project: Project, user: User, member_of, client_for
) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    member_browser = client_for(member)
    assert member_browser.get(reverse("project_detail", args=[project.pk])).status_code == 200
    membership = Membership.objects.get(team=team, user=member)

    removed = client_for(user).post(reverse("member_remove", args=[team.pk, membership.pk]))

    assert removed.status_code == 302
    assert member_browser.get(reverse("project_detail", args=[project.pk])).status_code == 404
    assert member_browser.get(reverse("project_history", args=[project.pk])).status_code == 404
    assert member_browser.get(reverse("team_members", args=[team.pk])).status_code == 404
