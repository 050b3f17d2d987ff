"""Measure the history gallery: SQL queries per page and server time on a 10k project and a 100k team.

Run from the repository root: `.venv/bin/python bench/gallery.py [--database sqlite|postgres]
[--requests 50] [--explain]`. Everything happens in a throwaway database: a SQLite file in a temporary
folder, or a PostgreSQL database created on 127.0.0.1:5432 as user `postgres` (`--pg-url` to change) and
dropped at the end, on errors and on Ctrl-C too. The last line printed is a JSON object with every figure.

What is seeded (bulk_create, no signals): one team of 8 members with 10 projects of 10,000 generations
each (100,000 in the team; the first project is "the 10k project"), spread over a year, newest first, some
sharing a timestamp (batch submits). Prompts are realistic English with about 10% Chinese; the word
"lighthouse" is in 1% of them (the search). Statuses and kinds are mixed as the studio sees them; 85% have
a result file record (image with thumbnail, or video with poster; the files themselves are not needed to
render a page), 10% have one or two of 12 team tags, 3% are the owner's favourites, 2% are in the trash.
PostgreSQL is ANALYZEd after seeding, as autovacuum would do; SQLite is not (nothing in the studio runs
ANALYZE or `PRAGMA optimize`), so its planner works without statistics as it would in production.

How the figures are made: Django's test Client in this process, logged in as the owner, with DEBUG off
(so the cached template loader, as in production) and HTTPS requests (production redirects plain HTTP).
The filter options are cached after the first request, as in production. Each scenario is requested a
few times to warm up, then `--requests` times; the time is the wall time of `client.get`, which includes
the whole middleware stack and rendering. Queries are counted with CaptureQueriesContext on a warm request.
A trivial view (`/bench/ping/`, login required, plain text, same middleware) is timed in the same run; the
ratio is the gallery's p50 over the trivial view's p50.

Scenarios: the 10k project's first page (24 and 96 cards), a page about 200 pages deep (the cursor is built
from the row at that position, as following "load more" 200 times would), a filtered page (kind + status +
author), a search ("lighthouse"), and the 100k team's first page. Targets: at most 8 queries per page, the
same for 24 and 96 cards; p95 at most 50 ms for pages and 100 ms for the search.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROJECTS = 10
PER_PROJECT = 10_000
MEMBERS = 8
TAGS = 12
SEARCH_WORD = "lighthouse"
DEEP_PAGES = 200
WARM_UP = 3
TARGETS = {"queries": 8, "page_p95_ms": 50.0, "search_p95_ms": 100.0}
# Variables of the studio that must not leak into the throwaway environment from the caller's shell.
STRIPPED_PREFIXES = ("SANDBOX_", "GENERATION_", "Q_", "DOWNLOAD_", "MEDIA_", "S3_", "SECURE_")
STRIPPED_NAMES = {"REDIS_URL", "DATABASE_URL", "DEBUG", "SITE_URL", "LOG_LEVEL", "ALLOWED_HOSTS"}

SUBJECTS = [
    "a red fox",
    "an old castle",
    "a paper boat",
    "a neon city street",
    "a snowy mountain village",
    "a cup of coffee",
    "a golden retriever",
    "a vintage car",
    "a koi pond",
    "a desert caravan",
    "a space station",
    "a rainy train platform",
    "a field of sunflowers",
    "a jazz band",
    "a bonsai tree",
    "a steam locomotive",
    "a glass skyscraper",
    "a tiny robot",
    "a market stall",
    "a sleeping cat",
]
ACTIONS = [
    "walking through",
    "floating above",
    "reflected in",
    "hidden behind",
    "glowing inside",
    "racing across",
    "resting beside",
    "emerging from",
    "spinning around",
    "painted on",
]
PLACES = [
    "the morning fog",
    "a quiet harbour",
    "an autumn forest",
    "the city at night",
    "a frozen lake",
    "rolling hills",
    "a crowded bazaar",
    "a sunlit kitchen",
    "the edge of a cliff",
    "a bamboo grove",
]
STYLES = [
    "cinematic lighting",
    "35mm film grain",
    "studio photo",
    "watercolor",
    "isometric 3D render",
    "soft pastel palette",
    "dramatic backlight",
    "ultra detailed",
    "anime style",
    "golden hour",
]
CHINESE = [
    "一只在雪地里奔跑的红狐狸",
    "夜晚霓虹灯下的城市街道",
    "雨中的老上海弄堂",
    "山顶上的古老城堡",
    "漂浮在湖面上的纸船",
    "秋天森林里的小木屋",
    "沙漠中的骆驼商队",
    "樱花树下的猫",
]
KINDS = [
    ("mj_imagine", "midjourney", "image", 35),
    ("veo3_video", "veo3-fast", "video", 20),
    ("sora2_video", "sora-2", "video", 15),
    ("mj_action", "midjourney", "image", 15),
    ("images_generate", "gpt-image-1", "image", 10),
    ("chat", "gpt-4o-mini", "", 5),
]
STATUSES = [("succeeded", 85), ("failed", 7), ("running", 3), ("canceled", 2), ("timed_out", 3)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario (default 50)")
    parser.add_argument("--explain", action="store_true", help="print each scenario's query plan")
    parser.add_argument("--profile", metavar="SCENARIO", help="print where one scenario spends its time")
    parser.add_argument("--per-project", type=int, default=PER_PROJECT, help="generations per project")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite)")
    return parser.parse_args()


# The throwaway environment ------------------------------------------------------------------------------


def clean_environment(folder: Path, database_url: str) -> None:
    """The embedded default with production's DEBUG off, pointed at the throwaway database."""
    for key in list(os.environ):
        if key.startswith(STRIPPED_PREFIXES) or key in STRIPPED_NAMES:
            del os.environ[key]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "aitre_site.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "SANDBOX_ENABLED": "false",
            "MEDIA_ROOT": str(folder / "media"),
            "MEDIA_WORK_DIR": str(folder / "work"),
            "LOG_LEVEL": "WARNING",
        }
    )


@contextlib.contextmanager
def throwaway_database(args: argparse.Namespace, folder: Path) -> Iterator[str]:
    """Yields the DATABASE_URL of a fresh database, removed afterwards."""
    if args.database == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"aitre_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{args.pg_url}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Seeding --------------------------------------------------------------------------------------------


def weighted(rng: random.Random, choices: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(choices, weights=[choice[-1] for choice in choices])[0]


def make_prompt(rng: random.Random, index: int) -> str:
    if rng.random() < 0.10:
        prompt = f"{rng.choice(CHINESE)}，{rng.choice(STYLES)}"
    else:
        prompt = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(PLACES)}, {rng.choice(STYLES)}"
    # Exactly one in a hundred, spread evenly, so a search matches about 1%.
    if (index // PROJECTS) % 100 == 37:
        prompt = f"{prompt}, a {SEARCH_WORD} on the horizon"
    return prompt


def seed(rng: random.Random, per_project: int) -> dict[str, Any]:
    """The team, its members, projects, generations, result records, tags and favourites."""
    from django.db import connection, transaction
    from django.utils import timezone

    from studio.accounts.models import Membership, Role, Team, User
    from studio.generations.models import Asset, Favourite, Generation, Tag
    from studio.projects.models import Project

    started = time.perf_counter()
    users = [User.objects.create_user(email=f"member{i}@example.com", password=None) for i in range(MEMBERS)]
    team = Team.objects.create(name="Bench team")
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=Role.OWNER if i == 0 else Role.MEMBER)
        for i, user in enumerate(users)
    )
    projects = [
        Project.objects.create(team=team, name=f"Project {i}", created_by=users[0]) for i in range(PROJECTS)
    ]
    tags = Tag.objects.bulk_create(Tag(team=team, name=f"tag {i}") for i in range(TAGS))
    now = timezone.now()
    year = timedelta(days=365)
    total = PROJECTS * per_project
    batch = 2000
    Through = Generation.tags.through
    for start in range(0, total, batch):
        rows: list[Generation] = []
        for index in range(start, min(start + batch, total)):
            kind, model, media, _weight = weighted(rng, KINDS)
            status = weighted(rng, STATUSES)[0]
            # Newest first by index; one in five shares its neighbour's timestamp (a batch submit).
            moment = now - year * (index / total)
            if index % 5 == 1:
                moment = rows[-1].created_at if rows else moment
            prompt = make_prompt(rng, index)
            answer = "这是一个回答" if kind == "chat" and status == "succeeded" else ""
            rows.append(
                Generation(
                    team=team,
                    project=projects[index % PROJECTS],
                    created_by=users[rng.randrange(MEMBERS)],
                    kind=kind,
                    model=model,
                    prompt=prompt,
                    params={"aspect_ratio": "16:9"} if media == "video" else {},
                    status=status,
                    progress=100 if status == "succeeded" else 0,
                    result_text=answer,
                    search_text=Generation.build_search_text(prompt, answer),
                    created_at=moment,
                    finished_at=moment + timedelta(seconds=40),
                    deleted_at=now if rng.random() < 0.02 else None,
                    submit_key=uuid.uuid4(),
                )
            )
        with transaction.atomic():
            made = Generation.objects.bulk_create(rows)
            if connection.vendor == "sqlite" and made[0].pk is None:
                raise SystemExit("bulk_create returned no ids; SQLite 3.35+ is needed")
            assets = []
            for generation in made:
                media = next(m for k, _model, m, _w in KINDS if k == generation.kind)
                if generation.status != "succeeded" or not media or rng.random() > 0.97:
                    continue
                folder = f"teams/{team.pk}/projects/{generation.project_id}"
                assets.append(
                    Asset(
                        team=team,
                        project_id=generation.project_id,
                        generation=generation,
                        created_by_id=generation.created_by_id,
                        role=Asset.Role.RESULT,
                        position=0,
                        kind=media,
                        file=f"{folder}/{uuid.uuid4().hex}.{'png' if media == 'image' else 'mp4'}",
                        mime_type="image/png" if media == "image" else "video/mp4",
                        size=rng.randrange(200_000, 8_000_000),
                        sha256="0" * 64,
                        width=1024,
                        height=1024 if media == "image" else 576,
                        duration=None if media == "image" else 8.0,
                        thumbnail=f"{folder}/derived/{uuid.uuid4().hex}.webp" if media == "image" else "",
                        poster=f"{folder}/derived/{uuid.uuid4().hex}.webp" if media == "video" else "",
                        created_at=generation.created_at,
                    )
                )
            Asset.objects.bulk_create(assets)
            links = []
            for generation in made:
                if rng.random() < 0.10:
                    for tag in rng.sample(tags, rng.choice([1, 2])):
                        links.append(Through(generation_id=generation.pk, tag_id=tag.pk))
            Through.objects.bulk_create(links)
            Favourite.objects.bulk_create(
                Favourite(user=users[0], generation=generation) for generation in made if rng.random() < 0.03
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "team": team,
        "project": projects[0],
        "owner": users[0],
        "author": users[3],
        "seconds": time.perf_counter() - started,
        "counts": {
            "team_generations": Generation.objects.filter(team=team).count(),
            "project_generations": Generation.objects.filter(project=projects[0]).count(),
            "assets": Asset.objects.count(),
            "tag_links": Through.objects.count(),
            "favourites": Favourite.objects.count(),
            "search_matches_in_project": Generation.objects.filter(
                project=projects[0], search_text__contains=SEARCH_WORD
            ).count(),
        },
    }


# Measuring ------------------------------------------------------------------------------------------


def ping_urlconf() -> str:
    """The studio's URLs plus a trivial view with the same middleware, as a baseline."""
    import types

    from django.contrib.auth.decorators import login_required
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    import aitre_site.urls

    @login_required
    def ping(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    module = types.ModuleType("bench_gallery_urls")
    module.urlpatterns = [path("bench/ping/", ping), *aitre_site.urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(get: Callable[[], Any], requests: int) -> dict[str, float]:
    for _ in range(WARM_UP):
        get()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        get()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
    }


def profile(get: Callable[[], Any]) -> None:
    """The functions a page spends its time in (cumulative), over ten requests."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        get()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(20)


def gallery_query(queries: list[dict[str, str]]) -> str:
    """The page's own query: the one that reads generations in order."""
    return next(
        q["sql"] for q in queries if 'FROM "generations_generation"' in q["sql"] and "ORDER BY" in q["sql"]
    )


def time_sql(sql: str, runs: int) -> dict[str, float]:
    """The page's own query run alone: how much of the page's time is the database's."""
    from django.db import connection

    def run_query() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    timing = measure(run_query, runs)
    return {"sql_p50_ms": timing["p50_ms"], "sql_p95_ms": timing["p95_ms"]}


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return "\n".join("  " + " | ".join(str(column) for column in row) for row in rows)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from studio.generations.models import Generation
    from studio.history.services import encode_cursor

    assert not settings.DEBUG
    # Production serves hashed names from collectstatic's manifest; a plain storage builds the same URLs
    # without running collectstatic into the repository's var/static (a dictionary look-up either way).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s ({connection.vendor})", flush=True)
    seeded = seed(random.Random(args.seed), args.per_project)
    print(f"seeded in {seeded['seconds']:.1f} s: {json.dumps(seeded['counts'])}", flush=True)
    settings.ROOT_URLCONF = ping_urlconf()

    client = Client()
    client.force_login(seeded["owner"])
    project, team, author = seeded["project"], seeded["team"], seeded["author"]
    project_url = reverse("project_history", args=[project.pk])
    team_url = reverse("team_history", args=[team.pk])
    ordered = Generation.objects.filter(project=project).alive().order_by("-created_at", "-pk")
    deep_row = ordered[min(DEEP_PAGES * 24, ordered.count() // 2) - 1]
    scenarios: dict[str, tuple[str, dict[str, Any]]] = {
        "first_page_24": (project_url, {}),
        "first_page_96": (project_url, {"size": "96"}),
        "deep_page": (project_url, {"cursor": encode_cursor(deep_row)}),
        "filtered": (project_url, {"kind": "veo3_video", "status": "succeeded", "author": str(author.pk)}),
        "search": (project_url, {"q": SEARCH_WORD}),
        "team_first_page": (team_url, {}),
    }
    results: dict[str, Any] = {}
    for name, (url, query) in scenarios.items():

        def get(url: str = url, query: dict[str, Any] = query, name: str = name) -> Any:
            response = client.get(url, query, secure=True)
            assert response.status_code == 200, (name, response.status_code)
            return response

        get()  # The first request caches the filter options.
        with CaptureQueriesContext(connection) as captured:
            response = get()
        queries = captured.captured_queries  # Read now: later requests reset the connection's log.
        cards = response.content.count(b'<li class="tile ')
        timing = measure(get, args.requests)
        sql_timing = time_sql(gallery_query(queries), args.requests)
        target = TARGETS["search_p95_ms"] if name == "search" else TARGETS["page_p95_ms"]
        results[name] = {
            "queries": len(queries),
            "cards": cards,
            **timing,
            **sql_timing,
            "target_p95_ms": target,
            "meets_target": timing["p95_ms"] <= target and len(queries) <= TARGETS["queries"],
        }
        print(
            f"{name:16} {cards:3d} cards  {len(queries)} queries  "
            f"p50 {timing['p50_ms']:7.2f} ms  p95 {timing['p95_ms']:7.2f} ms  (target <= {target:.0f})  "
            f"page query alone p50 {sql_timing['sql_p50_ms']:.2f} ms p95 {sql_timing['sql_p95_ms']:.2f} ms"
            f"{'' if results[name]['meets_target'] else '  MISSED'}",
            flush=True,
        )
        if args.explain or not results[name]["meets_target"]:
            plan = explain(gallery_query(queries))
            results[name]["plan"] = plan
            print(plan, flush=True)

    if args.profile:
        url, query = scenarios[args.profile]
        profile(lambda: client.get(url, query, secure=True))
    ping = measure(lambda: client.get("/bench/ping/", secure=True), args.requests)
    print(f"{'trivial view':16} p50 {ping['p50_ms']:7.2f} ms  p95 {ping['p95_ms']:7.2f} ms", flush=True)
    results["trivial_view"] = ping
    ratio = round(results["first_page_24"]["p50_ms"] / ping["p50_ms"], 1)
    same_queries = results["first_page_24"]["queries"] == results["first_page_96"]["queries"]
    print(f"first page p50 / trivial view p50: {ratio}x; same queries for 24 and 96 cards: {same_queries}")
    return {
        "database": connection.vendor,
        "database_version": sqlite3.sqlite_version
        if connection.vendor == "sqlite"
        else connection.pg_version,  # type: ignore[attr-defined]
        "requests_per_scenario": args.requests,
        "seeded": seeded["counts"],
        "seed_seconds": round(seeded["seconds"], 1),
        "scenarios": results,
        "ratio_first_page_to_trivial": ratio,
        "same_queries_24_and_96": same_queries,
        "targets": TARGETS,
        "all_targets_met": same_queries
        and all(value["meets_target"] for key, value in results.items() if key != "trivial_view"),
    }


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aitre-gallery-bench-"))
    try:
        with throwaway_database(args, folder) as database_url:
            clean_environment(folder, database_url)
            summary = run(args)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
