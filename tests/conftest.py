"""Fixtures shared by the whole suite: users in teams with roles, projects, and logged-in clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from studio.accounts.models import Membership, Role, Team, User
from studio.projects.models import Project
from tests import factories


def pytest_sessionstart(session: pytest.Session) -> None:
    """Tests read the compiled catalogues (*.mo, not committed): compile them when the .po is newer.

    Only the main process compiles; test workers (pytest-xdist) start after it has.
    """
    if hasattr(session.config, "workerinput"):
        return
    from django.conf import settings
    from django.core.management import call_command

    base = Path(settings.BASE_DIR)
    stale = [
        po
        for po in (base / "locale").glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        here = Path.cwd()
        os.chdir(base)
        try:
            call_command("compilemessages", ignore_patterns=[".venv/*", "var/*"], verbosity=0)
        finally:
            os.chdir(here)


@pytest.fixture
def user(db: None) -> User:
    return factories.make_user("owner@example.com")


@pytest.fixture
def team(user: User) -> Team:
    return factories.make_team(user, "Studio Team")


@pytest.fixture
def project(team: Team) -> Project:
    return factories.make_project(team, "Launch film")


@pytest.fixture
def other_team_user(db: None) -> User:
    """A user of another team: every URL naming our team's objects must 404 for them."""
    return factories.make_user("stranger@example.com")


@pytest.fixture
def member_of(team: Team) -> Callable[[str], User]:
    def make(role: str) -> User:
        member = factories.make_user(f"{role}-{Membership.objects.count()}@example.com")
        factories.add_member(team, member, role)
        return member

    return make


@pytest.fixture
def viewer(member_of: Callable[[str], User]) -> User:
    return member_of(Role.VIEWER)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(someone: User) -> Client:
        client = Client()
        client.force_login(someone)
        return client

    return make


@pytest.fixture
def session_queries(settings) -> int:  # type: ignore[no-untyped-def]
    """Queries a signed-in request spends reading its session: none when a shared cache holds sessions."""
    return 0 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db" else 1


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    """The production hasher takes ~0.3 s per password by design; tests need speed, not strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Each test stores files in a folder of its own, never in the developer's var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.MEDIA_WORK_DIR = str(tmp_path_factory.mktemp("work"))


@pytest.fixture(autouse=True)
def _fresh_gateway_clients() -> Iterator[None]:
    """Gateway clients are cached per process; each test starts with none open."""
    from studio.upstream import close_clients

    yield
    close_clients()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Puts the SQLite test database in this session's own temporary folder.

    Worker processes started by the tests need a database file (not memory) they can share; a folder per
    session means two test runs at once never share one, and stale WAL files of killed workers never meet
    a fresh database.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        suffix = database.get("TEST", {}).get("NAME", "test-db.sqlite3").rsplit("/", 1)[-1]
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.getbasetemp() / suffix)
