"""Run the studio's real worker and poller against the sandbox with N concurrent generations, and measure.

Run from the repository root: `.venv/bin/python bench/engine.py [--tasks 500] [--kill] [--interval 10]
[--time-scale 0.5]`. Everything happens in a throwaway embedded environment (a fresh SQLite file and media
folder in a temporary directory, the ORM broker) on 127.0.0.1 only, and every process is stopped and the
folder removed at the end, on errors and on Ctrl-C too. The last line printed is a JSON summary.

What runs: gunicorn serving the studio (and its sandbox gateway under /sandbox/) through `counting_wsgi.py`,
which logs every sandbox request; `manage.py qcluster` for each lane (the default one, and the results lane
with `Q_CLUSTER_NAME=aitre-results`); `manage.py run_poller`. This process submits the
generations through `studio.generations.services.start_generation`, exactly as the web form does, so their
submit tasks are queued on commit; then it waits until every one is finished.

How the figures are made:

* ready lag: from the moment the sandbox first reports a task done to the moment its card is succeeded with
  the thumbnail (image) or poster (video) stored. The sandbox keeps no status: it computes it from the
  task's stored timeline (`studio/sandbox/lifecycle.py`). Its answer turns to SUCCESS at its first internal
  poll tick (every `SANDBOX_POLL_INTERVAL` × time scale seconds, on a clock shared by all tasks) at or after
  the task's end, `starts_at + (queue_delay + finished_after) × time_scale`; `lifecycle.observe()` gives
  that tick as `finished_seen`, so the moment is exact, not sampled. The other end is the `at` of the
  generation's `succeeded` status event (ingest stores the previews before that transition). The lag is
  split into "detect" (done → the poller saw it, the generation's `succeeded_at`), "fetch" (→ the result
  downloaded, the asset's `fetched_at`: queue wait plus download) and "store" (→ previews made and saved).
* status requests: every request to the sandbox's status endpoints, from the request log. Veo3 and Sora2
  calls name their task in the path; a Midjourney `list-by-condition` call names its ids in the body and
  counts as 1/len(ids) of a call for each task in it. The per-task target is
  (task duration as the studio sees it, sandbox submit → first done report) / interval + 2.
* lost: generations not finished when everything stopped, succeeded ones without a stored result, and
  those whose sandbox task succeeded but that never reached `succeeded`.
* duplicated: generations with more than one REQUEST event, more than one sandbox task made from their
  prompt (each prompt carries a unique `bench-NNNNN` token), or duplicate asset positions.
* outcome unknown: with `--kill`, a kill between "request sent" and "answer stored" leaves a generation that
  honestly cannot know whether the gateway took the job. They are counted apart, with how many of them the
  sandbox did in fact create (found by their token), and are neither lost nor duplicated.
* browser polls: headless Chromium logs in through the login form, opens a project page with 24 (and then
  6) in-flight cards, and counts requests to /generations/poll/ over `--browser-seconds`.
* history: before the measured run the team makes `--history` generations of each mix (3 by default) in
  another project and waits for them, so the poller has finished work to learn each model's duration from
  (`engine/progress.py`), as for a team that has used the studio before; `--history 0` measures a new team.
  Midjourney submits carry a `notifyHook` to the studio, which the sandbox calls on loopback.
* thumbnails: `bench/thumbnails.py` is run as it is, after the servers stop, and its JSON is included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
PASSWORD = "bench-engine-password-4417"
EMAIL = "bench@example.com"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The results lane's worker (studio/queue.py): the same qcluster, told its cluster's name.
RESULTS_LANE = {"Q_CLUSTER_NAME": "aitre-results"}
# Variables of the studio that must not leak into the throwaway environment from the caller's shell.
STRIPPED_PREFIXES = ("SANDBOX_", "GENERATION_", "Q_", "DOWNLOAD_", "MEDIA_", "S3_")
STRIPPED_NAMES = {"REDIS_URL", "DATABASE_URL", "POLLER_TICK", "SITE_URL", "LOG_LEVEL", "DEBUG"}
TOKEN = re.compile(r"bench-(\d{5})")
# Issue 16: a card is ready within 5 s (p95) of the gateway reporting its task done, polling when it matters.
READY_LAG_TARGET = 5.0


class BenchTimeout(Exception):
    """The overall time limit ran out."""


@dataclass(frozen=True)
class Mix:
    kind: str
    model: str
    params: dict[str, Any]
    label: str


# Three families, as the studio mostly sees them: each status endpoint and Midjourney's batched query.
MIXES = (
    Mix("veo3_video", "veo3-fast", {"aspect_ratio": "16:9"}, "veo3"),
    Mix("sora2_video", "sora-2", {"seconds": 4, "size": "720x1280"}, "sora2"),
    Mix("mj_imagine", "midjourney", {}, "midjourney"),
)
# Browser-page cards must stay in flight during the whole count: Sora2 25 s clips are the longest jobs.
LONG_MIX = Mix("sora2_video", "sora-2", {"seconds": 25, "size": "720x1280"}, "sora2-25s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500, help="concurrent generations (default 500)")
    parser.add_argument("--interval", type=float, default=10.0, help="GENERATION_POLL_INTERVAL, s")
    parser.add_argument("--first-poll-delay", type=float, default=5.0, help="GENERATION_FIRST_POLL_DELAY")
    parser.add_argument("--tick", type=float, default=1.0, help="POLLER_TICK, s")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.5,
        help="SANDBOX_TIME_SCALE (0.5: Midjourney ~25 s, Veo3 fast ~35 s, Sora2 4 s ~45 s)",
    )
    parser.add_argument("--workers", type=int, default=2, help="Q_WORKERS (the embedded default is 2)")
    parser.add_argument(
        "--result-workers", type=int, default=2, help="Q_RESULT_WORKERS, the results lane's (default 2)"
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--web-threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--history",
        type=int,
        default=3,
        help="finished generations of each mix the team makes before the measured run, from which the "
        "poller learns how long each model takes (0: a team with no history)",
    )
    parser.add_argument("--kill", action="store_true", help="SIGKILL worker and poller three times")
    parser.add_argument(
        "--kill-at",
        default="auto",
        help="seconds after submitting at which to kill, e.g. 10,35,60; 'auto' (the default) kills once "
        "half the submits are done, once a quarter of the generations succeeded and once three quarters",
    )
    parser.add_argument("--timeout", type=float, default=None, help="engine phase limit, s")
    parser.add_argument("--browser-seconds", type=float, default=60.0, help="0 skips the browser count")
    parser.add_argument("--thumbnail-runs", type=int, default=30, help="0 skips bench/thumbnails.py")
    parser.add_argument("--port", type=int, default=0, help="web port (default: a free one in 8100-8999)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (for debugging)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.tasks < 1:
        parser.error("--tasks must be at least 1")
    if args.timeout is None:
        args.timeout = 240 + 1.5 * args.tasks + 200 * args.time_scale
    return args


def free_port() -> int:
    """A free loopback port in 8100-8999 (never 8000, where a developer's server may run)."""
    candidates = list(range(8100, 9000))
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port in 8100-8999")


def build_env(args: argparse.Namespace, folder: Path, port: int) -> dict[str, str]:
    """The environment of every process: the embedded default plus the bench's timing knobs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in STRIPPED_NAMES and not key.startswith(STRIPPED_PREFIXES)
    }
    base = f"http://127.0.0.1:{port}"
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "aitre_site.settings",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(folder / "media"),
            "MEDIA_WORK_DIR": str(folder / "work"),
            "SITE_URL": base,
            "SANDBOX_BASE_URL": f"{base}/sandbox",
            "SANDBOX_TIME_SCALE": str(args.time_scale),
            # A compressed real gateway runs every job at once; the sandbox's default Midjourney queue
            # (3 running, 10 waiting) would turn most of a burst away with code 23 instead.
            "SANDBOX_MJ_CONCURRENCY": "100000",
            "SANDBOX_MJ_QUEUE_SIZE": "100000",
            "GENERATION_POLL_INTERVAL": str(args.interval),
            "GENERATION_FIRST_POLL_DELAY": str(args.first_poll_delay),
            "POLLER_TICK": str(args.tick),
            "DOWNLOAD_ALLOWED_PRIVATE_HOSTS": "127.0.0.1,localhost",
            "Q_WORKERS": str(args.workers),
            "Q_RESULT_WORKERS": str(args.result_workers),
            "LOG_LEVEL": "INFO",
            "BENCH_REQUEST_LOG": str(folder / "requests.jsonl"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if args.kill:
        # Short leases so that the work of a killed process is taken over within seconds, and the ORM
        # broker re-delivering an unacknowledged task after 30 s instead of 12 minutes.
        env.update(
            {
                "GENERATION_SUBMIT_LEASE": "10",
                "GENERATION_INGEST_LEASE": "20",
                "GENERATION_REQUEUE_AFTER": "10",
                "Q_RETRY": "30",
                "Q_TIMEOUT": "25",
            }
        )
    return env


@dataclass
class Group:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    cpu_of_killed: float = 0.0
    starts: int = 0


@dataclass
class Processes:
    """The bench's child processes, each in its own process group (session), and their logs."""

    env: dict[str, str]
    folder: Path
    groups: dict[str, Group] = field(default_factory=dict)

    def add(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        self.groups[name] = Group(name, command, env or {})
        self.start(name)

    def start(self, name: str) -> None:
        group = self.groups[name]
        group.starts += 1
        log = (self.folder / f"{name}.log").open("ab")
        group.process = subprocess.Popen(
            group.command,
            cwd=ROOT,
            env={**self.env, **group.env},
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def kill_and_restart(self, name: str) -> None:
        group = self.groups[name]
        assert group.process is not None
        group.cpu_of_killed += cpu_seconds(group.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group.process.pid, signal.SIGKILL)
        group.process.wait(timeout=15)
        self.start(name)

    def check_alive(self) -> None:
        for group in self.groups.values():
            if group.process is not None and group.process.poll() is not None:
                raise RuntimeError(
                    f"{group.name} exited with {group.process.returncode}: {self.tail(group.name)}"
                )

    def cpu(self) -> dict[str, float]:
        return {
            name: round(group.cpu_of_killed + (cpu_seconds(group.process.pid) if group.process else 0.0), 1)
            for name, group in self.groups.items()
        }

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.folder / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop_all(self) -> None:
        """SIGTERM to every group, then SIGKILL to whatever is still running after 10 s."""
        running = [g.process for g in self.groups.values() if g.process and g.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for group in self.groups.values():
            if group.process is None:
                continue
            # Children of a group (qcluster's workers) may outlive their leader: the group is killed whole.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                group.process.wait(timeout=5)


def cpu_seconds(group_id: int) -> float:
    """CPU time (user + system, with reaped children) of every live process of a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        # utime stime cutime cstime.
        if int(fields[2]) == group_id:
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


def wait_for_http(url: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def percentile(samples: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile, as bench/thumbnails.py computes it; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def spread(samples: list[float]) -> dict[str, float | None]:
    return {
        "p50": rounded(percentile(samples, 0.5)),
        "p95": rounded(percentile(samples, 0.95)),
        "max": rounded(max(samples) if samples else None),
    }


# ------------------------------------------------------------------------------------------------ setup


def django_setup(env: dict[str, str]) -> None:
    """Points this process at the same database and media as its children, then sets Django up."""
    for key in list(os.environ):
        if key in STRIPPED_NAMES or key.startswith(STRIPPED_PREFIXES):
            del os.environ[key]
    os.environ.update(env)
    # This process only submits and reads; the children's logs are in their own files.
    os.environ["LOG_LEVEL"] = "WARNING"
    # Playwright's sync API runs an event loop in this thread; the ORM calls around it stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_owner() -> tuple[Any, Any]:
    from studio.accounts.models import User
    from studio.accounts.services import create_team

    user = User.objects.create_user(email=EMAIL, password=PASSWORD)
    team = create_team(name="Bench team", owner=user)
    return user, team


def start_mix(
    project: Any, user: Any, mixes: list[Mix], first_token: int, prefix: str = "bench"
) -> list[Any]:
    """Starts one generation per entry through the studio's own service, as the web form does."""
    from studio.generations.services import start_generation

    started = []
    for offset, mix in enumerate(mixes):
        token = f"{prefix}-{first_token + offset:05d}"
        started.append(
            start_generation(
                project=project,
                user=user,
                kind=mix.kind,
                model=mix.model,
                prompt=f"{token} a lighthouse at dawn, waves breaking on the rocks",
                params=mix.params,
            )
        )
    return started


# ------------------------------------------------------------------------------------------------ run


@dataclass(frozen=True)
class KillMoment:
    """When to kill: after `seconds`, or once a share of the generations reached a stage."""

    seconds: float | None = None
    submitted_share: float | None = None
    succeeded_share: float | None = None

    def is_due(self, elapsed: float, counts: Counter[str], total: int) -> bool:
        if self.seconds is not None:
            return elapsed >= self.seconds
        if self.submitted_share is not None:
            left_queue = total - counts["queued"]
            return left_queue >= self.submitted_share * total
        assert self.succeeded_share is not None
        return counts["succeeded"] >= self.succeeded_share * total

    def __str__(self) -> str:
        if self.seconds is not None:
            return f"at {self.seconds:g} s"
        if self.submitted_share is not None:
            return f"{self.submitted_share:.0%} of submits done"
        return f"{self.succeeded_share:.0%} succeeded"


def kill_moments(args: argparse.Namespace) -> list[KillMoment]:
    if not args.kill:
        return []
    if args.kill_at == "auto":
        # One kill in each phase: amid the submits, amid early ingests, amid late polls and ingests.
        return [
            KillMoment(submitted_share=0.5),
            KillMoment(succeeded_share=0.25),
            KillMoment(succeeded_share=0.75),
        ]
    return [KillMoment(seconds=float(value)) for value in sorted(float(v) for v in args.kill_at.split(","))]


@dataclass
class EngineRun:
    started_at: float = 0.0
    finished_at: float = 0.0
    kills: list[float] = field(default_factory=list)
    queue_depth_max: int = 0
    timed_out: bool = False


def make_history(args: argparse.Namespace, project: Any, user: Any) -> float:
    """The team's earlier work: `--history` generations of each mix, run to the end before the bench starts.

    The poller learns each model's duration from the team's finished generations; a team that has used the
    studio before has them. They are in their own project and finish before the measured run starts, so
    none of their requests or figures count. Returns the seconds it took.
    """
    from studio.generations.models import TERMINAL, Generation

    started = time.monotonic()
    mixes = [mix for mix in MIXES for _ in range(args.history)]
    if not mixes:
        return 0.0
    start_mix(project, user, mixes, first_token=0, prefix="earlier")
    terminal = [str(status) for status in TERMINAL]
    deadline = started + 300
    while time.monotonic() < deadline:
        pending = Generation.objects.filter(project=project).exclude(status__in=terminal).count()
        if not pending:
            break
        time.sleep(1.0)
    took = time.monotonic() - started
    print(f"The team's earlier work: {len(mixes)} generations finished in {took:.0f} s.")
    return took


def run_engine(args: argparse.Namespace, processes: Processes, project: Any, user: Any) -> EngineRun:
    """Submits N mixed generations and waits until every one is finished (or the phase times out)."""
    from django_q.models import OrmQ

    from studio.generations.models import TERMINAL, Generation

    rng = random.Random(args.seed)
    mixes = [MIXES[index % len(MIXES)] for index in range(args.tasks)]
    rng.shuffle(mixes)
    run = EngineRun(started_at=time.time())
    start_mix(project, user, mixes, first_token=0)
    print(f"Submitted {args.tasks} generations in {time.time() - run.started_at:.1f} s; waiting for them.")
    kill_at = kill_moments(args)
    deadline = time.monotonic() + args.timeout
    last_report = 0.0
    terminal = [str(status) for status in TERMINAL]
    while True:
        processes.check_alive()
        elapsed = time.time() - run.started_at
        counts = Counter(
            Generation.objects.filter(project=project).values_list("status", flat=True).order_by()
        )
        if kill_at and kill_at[0].is_due(elapsed, counts, args.tasks):
            moment = kill_at.pop(0)
            processes.kill_and_restart("worker")
            processes.kill_and_restart("results")
            processes.kill_and_restart("poller")
            run.kills.append(round(elapsed, 1))
            print(f"  t={elapsed:5.0f} s  SIGKILL worker and poller (process groups), restarted ({moment})")
        depth = OrmQ.objects.count()
        run.queue_depth_max = max(run.queue_depth_max, depth)
        done = sum(counts[status] for status in terminal)
        if time.monotonic() - last_report >= 10 or done == args.tasks:
            last_report = time.monotonic()
            summary = " ".join(f"{status}={count}" for status, count in sorted(counts.items()))
            print(f"  t={elapsed:5.0f} s  {summary}  queue={depth}")
        if done == args.tasks and not kill_at:
            break
        if time.monotonic() > deadline:
            run.timed_out = True
            unfinished = args.tasks - done
            print(f"  Engine phase stopped at its {args.timeout:.0f} s limit with {unfinished} unfinished.")
            break
        time.sleep(1.0)
    run.finished_at = time.time()
    return run


# ------------------------------------------------------------------------------------------------ analysis


def read_requests(path: Path, start: float, end: float) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if start <= record["t"] <= end:
                    records.append(record)
    return records


def classify(method: str, path: str) -> str:
    if path.startswith("/generations/poll/"):
        return "browser_poll"
    route = path.removeprefix("/sandbox")
    route = re.sub(r"^/mj-(?:fast|turbo|relax)/", "/", route)
    if method == "GET" and re.fullmatch(r"/v1/video/generations/[^/]+", route):
        return "status_veo3"
    if method == "GET" and re.fullmatch(r"/v1/videos/[^/]+", route):
        return "status_sora2"
    if method == "POST" and route == "/mj/task/list-by-condition":
        return "status_mj_batch"
    if method == "GET" and re.fullmatch(r"/mj/task/[^/]+/fetch", route):
        return "status_mj_single"
    if method == "POST" and (
        route in {"/v1/video/generations", "/v1/videos"} or route.startswith("/mj/submit/")
    ):
        return "submit"
    if "/cdn/" in route or route.endswith("/content") or route.startswith("/mj/image/"):
        return "download"
    return "other"


def midjourney_ticks(batches: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(calls, ids) of each poller tick's Midjourney batches: calls less than a second apart share a tick."""
    ticks: list[list[dict[str, Any]]] = []
    for record in sorted(batches, key=lambda r: r["t"]):
        if ticks and record["t"] - ticks[-1][-1]["t"] < 0.5:
            ticks[-1].append(record)
        else:
            ticks.append([record])
    return [(len(tick), sum(len(r.get("ids", [])) for r in tick)) for tick in ticks]


def analyse(args: argparse.Namespace, project: Any, run: EngineRun, folder: Path) -> dict[str, Any]:
    from studio.generations.models import TERMINAL, Asset, GenerationEvent, Status
    from studio.sandbox import lifecycle
    from studio.sandbox.models import SandboxTask

    generations = list(project.generations.prefetch_related("assets", "events").order_by("pk"))
    tasks = {task.public_id: task for task in SandboxTask.objects.all()}
    tasks_by_token: dict[str, list[Any]] = defaultdict(list)
    for task in tasks.values():
        match = TOKEN.search(task.prompt)
        if match:
            tasks_by_token[match.group(0)].append(task)

    def first_done_report(task: Any) -> tuple[float, str] | None:
        if task.finishes_at is None:
            return None
        period = task.poll_interval * task.time_scale
        seen = lifecycle.observe(task, now=task.finishes_at.timestamp() + 2 * period + 1)
        if seen.finished_seen is None:
            return None
        return seen.finished_seen, str(seen.stage)

    requests = read_requests(folder / "requests.jsonl", run.started_at - 1, run.finished_at + 1)
    kinds = Counter(classify(r["method"], r["path"]) for r in requests)
    calls_per_task: dict[str, float] = defaultdict(float)
    batches = []
    for record in requests:
        category = classify(record["method"], record["path"])
        if category in {"status_veo3", "status_sora2", "status_mj_single"}:
            task_id = record["path"].rstrip("/").split("/")[-1 if category != "status_mj_single" else -2]
            calls_per_task[task_id] += 1
        elif category == "status_mj_batch":
            batches.append(record)
            ids = record.get("ids") or []
            for task_id in ids:
                calls_per_task[task_id] += 1 / len(ids)
    status_calls = sum(
        kinds[k] for k in ("status_veo3", "status_sora2", "status_mj_batch", "status_mj_single")
    )
    server_ms = [r["ms"] for r in requests if classify(r["method"], r["path"]).startswith("status_")]

    statuses: Counter[str] = Counter()
    lags: list[float] = []
    detect: list[float] = []
    fetch: list[float] = []
    store: list[float] = []
    lag_by_family: dict[str, list[float]] = defaultdict(list)
    detect_by_family: dict[str, list[float]] = defaultdict(list)
    durations: dict[str, list[float]] = defaultdict(list)
    per_family_calls: dict[str, list[float]] = defaultdict(list)
    within_target = checked = 0
    lost: list[str] = []
    duplicated: list[str] = []
    unknown_created = 0
    no_preview = 0
    recovered: Counter[str] = Counter()
    for generation in generations:
        statuses[generation.status] += 1
        events = list(generation.events.all())
        assets = [a for a in generation.assets.all() if a.role == Asset.Role.RESULT]
        token_match = TOKEN.search(generation.prompt)
        token = token_match.group(0) if token_match else ""
        family = next(m.label for m in MIXES if m.kind == generation.kind)
        sends = sum(1 for e in events if e.kind == GenerationEvent.Kind.REQUEST)
        # Traces of work taken over after a kill: a submit claimed again, an ingest claimed again.
        recovered["submit_claimed_again"] += generation.submit_attempts > 1
        recovered["ingest_claimed_again"] += generation.ingest_attempts > 1
        recovered["requeued_before_sending"] += any(
            e.kind == "status" and e.status_from == Status.SUBMITTING and e.status_to == Status.QUEUED
            for e in events
        )
        positions = [a.position for a in assets]
        if sends > 1 or len(tasks_by_token.get(token, [])) > 1 or len(positions) != len(set(positions)):
            duplicated.append(f"{generation.pk}: sends={sends} upstream={len(tasks_by_token.get(token, []))}")
        if generation.status not in TERMINAL:
            lost.append(f"{generation.pk}: still {generation.status}")
            continue
        if generation.status == Status.OUTCOME_UNKNOWN:
            unknown_created += bool(tasks_by_token.get(token))
            continue
        task = tasks.get(generation.upstream_task_id)
        report = first_done_report(task) if task is not None else None
        if generation.status != Status.SUCCEEDED:
            if report is not None and report[1] == "SUCCESS":
                lost.append(f"{generation.pk}: {generation.status} though the sandbox succeeded")
            continue
        if not assets:
            lost.append(f"{generation.pk}: succeeded without a stored result")
            continue
        has_preview = all(a.thumbnail if a.kind == Asset.MediaKind.IMAGE else a.poster for a in assets)
        no_preview += not has_preview
        succeeded = next(e.at for e in events if e.kind == "status" and e.status_to == Status.SUCCEEDED)
        if report is None or task is None:
            continue
        done_at = report[0]
        duration = done_at - task.submitted_at.timestamp()
        durations[family].append(duration)
        lag = succeeded.timestamp() - done_at
        lags.append(lag)
        lag_by_family[family].append(lag)
        if generation.succeeded_at:
            detect.append(generation.succeeded_at.timestamp() - done_at)
            detect_by_family[family].append(detect[-1])
            fetched = min((a.fetched_at for a in assets if a.fetched_at), default=None)
            if fetched is not None:
                fetch.append(fetched.timestamp() - generation.succeeded_at.timestamp())
                store.append(succeeded.timestamp() - fetched.timestamp())
        calls = calls_per_task.get(generation.upstream_task_id, 0.0)
        per_family_calls[family].append(calls)
        checked += 1
        within_target += calls <= duration / args.interval + 2 + 1e-9

    ticks = midjourney_ticks(batches)
    mj_ids = [len(r.get("ids", [])) for r in batches]
    all_durations = [d for values in durations.values() for d in values]
    return {
        "statuses": dict(statuses),
        "ready_lag": spread(lags),
        "ready_lag_by_family": {family: spread(values) for family, values in sorted(lag_by_family.items())},
        "lag_parts": {"detect": spread(detect), "fetch": spread(fetch), "store": spread(store)},
        "detect_by_family": {family: spread(values) for family, values in sorted(detect_by_family.items())},
        "durations": {
            family: {
                "mean": rounded(statistics.mean(values)),
                "min": rounded(min(values)),
                "max": rounded(max(values)),
            }
            for family, values in sorted(durations.items())
        },
        "mean_duration": statistics.mean(all_durations) if all_durations else None,
        "status_calls": status_calls,
        "requests_by_kind": dict(sorted(kinds.items())),
        "status_calls_per_task_by_family": {
            family: rounded(statistics.mean(values)) for family, values in sorted(per_family_calls.items())
        },
        "status_within_target": f"{within_target}/{checked}",
        "status_server_ms": spread(server_ms),
        "mj_batches": {
            "calls": len(batches),
            "ids_per_call_max": max(mj_ids, default=0),
            "ids_per_call_mean": rounded(statistics.mean(mj_ids)) if mj_ids else None,
            "ticks": len(ticks),
            "ticks_over_1_call_per_100": sum(calls > max(1, math.ceil(ids / 100)) for calls, ids in ticks),
        },
        "lost": lost,
        "duplicated": duplicated,
        "outcome_unknown": statuses.get(Status.OUTCOME_UNKNOWN, 0),
        "outcome_unknown_created_upstream": unknown_created,
        "succeeded_without_preview": no_preview,
        "recovered": dict(recovered),
        "generations": len(generations),
    }


# ------------------------------------------------------------------------------------------------ browser


def count_browser_polls(args: argparse.Namespace, base_url: str, team: Any, user: Any) -> dict[str, Any]:
    """Opens a project page with 24, and one with 6, in-flight cards and counts the page's poll requests."""
    from playwright.sync_api import sync_playwright

    from studio.generations.models import LIVE
    from studio.projects.models import Project

    projects = {}
    for index, count in enumerate((24, 6)):
        project = Project.objects.create(team=team, name=f"Browser {count} cards")
        start_mix(project, user, [LONG_MIX] * count, first_token=90000 + index * 100)
        projects[count] = project
    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            pages = {}
            polls: dict[int, list[float]] = {}
            for count, project in projects.items():
                page = browser.new_context().new_page()
                page.set_default_timeout(30_000)
                page.goto(f"{base_url}/accounts/login/?next=/projects/{project.pk}/")
                page.get_by_label("Email").fill(EMAIL)
                page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
                page.get_by_role("button", name="Sign In").click()
                page.wait_for_url(f"**/projects/{project.pk}/")
                polls[count] = []
                page.on(
                    "request",
                    lambda request, times=polls[count]: (
                        times.append(time.monotonic()) if "/generations/poll/" in request.url else None
                    ),
                )
                pages[count] = page
            started = time.monotonic()
            live_at_start = {
                c: p.locator("#generation-poller").get_attribute("data-live") for c, p in pages.items()
            }
            while time.monotonic() - started < args.browser_seconds:
                next(iter(pages.values())).wait_for_timeout(500)
            ended = time.monotonic()
            live_at_end = {
                c: p.locator("#generation-poller").get_attribute("data-live") for c, p in pages.items()
            }
        finally:
            browser.close()
    seconds = ended - started
    for count, times in polls.items():
        inside = [t for t in times if started <= t <= ended]
        still_live = projects[count].generations.filter(status__in=LIVE).count()
        results[str(count)] = {
            "polls": len(inside),
            "per_min": round(len(inside) * 60 / seconds, 1),
            "cards_live_at_start": int(live_at_start[count] or 0),
            "cards_live_at_end": int(live_at_end[count] or 0),
            "in_flight_in_db_after": still_live,
        }
    results["seconds"] = round(seconds, 1)
    return results


# ------------------------------------------------------------------------------------------------ main


def run_thumbnails(runs: int) -> dict[str, Any] | None:
    """bench/thumbnails.py as it is (one core, quiet machine); its last line is its JSON summary."""
    if runs <= 0:
        return None
    print(f"Running bench/thumbnails.py --runs {runs} ...")
    done = subprocess.run(
        [PYTHON, str(BENCH / "thumbnails.py"), "--runs", str(runs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        print(f"  bench/thumbnails.py failed: {done.stderr[-500:]}")
        return None
    for line in lines[:-1]:
        print(f"  {line}")
    return json.loads(lines[-1])  # type: ignore[no-any-return]


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raises BenchTimeout in the main thread after `seconds`; SIGTERM stops the bench like Ctrl-C."""

    def expire(signum: int, frame: Any) -> None:
        raise BenchTimeout(f"overall limit of {seconds:.0f} s reached")

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous_alarm = signal.signal(signal.SIGALRM, expire)
    previous_term = signal.signal(signal.SIGTERM, terminate)
    signal.alarm(math.ceil(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGTERM, previous_term)


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    port = args.port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = build_env(args, folder, port)
    processes = Processes(env, folder)
    overall = args.timeout + args.browser_seconds + 420
    summary: dict[str, Any] = {
        "tasks": args.tasks,
        "interval_s": args.interval,
        "first_poll_delay_s": args.first_poll_delay,
        "poller_tick_s": args.tick,
        "time_scale": args.time_scale,
        "sandbox_poll_period_s": 15.0 * args.time_scale,
        "q_workers": args.workers,
        "q_result_workers": args.result_workers,
        "web": f"gunicorn {args.web_workers}x{args.web_threads}",
        "kill": args.kill,
        # Other work on the machine changes every timing here: the load average says how quiet it was.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }
    failure: str | None = None
    try:
        with time_limit(overall):
            print(f"Throwaway environment in {folder}; web on {base_url}; overall limit {overall:.0f} s.")
            subprocess.run(
                [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
            )
            django_setup(env)
            user, team = create_owner()
            # Every job at the gateway at once, as before the team's slot limits (bench/burst.py
            # measures the limits): this bench measures polling and ingest at scale.
            team.midjourney_slots = team.video_slots = team.sora_slots = max(args.tasks, 1)
            team.save(update_fields=["midjourney_slots", "video_slots", "sora_slots"])
            from studio.projects.models import Project

            project = Project.objects.create(team=team, name="Engine bench")
            processes.add(
                "web",
                [
                    PYTHON, "-m", "gunicorn", "counting_wsgi:application",
                    "--pythonpath", str(BENCH), "--bind", f"127.0.0.1:{port}",
                    "--workers", str(args.web_workers), "--threads", str(args.web_threads),
                    "--timeout", "120", "--graceful-timeout", "5",
                    # Idle connections outlive the studio client's (httpx: 5 s), as behind a real proxy.
                    "--keep-alive", "75",
                ],
            )  # fmt: skip
            wait_for_http(f"{base_url}/accounts/login/", timeout=60)
            processes.add("worker", [PYTHON, "manage.py", "qcluster"])
            processes.add("results", [PYTHON, "manage.py", "qcluster"], env=RESULTS_LANE)
            processes.add("poller", [PYTHON, "manage.py", "run_poller"])
            earlier = Project.objects.create(team=team, name="Earlier work")
            summary["history_per_mix"] = args.history
            summary["history_s"] = round(make_history(args, earlier, user), 1)
            run = run_engine(args, processes, project, user)
            summary["engine_wall_s"] = round(run.finished_at - run.started_at, 1)
            summary["load_average_after_engine"] = [round(value, 2) for value in os.getloadavg()]
            summary["cpu_s"] = processes.cpu()
            summary["queue_depth_max"] = run.queue_depth_max
            summary["kills_at_s"] = run.kills
            result = analyse(args, project, run, folder)
            summary["engine_timed_out"] = run.timed_out
            if args.browser_seconds > 0:
                print(f"Counting the browser's polls over {args.browser_seconds:.0f} s (24 and 6 cards) ...")
                try:
                    summary["browser"] = count_browser_polls(args, base_url, team, user)
                except Exception as exc:  # The engine's figures still stand without the browser's.
                    summary["browser_error"] = f"{type(exc).__name__}: {exc}"
                    print(f"  Browser count failed: {summary['browser_error']}")
    except (KeyboardInterrupt, BenchTimeout, Exception) as exc:
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
    if failure is None:
        summary["thumbnails"] = run_thumbnails(args.thumbnail_runs)
        report(summary, result, args)
    else:
        summary["error"] = failure
    print(json.dumps(summary))
    return 0 if failure is None else 1


def report(summary: dict[str, Any], result: dict[str, Any], args: argparse.Namespace) -> None:
    """Prints the human-readable lines and fills the JSON summary from the analysis."""
    target_lag = READY_LAG_TARGET
    mean_duration = result["mean_duration"]
    target_calls = None if mean_duration is None else mean_duration / args.interval + 2
    per_task = result["status_calls"] / max(1, result["generations"])
    summary.update(
        {
            "ready_lag_p50_s": result["ready_lag"]["p50"],
            "ready_lag_p95_s": result["ready_lag"]["p95"],
            "ready_lag_max_s": result["ready_lag"]["max"],
            "ready_lag_target_p95_s": target_lag,
            "ready_lag_by_family": result["ready_lag_by_family"],
            "ready_lag_parts_s": result["lag_parts"],
            "detect_by_family_s": result["detect_by_family"],
            "status_requests_per_task": round(per_task, 2),
            "status_requests_target_per_task": rounded(target_calls),
            "status_requests_per_task_by_family": result["status_calls_per_task_by_family"],
            "status_requests_within_per_task_target": result["status_within_target"],
            "status_server_ms": result["status_server_ms"],
            "midjourney_batches": result["mj_batches"],
            "requests_by_kind": result["requests_by_kind"],
            "task_durations_s": result["durations"],
            "lost": len(result["lost"]),
            "duplicated": len(result["duplicated"]),
            "outcome_unknown": result["outcome_unknown"],
            "outcome_unknown_created_upstream": result["outcome_unknown_created_upstream"],
            "succeeded_without_preview": result["succeeded_without_preview"],
            "recovered_after_kills": result["recovered"],
            "statuses": result["statuses"],
        }
    )
    browser = summary.get("browser")
    if browser:
        summary["browser_polls_per_min"] = browser["24"]["per_min"]
        summary["browser_polls_per_min_6_cards"] = browser["6"]["per_min"]
    thumbnails = summary.get("thumbnails")
    if thumbnails:
        summary["thumb_ms_p95"] = thumbnails["thumb_ms_p95"]
        summary["poster_ms_p95"] = thumbnails["poster_ms_p95"]

    print()
    killed = ", killed 3 times" if args.kill else ""
    print(
        f"{args.tasks} generations (Veo3 fast / Sora2 4 s / Midjourney imagine), "
        f"interval {args.interval:g} s, time scale {args.time_scale:g}, "
        f"{args.workers}+{args.result_workers} queue workers (default + results lane){killed}"
    )
    print(f"  finished in {summary['engine_wall_s']} s: {result['statuses']}")
    print(f"  task durations as the studio sees them (s): {result['durations']}")
    lag = result["ready_lag"]
    print(
        f"  ready lag p50 {lag['p50']} s, p95 {lag['p95']} s, max {lag['max']} s "
        f"(target p95 ≤ {target_lag:g} s)"
    )
    parts = result["lag_parts"]
    print(
        "  where it goes (p50/p95 s): detect "
        f"{parts['detect']['p50']}/{parts['detect']['p95']}, queue+download {parts['fetch']['p50']}/"
        f"{parts['fetch']['p95']}, previews+save {parts['store']['p50']}/{parts['store']['p95']}"
    )
    print(
        f"  status calls per task {per_task:.2f} (target ≤ {summary['status_requests_target_per_task']}); "
        f"by family {result['status_calls_per_task_by_family']}; within per-task target "
        f"{result['status_within_target']}"
    )
    print(f"  Midjourney batches: {result['mj_batches']}")
    created = result["outcome_unknown_created_upstream"]
    print(
        f"  lost {len(result['lost'])}, duplicated {len(result['duplicated'])}, outcome unknown "
        f"{result['outcome_unknown']} (the sandbox did create {created} of them)"
    )
    if args.kill:
        print(f"  work taken over after the kills: {result['recovered']}")
    for line in (result["lost"] + result["duplicated"])[:10]:
        print(f"    {line}")
    print(f"  CPU seconds by process group: {summary['cpu_s']}; max queue depth {summary['queue_depth_max']}")
    print(
        f"  load average (1/5/15 min) at start {summary['load_average_at_start']}, after the engine phase "
        f"{summary['load_average_after_engine']} on {os.cpu_count()} CPUs"
    )
    if browser:
        print(
            f"  browser polls per minute: {browser['24']['per_min']} with 24 cards, "
            f"{browser['6']['per_min']} with 6 cards (target ≤ 20)"
        )


if __name__ == "__main__":
    sys.exit(main())
