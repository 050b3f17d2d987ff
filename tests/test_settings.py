"""The settings: embedded defaults work, production is locked down, and misconfiguration stops start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "studio.example.com",
    "FIELD_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi1maWVsZC1lbmNyeXB0aW9uLWtleTE=",
    "SITE_URL": "https://studio.example.com",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never would.
    unset = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {**PRODUCTION_ENV, missing: ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_unknown_media_storage_is_refused() -> None:
    result = _manage("check", env={"MEDIA_STORAGE": "ftp"})

    assert result.returncode != 0
    assert "MEDIA_STORAGE must be" in result.stderr


def test_migrations_are_complete() -> None:
    result = _manage("makemigrations", "--check", "--dry-run", env={})

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_csp_has_nonces_and_no_unsafe_eval(settings) -> None:  # type: ignore[no-untyped-def]
    scripts = settings.SECURE_CSP["script-src"]

    assert any("nonce" in str(source).lower() for source in scripts)
    assert not any("unsafe" in str(source) for sources in settings.SECURE_CSP.values() for source in sources)
    assert settings.SECURE_CSP["object-src"] == ["'none'"]


def test_pages_carry_csp_nonce_matching_scripts(client, user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)

    response = client.get("/accounts/profile/")

    header = response["Content-Security-Policy"]
    nonce = header.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.text  # htmx's script tag
    assert "unsafe-eval" not in header
    assert "onclick=" not in response.text


def test_database_is_tuned_for_its_engine(db: None) -> None:
    """SQLite: WAL, BEGIN IMMEDIATE, a long busy timeout; PostgreSQL: pooled, health-checked connections."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            (mode,) = cursor.fetchone()
            cursor.execute("PRAGMA busy_timeout")
            (busy_timeout,) = cursor.fetchone()
        assert mode == "wal"
        assert busy_timeout >= 20_000
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    else:
        assert connection.vendor == "postgresql"
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
        assert connection.settings_dict["CONN_MAX_AGE"] == 60


def _addresses(env: dict[str, str]) -> list[str]:
    code = "from django.conf import settings; print(settings.SITE_URL); print(settings.SANDBOX_BASE_URL)"
    unset = {"SITE_URL", "SANDBOX_BASE_URL", "RUN_ADDR"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-2:]


@pytest.mark.parametrize(
    ("run_addr", "site"),
    [
        ("127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("0.0.0.0:8123", "http://127.0.0.1:8123"),
        ("9000", "http://127.0.0.1:9000"),
    ],
)
def test_sandbox_address_follows_the_address_the_server_listens_on(run_addr: str, site: str) -> None:
    assert _addresses({"RUN_ADDR": run_addr}) == [site, f"{site}/sandbox"]


def test_site_url_and_sandbox_base_url_override_the_listening_address() -> None:
    assert _addresses({"RUN_ADDR": "0.0.0.0:8001", "SITE_URL": "https://studio.example.com"}) == [
        "https://studio.example.com",
        "https://studio.example.com/sandbox",
    ]
    assert _addresses({"RUN_ADDR": "8001", "SANDBOX_BASE_URL": "http://10.0.0.5:9000/sandbox"}) == [
        "http://127.0.0.1:8001",
        "http://10.0.0.5:9000/sandbox",
    ]


def test_a_malformed_run_addr_stops_the_start_up() -> None:
    result = _manage("check", env={"RUN_ADDR": "localhost:http"})

    assert result.returncode != 0
    assert "RUN_ADDR" in result.stderr


def test_check_deploy_warns_when_the_sandbox_is_served_in_production() -> None:
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "SANDBOX_ENABLED": "true"}
    )

    assert result.returncode != 0
    assert "sandbox.W001" in result.stdout + result.stderr


def test_an_empty_email_url_means_the_console_default() -> None:
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])",
        env={"EMAIL_URL": ""},
    )

    assert result.returncode == 0, result.stderr
    assert "console" in result.stdout.lower()


def test_sessions_use_the_database_without_redis_and_the_shared_cache_with_it() -> None:
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"

    embedded = _manage("shell", "-c", code, env={"REDIS_URL": ""})
    with_redis = _manage("shell", "-c", code, env={"REDIS_URL": "redis://127.0.0.1:6379/1"})

    assert embedded.stdout.strip().endswith("sessions.backends.db"), embedded.stderr
    assert with_redis.stdout.strip().endswith("sessions.backends.cached_db"), with_redis.stderr
