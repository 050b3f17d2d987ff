"""Fixtures for the generation engine: the sandbox gateway on loopback, and the real worker and poller."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from studio.accounts.models import Team, User
from studio.generations.engine import capacity, ingest, poller, submit
from studio.generations.models import POLLED, Generation, Status
from studio.projects.models import Project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox(live_server, settings, transactional_db) -> str:  # type: ignore[no-untyped-def]
    """The sandbox gateway served by a live server on loopback; teams on the sandbox talk to it over HTTP."""
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    settings.SANDBOX_TIME_SCALE = 0.004  # A Veo3 task takes about half a second.
    settings.SANDBOX_POLL_INTERVAL = 15.0
    settings.GENERATION_FIRST_POLL_DELAY = 0.0
    settings.GENERATION_POLL_INTERVAL = 0.1
    settings.GENERATION_SLOT_BACKOFF = 0.1
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = ["localhost", "127.0.0.1"]
    return str(settings.SANDBOX_BASE_URL)


def _make_due(generation: Generation) -> None:
    Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(next_poll_at=None)
    from django.utils import timezone

    Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(next_poll_at=timezone.now())


@pytest.fixture
def drive() -> Callable[..., Generation]:
    """Runs a generation through submit, polling and ingest in this process, as worker and poller would."""

    def run(generation: Generation, *, until: set[str] | None = None, timeout: float = 20.0) -> Generation:
        stop = until or {Status.SUCCEEDED, Status.FAILED, Status.OUTCOME_UNKNOWN, Status.CANCELED}
        deadline = time.monotonic() + timeout
        while True:
            generation.refresh_from_db()
            if generation.status in stop:
                return generation
            if time.monotonic() > deadline:
                raise AssertionError(f"Stuck in {generation.status} after {timeout} s")
            if generation.status == Status.QUEUED:
                submit.submit_generation(generation.pk)
            elif generation.status == Status.WAITING:
                # The poller gives it a slot when one is free; the worker then sends it under that claim.
                capacity.dispatch_waiting()
                time.sleep(0.05)
            elif generation.status == Status.SUBMITTING and generation.claim_token and not generation.sent_at:
                submit.submit_generation(generation.pk, str(generation.claim_token))
            elif generation.status == Status.INGESTING:
                Generation.objects.filter(pk=generation.pk).update(claim_expires_at=None)
                ingest.ingest_generation(generation.pk)
            else:
                _make_due(generation)
                poller.poll_due_generations()
                time.sleep(0.05)

    return run


@pytest.fixture
def sandbox_project(sandbox: str, user: User, team: Team, project: Project) -> Project:
    return project


def _test_database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def studio_workers(sandbox: str, settings) -> Iterator[Callable[[str], None]]:  # type: ignore[no-untyped-def]
    """The studio's real django-q2 clusters (both lanes) and poller, as subprocesses on the test database.

    Yields a function that kills one of them with SIGKILL and starts it again (for the kill-and-resume
    tests). Both are stopped at the end.
    """
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MEDIA_WORK_DIR": str(settings.MEDIA_WORK_DIR),
        "SANDBOX_BASE_URL": sandbox,
        "GENERATION_FIRST_POLL_DELAY": "0",
        "GENERATION_POLL_INTERVAL": "0.3",
        "POLLER_TICK": "0.2",
        "DOWNLOAD_ALLOWED_PRIVATE_HOSTS": "localhost,127.0.0.1",
        "Q_WORKERS": "2",
        "Q_RETRY": "20",
        "Q_TIMEOUT": "15",
        "LOG_LEVEL": "WARNING",
        "GENERATION_SUBMIT_LEASE": "4",
        "GENERATION_INGEST_LEASE": "6",
        "GENERATION_REQUEUE_AFTER": "3",
    }
    commands = {
        "worker": [sys.executable, "manage.py", "qcluster"],
        "results worker": [sys.executable, "manage.py", "qcluster"],
        "poller": [sys.executable, "manage.py", "run_poller"],
    }
    lanes = {"worker": settings.Q_CLUSTER["name"], "results worker": settings.RESULTS_QUEUE}
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(name: str) -> None:
        processes[name] = subprocess.Popen(
            commands[name],
            cwd=ROOT,
            env={**env, "Q_CLUSTER_NAME": lanes[name]} if name in lanes else env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )

    def kill_and_restart(name: str) -> None:
        # "worker" is both lanes' workers: a killed machine loses them together.
        for each in ("worker", "results worker") if name == "worker" else (name,):
            os.killpg(processes[each].pid, signal.SIGKILL)
            processes[each].wait(timeout=10)
            start(each)

    for name in commands:
        start(name)
    yield kill_and_restart
    # SIGKILL straight away: every task is idempotent and state lives in the database (the tests above
    # prove it), and a clean qcluster shutdown takes over ten seconds.
    for process in processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    for process in processes.values():
        process.wait(timeout=10)


def wait_for(predicate: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("Timed out waiting")
