"""A burst of mixed submits against a sandbox with small queue limits: nothing may fail for capacity.

Run from the repository root: `.venv/bin/python bench/burst.py [--tasks 300] [--members 10]
[--time-scale 0.1]`. Like `bench/engine.py` (whose helpers it uses), everything happens in a throwaway
embedded environment on 127.0.0.1 (gunicorn with the sandbox, `qcluster` for each lane, `run_poller`),
removed at the end. The last line printed is a JSON summary.

With no variables set it runs on the embedded default (a fresh SQLite file, the ORM broker). With
`DATABASE_URL=postgres://...` it creates a fresh database named after the URL's with `_burst` appended on
the same server, and drops it at the end; with `REDIS_URL=redis://.../N` the queue and the cache use that
Redis database, which the bench empties at the start and at the end (give it a database of its own).

The sandbox runs with queue limits: Midjourney answers code 23 (queue full) past `--sandbox-mj` jobs at
once, Veo3 and Sora2 answer 429 without Retry-After past `--sandbox-video` each. The team's limits are
set above them (`--mj-slots`, `--video-slots`, `--sora-slots`), so the studio must learn the lower ones
from the refusals. The generations come from `--members` people: one submits a batch of `--batch`, the
others share the rest, all at once through `start_generation`, as the web form does.

Figures:

* failed_for_capacity: generations failed with a capacity reason (must be 0).
* drain_s: from the first submit until every generation is finished.
* max_in_flight: per family, the most generations that held a slot at once, computed exactly from their
  status events (the claim is logged as waiting → submitting; the slot ends with the next status outside
  submitting/submitted/running); it must not exceed `limits`. `sandbox_max_running` is the sandbox's own
  count of tasks running at once per kind, from its stored timelines.
* capacity_answers: refusals the studio received (each one put a job back in line); `learned_limits`:
  the lower limits the studio held at the end.
* first_send_wait_s: from submit to first send, for the batch member, for everyone else, and for each
  other member's first job (a single job must not wait behind the whole batch).
* max_in_flight_by_write_order: the same replay in the order the events were written (exact on SQLite,
  where writes take turns). A claim's event is stamped once its claimer holds the slots' lock; it used to
  carry the moment the poller tick began, and the timestamp replay then showed one more than ever held a
  slot. `within_limits` checks this figure and the sampled one.
* max_in_flight_sampled: the same count read from the database once a second while draining (a
  cross-check of the exact figure, which it can only undershoot).
* not_succeeded: every generation that did not succeed, with its status and reason (capacity or not).
* duplicated: generations sent more often than refused for capacity plus once (must be 0).

The web server keeps idle connections for `--keep-alive` seconds, longer than the studio's client keeps
them (httpx's 5 s), as a real gateway's proxy does (nginx: 75 s). With gunicorn's default of 2 s, a submit
sometimes went out on a connection the server was closing, and honestly ended as "outcome unknown".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine  # bench/engine.py, next to this file

CAPACITY_CODES = {"queue_full", "rate_limited", "provider_busy", "model_not_available", "no_capacity"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300, help="generations in the burst (default 300)")
    parser.add_argument("--members", type=int, default=10, help="team members submitting")
    parser.add_argument("--batch", type=int, default=40, help="generations of the member with a batch")
    parser.add_argument("--time-scale", type=float, default=0.1, help="SANDBOX_TIME_SCALE")
    parser.add_argument("--interval", type=float, default=1.0, help="GENERATION_POLL_INTERVAL, s")
    parser.add_argument("--first-poll-delay", type=float, default=1.0)
    parser.add_argument("--tick", type=float, default=0.5, help="POLLER_TICK, s")
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS")
    parser.add_argument("--result-workers", type=int, default=2, help="Q_RESULT_WORKERS (results lane)")
    parser.add_argument("--sandbox-mj", type=int, default=3, help="Midjourney jobs the sandbox accepts")
    parser.add_argument("--sandbox-video", type=int, default=3, help="Veo3 / Sora2 jobs it runs at once")
    parser.add_argument("--mj-slots", type=int, default=5, help="the team's Midjourney limit")
    parser.add_argument("--video-slots", type=int, default=4, help="the team's Veo3 limit")
    parser.add_argument("--sora-slots", type=int, default=4, help="the team's Sora2 limit")
    parser.add_argument("--backoff", type=float, default=2.0, help="GENERATION_SLOT_BACKOFF, s")
    parser.add_argument("--recovery", type=float, default=60.0, help="GENERATION_SLOT_RECOVERY, s")
    parser.add_argument("--keep-alive", type=int, default=75, help="gunicorn --keep-alive, s")
    parser.add_argument("--timeout", type=float, default=1800.0, help="limit on the drain, s")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    args.kill = False
    return args


def burst_database_url(url: str) -> str:
    """The caller's PostgreSQL URL with `_burst` appended to the database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_burst"))


def recreate_postgres(url: str, *, drop_only: bool = False) -> None:
    """Drops the bench's database if it exists and, unless `drop_only`, creates it empty."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def backends(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
        "broker": "redis" if redis_url else "orm",
    }


def build_env(args: argparse.Namespace, folder: Path, port: int) -> dict[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    env = engine.build_env(args, folder, port)
    if database_url:
        env["DATABASE_URL"] = burst_database_url(database_url)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        {
            # Midjourney: `--sandbox-mj` accepted (running or in its queue), code 23 past them.
            "SANDBOX_MJ_CONCURRENCY": str(max(1, args.sandbox_mj - 1)),
            "SANDBOX_MJ_QUEUE_SIZE": str(1 if args.sandbox_mj > 1 else 0),
            "SANDBOX_VIDEO_CONCURRENCY": str(args.sandbox_video),
            "GENERATION_SLOT_BACKOFF": str(args.backoff),
            "GENERATION_SLOT_RECOVERY": str(args.recovery),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def make_team(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    from studio.accounts.models import Membership, Role, User

    user, team = engine.create_owner()
    team.midjourney_slots = args.mj_slots
    team.video_slots = args.video_slots
    team.sora_slots = args.sora_slots
    team.save(update_fields=["midjourney_slots", "video_slots", "sora_slots"])
    members = [user]
    for number in range(1, args.members):
        member = User.objects.create_user(email=f"member{number}@example.com", password=engine.PASSWORD)
        Membership.objects.create(team=team, user=member, role=Role.MEMBER)
        members.append(member)
    return team, members


def burst(args: argparse.Namespace, project: Any, members: list[Any]) -> dict[int, Any]:
    """Starts every generation at once: the batch member's first, then the others' in turn."""
    from studio.generations.services import start_generation

    rng = random.Random(args.seed)
    mixes = [engine.MIXES[index % len(engine.MIXES)] for index in range(args.tasks)]
    rng.shuffle(mixes)
    batch = min(args.batch, args.tasks) if len(members) > 1 else args.tasks
    owners = [members[0]] * batch + [members[1 + i % (len(members) - 1)] for i in range(args.tasks - batch)]
    started = {}
    for number, (mix, owner) in enumerate(zip(mixes, owners, strict=True)):
        generation = start_generation(
            project=project,
            user=owner,
            kind=mix.kind,
            model=mix.model,
            prompt=f"bench-{number:05d} a lighthouse at dawn",
            params=mix.params,
        )
        started[generation.pk] = owner
    return started


def wait_until_drained(
    args: argparse.Namespace, processes: Any, project: Any, started_at: float, sampled: dict[str, int]
) -> bool:
    """Waits until every generation is finished; `sampled` gets the most seen holding a slot per family."""
    from studio.generations.models import HOLDING_SLOT, TERMINAL, Generation, family_of

    terminal = {str(status) for status in TERMINAL}
    holding = {str(status) for status in HOLDING_SLOT}
    deadline = time.monotonic() + args.timeout
    last_report = 0.0
    while True:
        processes.check_alive()
        rows = Counter(Generation.objects.filter(project=project).values_list("status", "kind").order_by())
        counts: Counter[str] = Counter()
        in_flight: Counter[str] = Counter()
        for (status, kind), count in rows.items():
            counts[status] += count
            family = family_of(kind)
            if status in holding and family is not None:
                in_flight[str(family)] += count
        for name, count in in_flight.items():
            sampled[name] = max(sampled.get(name, 0), count)
        done = sum(count for status, count in counts.items() if status in terminal)
        if time.monotonic() - last_report >= 10 or done == args.tasks:
            last_report = time.monotonic()
            summary = " ".join(f"{status}={count}" for status, count in sorted(counts.items()))
            print(f"  t={time.time() - started_at:5.0f} s  {summary}")
        if done == args.tasks:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)


def max_in_flight(project: Any, *, order: str = "at") -> dict[str, int]:
    """The most generations of each family holding a slot at once, from their status events.

    `order="at"` replays the events by their timestamps; `order="id"` by the order they were written,
    which on SQLite (one writer at a time) is the order the slots were taken and given back.
    """
    from studio.generations.models import HOLDING_SLOT, GenerationEvent, family_of

    holding = {str(status) for status in HOLDING_SLOT}
    changes: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    inside: dict[int, bool] = {}
    events = (
        GenerationEvent.objects.filter(generation__project=project, kind=GenerationEvent.Kind.STATUS)
        .order_by(order, "id")
        .values_list("generation_id", "generation__kind", "status_to", order)
    )
    for generation_id, kind, status_to, at in events:
        family = family_of(kind)
        if family is None:
            continue
        now_inside = status_to in holding
        if now_inside != inside.get(generation_id, False):
            # At equal times a slot given back counts before one taken (it was freed first).
            changes[str(family)].append((at, 1 if now_inside else -1))
            inside[generation_id] = now_inside
    peaks = {}
    for family, steps in changes.items():
        level = peak = 0
        for _at, step in sorted(steps):
            level += step
            peak = max(peak, level)
        peaks[family] = peak
    return peaks


def sandbox_max_running() -> dict[str, int]:
    from studio.sandbox.models import SandboxTask

    steps: dict[str, list[tuple[Any, int]]] = defaultdict(list)
    for kind, starts_at, finishes_at in SandboxTask.objects.values_list("kind", "starts_at", "finishes_at"):
        if starts_at and finishes_at:
            steps[kind] += [(starts_at, 1), (finishes_at, -1)]
    peaks = {}
    for kind, changes in steps.items():
        level = peak = 0
        for _at, step in sorted(changes):
            level += step
            peak = max(peak, level)
        peaks[kind] = peak
    return peaks


def analyse(args: argparse.Namespace, project: Any, started: dict[int, Any]) -> dict[str, Any]:
    from django.db.models import Sum

    from studio.generations.models import FamilySlots, Generation, GenerationEvent

    generations = Generation.objects.filter(project=project)
    statuses = Counter(generations.values_list("status", flat=True).order_by())
    failed = list(generations.filter(status="failed").values_list("error_code", flat=True))
    first_sends: dict[int, Any] = {}
    for generation_id, at in (
        GenerationEvent.objects.filter(generation__project=project, kind=GenerationEvent.Kind.REQUEST)
        .order_by("at")
        .values_list("generation_id", "at")
    ):
        first_sends.setdefault(generation_id, at)
    created = dict(generations.values_list("pk", "created_at"))
    answers = dict(generations.values_list("pk", "capacity_answers"))
    batch_owner = started[min(started)]
    waits: dict[str, list[float]] = {"batch_member": [], "others": [], "others_first_job": []}
    seen: set[int] = set()
    for pk, at in sorted(first_sends.items(), key=lambda item: created[item[0]]):
        group = "batch_member" if started[pk] == batch_owner else "others"
        waits[group].append((at - created[pk]).total_seconds())
        if group == "others" and started[pk].pk not in seen:
            seen.add(started[pk].pk)
            waits["others_first_job"].append((at - created[pk]).total_seconds())
    not_succeeded = [
        {"id": pk, "kind": kind, "status": status, "error_code": code, "message": message[:200]}
        for pk, kind, status, code, message in generations.exclude(status="succeeded")
        .order_by("pk")
        .values_list("pk", "kind", "status", "error_code", "error_message")
    ]
    return {
        "statuses": dict(sorted(statuses.items())),
        "not_succeeded": not_succeeded,
        "failed_for_capacity": sum(1 for code in failed if code in CAPACITY_CODES),
        "failed_other": sum(1 for code in failed if code not in CAPACITY_CODES),
        "max_in_flight": max_in_flight(project),
        "max_in_flight_by_write_order": max_in_flight(project, order="id"),
        "sandbox_max_running": sandbox_max_running(),
        "capacity_answers": generations.aggregate(total=Sum("capacity_answers"))["total"] or 0,
        "learned_limits": {
            slots.family: slots.learned_limit for slots in FamilySlots.objects.filter(team=project.team)
        },
        # Sent more often than refused for capacity plus once: a job the gateway may run twice.
        "duplicated": sum(
            1
            for pk, count in Counter(
                GenerationEvent.objects.filter(
                    generation__project=project, kind=GenerationEvent.Kind.REQUEST
                ).values_list("generation_id", flat=True)
            ).items()
            if count > answers[pk] + 1
        ),
        "first_send_wait_s": {group: engine.spread(samples) for group, samples in waits.items()},
    }


def cleanup_servers(database_url: str, redis_url: str) -> None:
    """Drops the bench's PostgreSQL database and empties its Redis database; the folder holds the rest."""
    with contextlib.suppress(Exception):  # Django may not be set up if the bench stopped early.
        from django.db import connections

        connections.close_all()
    if database_url.startswith("postgres"):
        with contextlib.suppress(Exception):
            recreate_postgres(database_url, drop_only=True)
    if redis_url:
        with contextlib.suppress(Exception):
            flush_redis(redis_url)


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    port = engine.free_port()
    env = build_env(args, folder, port)
    processes = engine.Processes(env, folder)
    summary: dict[str, Any] = {
        "tasks": args.tasks,
        "members": args.members,
        "batch": args.batch,
        "time_scale": args.time_scale,
        "limits": {"midjourney": args.mj_slots, "video_task": args.video_slots, "sora": args.sora_slots},
        "sandbox_accepts": {
            "midjourney": args.sandbox_mj,
            "video": args.sandbox_video,
            "sora": args.sandbox_video,
        },
        "q_workers": args.workers,
        "q_result_workers": args.result_workers,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }
    database_url, redis_url = env["DATABASE_URL"], env.get("REDIS_URL", "")
    summary.update(backends(database_url, redis_url))
    failure = None
    try:
        with engine.time_limit(args.timeout + 300):
            where = backends(database_url, redis_url)
            print(f"Throwaway environment in {folder}; web on 127.0.0.1:{port}; {where}.")
            if database_url.startswith("postgres"):
                recreate_postgres(database_url)
            if redis_url:
                flush_redis(redis_url)
            subprocess.run(
                [engine.PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
                cwd=engine.ROOT,
                env=env,
                check=True,
            )
            engine.django_setup(env)
            from studio.projects.models import Project

            team, members = make_team(args)
            project = Project.objects.create(team=team, name="Burst bench")
            processes.add(
                "web",
                [
                    engine.PYTHON, "-m", "gunicorn", "counting_wsgi:application",
                    "--pythonpath", str(engine.BENCH), "--bind", f"127.0.0.1:{port}",
                    "--workers", "2", "--threads", "4", "--timeout", "120",
                    "--keep-alive", str(args.keep_alive),
                ],
            )  # fmt: skip
            engine.wait_for_http(f"http://127.0.0.1:{port}/accounts/login/", timeout=60)
            processes.add("worker", [engine.PYTHON, "manage.py", "qcluster"])
            processes.add("results", [engine.PYTHON, "manage.py", "qcluster"], env=engine.RESULTS_LANE)
            processes.add("poller", [engine.PYTHON, "manage.py", "run_poller"])
            started_at = time.time()
            started = burst(args, project, members)
            summary["burst_submit_s"] = round(time.time() - started_at, 1)
            print(f"Submitted {args.tasks} generations in {summary['burst_submit_s']} s; draining.")
            sampled: dict[str, int] = {}
            summary["drained"] = wait_until_drained(args, processes, project, started_at, sampled)
            summary["drain_s"] = round(time.time() - started_at, 1)
            summary["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
            summary["cpu_s"] = processes.cpu()
            summary.update(analyse(args, project, started))
            summary["max_in_flight_sampled"] = sampled
    except (KeyboardInterrupt, engine.BenchTimeout, Exception) as exc:
        failure = f"{type(exc).__name__}: {exc}"
        print(f"Stopped: {failure}")
        for name in processes.groups:
            tail = processes.tail(name, 8)
            if tail:
                print(f"--- last lines of {name}.log ---\n{tail}")
    finally:
        processes.stop_all()
        if args.keep:
            print(f"Kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            cleanup_servers(database_url, redis_url)
    if failure is not None:
        summary["error"] = failure
    else:
        within = all(
            max(
                summary["max_in_flight_by_write_order"].get(family, 0),
                summary["max_in_flight_sampled"].get(family, 0),
            )
            <= limit
            for family, limit in summary["limits"].items()
        )
        summary["within_limits"] = within
        print(
            f"failed_for_capacity={summary['failed_for_capacity']}  drain={summary['drain_s']} s  "
            f"max_in_flight={summary['max_in_flight']} (limits {summary['limits']})"
        )
        for row in summary["not_succeeded"][:20]:
            print(f"  not succeeded: {row}")

    print(json.dumps(summary, default=str))
    return 0 if failure is None and summary["failed_for_capacity"] == 0 and summary["within_limits"] else 1


if __name__ == "__main__":
    sys.exit(main())
