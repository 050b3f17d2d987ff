"""Measure the spend page and its streamed CSV at 100k generations, on SQLite or PostgreSQL.

Run from the repository root: `.venv/bin/python bench/spend.py [--database sqlite|postgres]
[--generations 100000] [--requests 20]`. Everything happens in a throwaway database, as in
`bench/gallery.py` (whose helpers this reuses). The last line printed is a JSON object with every figure.

`--generations` generations with settled charges are bulk-inserted, all in this month (the worst case for
the page, which aggregates the month), across 10 projects, 8 members, 6 models and 4 kinds. The page is
requested with Django's test Client as the owner (DEBUG off), `--requests` times, after three warm-up
requests. The CSV is streamed to the end once for its time, then once more under tracemalloc for its
peak memory, to show the rows are never all in memory. Targets: page p95 ≤ 100 ms server time, CSV ≤ 5 s.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import MODELS, percentile, setup_team
from gallery import ROOT, clean_environment, throwaway_database

sys.path.insert(0, str(ROOT))

TARGETS = {"spend_page_p95_ms": 100.0, "csv_seconds": 5.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--generations", type=int, default=100_000, help="generations behind the spend page")
    parser.add_argument("--requests", type=int, default=20, help="timed spend page requests")
    return parser.parse_args()


def seed_spend(count: int) -> tuple[Any, Any]:
    """Generations with settled charges, all in this month, spread over its days so far (bulk inserts)."""
    from django.db import transaction
    from django.utils import timezone

    from studio.accounts.models import Membership, Role, User
    from studio.costs.models import MICROS, Charge, month_start
    from studio.costs.services import rebuild_spend_days
    from studio.generations.models import Generation
    from studio.projects.models import Project

    rng = random.Random(7)
    team, first_project, owner = setup_team("Spend")
    members = [owner] + [User.objects.create_user(email=f"m{i}@example.com", password=None) for i in range(7)]
    Membership.objects.bulk_create(Membership(team=team, user=user, role=Role.MEMBER) for user in members[1:])
    projects = [first_project] + [
        Project.objects.create(team=team, name=f"Project {i}", created_by=owner) for i in range(9)
    ]
    now = timezone.now()
    month = month_start(now, "UTC")
    seconds_so_far = max(60, int((now - now.replace(day=1, hour=0, minute=0, second=0)).total_seconds()))
    batch = 5000
    for offset in range(0, count, batch):
        rows = []
        for _ in range(min(batch, count - offset)):
            kind, model, price = rng.choice(MODELS)
            rows.append(
                (
                    Generation(
                        team=team,
                        project=rng.choice(projects),
                        created_by=rng.choice(members),
                        kind=kind,
                        model=model,
                        prompt="a fox",
                        status="succeeded",
                        created_at=now - timedelta(seconds=rng.randrange(seconds_so_far)),
                    ),
                    int(Decimal(price) * MICROS),
                )
            )
        with transaction.atomic():
            Generation.objects.bulk_create([generation for generation, _amount in rows])
            Charge.objects.bulk_create(
                Charge(
                    generation=generation,
                    team=team,
                    project_id=generation.project_id,
                    user_id=generation.created_by_id,
                    kind=generation.kind,
                    model=generation.model,
                    price_name=generation.model,
                    created_at=generation.created_at,
                    month=month,
                    day=generation.created_at.date(),
                    estimate=amount,
                    amount=amount,
                    state="settled",
                    is_estimated=rng.random() < 0.3,
                )
                for generation, amount in rows
            )
    rebuild_spend_days(team=team)
    return team, owner


def stream(client: Any, url: str) -> tuple[int, int]:
    """Reads a streamed response to the end; returns its bytes and lines."""
    response = client.get(url, secure=True)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def measure(count: int, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    started = time.perf_counter()
    team, owner = seed_spend(count)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(owner)
    url = reverse("team_spend", args=[team.pk])
    for _ in range(3):
        assert client.get(url, secure=True).status_code == 200
    # Counted with a wrapper: the request_started signal empties the log CaptureQueriesContext reads.
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        client.get(url, secure=True)
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    csv_url = reverse("spend_csv", args=[team.pk])
    began = time.perf_counter()
    size, lines = stream(client, csv_url)
    csv_seconds = time.perf_counter() - began
    # A second pass under tracemalloc (which slows it down) shows the rows are never all in memory.
    tracemalloc.start()
    stream(client, csv_url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "generations": count,
        "seed_seconds": round(seeded, 1),
        "page_queries": len(queries),
        "page_p50_ms": round(statistics.median(timings), 2),
        "page_p95_ms": round(percentile(timings, 0.95), 2),
        "csv_rows": lines - 1,
        "csv_bytes": size,
        "csv_seconds": round(csv_seconds, 2),
        "csv_peak_memory_mb": round(peak / 1e6, 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    result: dict[str, Any] = {"database": connection.vendor, **measure(args.generations, args.requests)}
    result["targets"] = TARGETS
    result["all_targets_met"] = (
        result["page_p95_ms"] <= TARGETS["spend_page_p95_ms"]
        and result["csv_seconds"] <= TARGETS["csv_seconds"]
    )
    return result


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aitre-spend-bench-"))
    try:
        with throwaway_database(args, folder) as database_url:
            clean_environment(folder, database_url)
            summary = run(args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
