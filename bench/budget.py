"""Measure budgets under concurrency and the submit latency they add (the spend page: bench/spend.py).

Run from the repository root: `.venv/bin/python bench/budget.py [--database sqlite|postgres]
[--parallel 50] [--sequential 200]`. Everything happens in a throwaway database, as in
`bench/gallery.py` (whose helpers this reuses). The last line printed is a JSON object with every figure.

1. Concurrency: a team budget that fits exactly 10 generations (0.40 each, limit 4.00); `--parallel`
   threads, each with its own database connection, wait at a barrier and then submit at once through
   `start_generation`, the service the form calls. `overspend` is what was reserved beyond the limit
   (must be 0); `accepted` must be 10.
2. Added latency: 200 sequential submits with a team, a project and a member budget in force (roomy
   limits); the time inside `reserve_cost` (settings, price, the counters' insert-if-missing, one
   guarded UPDATE of the three counters, the charge row) is the latency budgets add to a submit.
   Target p95 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gallery import ROOT, clean_environment, throwaway_database

sys.path.insert(0, str(ROOT))

TARGETS = {"overspend": 0, "added_latency_p95_ms": 5.0}
MODELS = [
    ("veo3_video", "veo3-fast", "0.4"),
    ("veo3_video", "veo3", "2.0"),
    ("mj_imagine", "midjourney", "0.1"),
    ("images_generate", "dall-e-3", "0.04"),
    ("images_generate", "flux-dev", "0.025"),
    ("sora2_video", "sora-2", "0.1"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--parallel", type=int, default=50, help="parallel submits at a budget that fits 10")
    parser.add_argument("--sequential", type=int, default=200, help="submits timed for the added latency")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def setup_team(name: str) -> tuple[Any, Any, Any]:
    from studio.accounts.models import Membership, Role, Team, User
    from studio.costs import services
    from studio.projects.models import Project

    owner = User.objects.create_user(email=f"owner-{name}@example.com", password=None)
    team = Team.objects.create(name=name)
    Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    project = Project.objects.create(team=team, name=f"{name} project", created_by=owner)
    for _kind, model, price in MODELS:
        services.save_price_override(
            team=team,
            actor=owner,
            name=model,
            quota_type="call",
            model_price=Decimal(price),
            model_ratio=Decimal(0),
            completion_ratio=Decimal(1),
        )
    return team, project, owner


def concurrency(parallel: int) -> dict[str, Any]:
    from django.db import connection

    from studio.costs import services
    from studio.costs.models import MICROS, Charge, SpendCounter
    from studio.generations.services import GenerationRuleError, start_generation

    team, project, owner = setup_team("Concurrency")
    limit = 4 * MICROS
    services.save_budget(team=team, actor=owner, scope="team", limit=limit, warn_percent=80)
    accepted: list[int] = []
    refused: list[str] = []
    errors: list[str] = []
    barrier = threading.Barrier(parallel)

    def submit() -> None:
        try:
            barrier.wait()
            generation = start_generation(
                project=project, user=owner, kind="veo3_video", model="veo3-fast", prompt="a fox", params={}
            )
            accepted.append(generation.pk)
        except GenerationRuleError as exc:
            refused.append(str(exc))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()  # each thread has its own; leave none open on PostgreSQL

    threads = [threading.Thread(target=submit) for _ in range(parallel)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    reserved = sum(Charge.objects.filter(team=team).values_list("amount", flat=True))
    counter = SpendCounter.objects.get(scope="team", scope_id=team.pk).amount
    return {
        "parallel": parallel,
        "accepted": len(accepted),
        "refused": len(refused),
        "errors": errors[:5],
        "error_count": len(errors),
        "overspend": max(0, reserved - limit, counter - limit) / MICROS,
        "reserved": reserved / MICROS,
        "limit": limit / MICROS,
        "counter_matches_charges": counter == reserved,
        "seconds": round(seconds, 3),
    }


def added_latency(count: int) -> dict[str, Any]:
    from studio.costs import services
    from studio.costs.models import MICROS
    from studio.generations import services as generation_services

    team, project, owner = setup_team("Latency")
    for scope, extra in (("team", {}), ("project", {"project": project}), ("member", {"user": owner})):
        services.save_budget(
            team=team, actor=owner, scope=scope, limit=10_000 * MICROS, warn_percent=80, **extra
        )
    timings: list[float] = []
    totals: list[float] = []
    original = generation_services.reserve_cost

    def timed(**kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            timings.append((time.perf_counter() - started) * 1000)

    generation_services.reserve_cost = timed  # type: ignore[assignment]
    try:
        for _ in range(count):
            started = time.perf_counter()
            generation_services.start_generation(
                project=project, user=owner, kind="veo3_video", model="veo3-fast", prompt="a fox", params={}
            )
            totals.append((time.perf_counter() - started) * 1000)
    finally:
        generation_services.reserve_cost = original
    return {
        "submits": count,
        "added_p50_ms": round(statistics.median(timings), 3),
        "added_p95_ms": round(percentile(timings, 0.95), 3),
        "submit_p50_ms": round(statistics.median(totals), 3),
        "submit_p95_ms": round(percentile(totals, 0.95), 3),
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
    result: dict[str, Any] = {"database": connection.vendor}
    result["concurrency"] = concurrency(args.parallel)
    print(f"concurrency: {json.dumps(result['concurrency'])}", flush=True)
    result["latency"] = added_latency(args.sequential)
    print(f"latency: {json.dumps(result['latency'])}", flush=True)
    result["overspend"] = result["concurrency"]["overspend"]
    result["accepted"] = result["concurrency"]["accepted"]
    result["added_latency_p95_ms"] = result["latency"]["added_p95_ms"]
    result["targets"] = TARGETS
    result["all_targets_met"] = (
        result["overspend"] == 0
        and result["accepted"] == 10
        and result["added_latency_p95_ms"] <= TARGETS["added_latency_p95_ms"]
    )
    return result


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aitre-budget-bench-"))
    try:
        with throwaway_database(args, folder) as database_url:
            clean_environment(folder, database_url)
            summary = run(args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
