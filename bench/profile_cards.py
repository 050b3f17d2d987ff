"""Where card pages spend their time: History, the project workspace and a share page at 24 and 96 cards.

Run from the repository root: `.venv/bin/python bench/profile_cards.py [--database sqlite|postgres]
[--requests 40] [--profile-requests 10]`. The team is seeded exactly as bench/gallery.py seeds it (100,000
generations over 10 projects, bulk_create, same mix of kinds, statuses, result files, tags and favourites),
plus one project share link. SQLite lives in a temporary folder; PostgreSQL uses the database `--pg-name`
(default aitre_cards_profile) on `--pg-url`, dropped and re-created at the start and dropped at the end.
The last line printed is a JSON object with every figure.

Pages, as the owner (the share page anonymously, as its visitors see it): the project's History
(`?size=24`, `?size=96`), the team's History at both sizes, the project workspace and the project share
page. The workspace and the share page have a fixed page size of 24; for the 96-card figures this bench
sets their module's PAGE_SIZE to 96 in this process (the studio's code is not changed).

Per page: p50/p95 of the wall time of Django's test Client (whole middleware stack, DEBUG off, cached
template loader) and of this process's CPU time (steadier on a shared machine; the PostgreSQL server's
CPU is not in it, SQL is a few ms of these pages), the query count on a warm request, and, over
`--profile-requests` further requests under cProfile: self time grouped into buckets by module
(django.template, django.urls, django.utils.translation, django.forms, the database, studio.*, ...),
the cumulative time of the entry points that matter (includes, `{% url %}`, translations, filters, form
rendering), calls per request of reverse(), gettext and friends, template renders by name, and the
hottest functions by cumulative and by self time. cProfile slows small Python calls more than large
ones, so the buckets are shares of a profiled run, not milliseconds; the p50/p95 figures come from the
unprofiled requests.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gallery  # noqa: E402  (the seeding and the throwaway environment are gallery.py's)

TARGETS = {24: 15.0, 96: 40.0}
CARD_MARKERS = {
    "history": b'<li class="tile ',
    "workspace": b'class="gen-card ',
    "share": b'<figure class="shared-asset"',
}
# Self time is summed into these buckets by the file a function lives in; the first match wins.
BUCKETS: list[tuple[str, str]] = [
    ("django.template", "/django/template/"),
    ("django.templatetags", "/django/templatetags/"),
    ("django.urls", "/django/urls/"),
    ("django.utils.translation", "/django/utils/translation/"),
    ("django.utils.formats+dateformat", "/django/utils/formats.py"),
    ("django.utils.formats+dateformat", "/django/utils/dateformat.py"),
    ("django.utils.html+safestring+text", "/django/utils/html.py"),
    ("django.utils.html+safestring+text", "/django/utils/safestring.py"),
    ("django.utils.html+safestring+text", "/django/utils/text.py"),
    ("django.utils.html+safestring+text", "/django/utils/encoding.py"),
    ("django.utils.html+safestring+text", "/django/utils/functional.py"),
    ("django.utils (other)", "/django/utils/"),
    ("django.forms", "/django/forms/"),
    ("django.db.models.base (instances, get_FOO_display)", "/django/db/models/base.py"),
    ("db backend + driver (SQL execute, fetch)", "/django/db/backends/"),
    ("db backend + driver (SQL execute, fetch)", "/sqlite3/"),
    ("db backend + driver (SQL execute, fetch)", "/psycopg/"),
    ("db backend + driver (SQL execute, fetch)", "psycopg"),
    ("django.db ORM (querysets, SQL compiler, prefetch)", "/django/db/"),
    ("django.middleware+contrib+test", "/django/middleware/"),
    ("django.middleware+contrib+test", "/django/contrib/"),
    ("django.middleware+contrib+test", "/django/test/"),
    ("django.middleware+contrib+test", "/django/core/"),
    ("django.middleware+contrib+test", "/django/http/"),
    ("django (other)", "/django/"),
]
# Entry points whose cumulative time says what a feature costs, whatever calls it ("module:Qualified.name").
ENTRY_POINTS: dict[str, str] = {
    "page render (backends Template.render)": "django.template.backends.django:Template.render",
    "{% include %} (IncludeNode.render)": "django.template.loader_tags:IncludeNode.render",
    "{% url %} (URLNode.render)": "django.template.defaulttags:URLNode.render",
    "reverse()": "django.urls.base:reverse",
    "{% translate %} (TranslateNode.render)": "django.templatetags.i18n:TranslateNode.render",
    "{% blocktranslate %} (BlockTranslateNode.render)": "django.templatetags.i18n:BlockTranslateNode.render",
    "gettext()": "django.utils.translation:gettext",
    "filters+variables (FilterExpression.resolve)": "django.template.base:FilterExpression.resolve",
    "variable lookups (Variable._resolve_lookup)": "django.template.base:Variable._resolve_lookup",
    "{{ }} output (VariableNode.render)": "django.template.base:VariableNode.render",
    "{% if %} (IfNode.render)": "django.template.defaulttags:IfNode.render",
    "{% with %} (WithNode.render)": "django.template.defaulttags:WithNode.render",
    "{% csrf_token %} (CsrfTokenNode.render)": "django.template.defaulttags:CsrfTokenNode.render",
    "date filter": "django.template.defaultfilters:date",
    "truncatechars filter": "django.template.defaultfilters:truncatechars",
    "filesizeformat filter": "django.template.defaultfilters:filesizeformat",
    "localtime (template_localtime)": "django.utils.timezone:template_localtime",
    "form rendering (BoundField.__str__)": "django.forms.boundfield:BoundField.__str__",
    "widget rendering (Widget.render)": "django.forms.widgets:Widget.render",
    "context processors (RequestContext.bind_template)": (
        "django.template.context:RequestContext.bind_template"
    ),
    "queries (CursorWrapper.execute)": "django.db.backends.utils:CursorWrapper.execute",
    "queries (CursorDebugWrapper.execute)": "django.db.backends.utils:CursorDebugWrapper.execute",
    "model instances (Model.from_db)": "django.db.models.base:Model.from_db",
    "get_FOO_display (Model._get_FIELD_display)": "django.db.models.base:Model._get_FIELD_display",
    "related managers (.all() on prefetched)": "django.db.models.fields.related_descriptors:"
    "create_forward_many_to_many_manager.<locals>.ManyRelatedManager.get_queryset",
}
COUNTED_CALLS: dict[str, str] = {
    "reverse": "django.urls.base:reverse",
    "gettext": "django.utils.translation:gettext",
    "pgettext": "django.utils.translation:pgettext",
    "ngettext": "django.utils.translation:ngettext",
    "trans_real.gettext (incl. lazy strings)": "django.utils.translation.trans_real:gettext",
    "include": "django.template.loader_tags:IncludeNode.render",
    "url tag": "django.template.defaulttags:URLNode.render",
    "translate tag": "django.templatetags.i18n:TranslateNode.render",
    "blocktranslate tag": "django.templatetags.i18n:BlockTranslateNode.render",
    "Node.render_annotated": "django.template.base:Node.render_annotated",
    "FilterExpression.resolve": "django.template.base:FilterExpression.resolve",
    "Variable._resolve_lookup": "django.template.base:Variable._resolve_lookup",
    "date filter": "django.template.defaultfilters:date",
    "template_localtime": "django.utils.timezone:template_localtime",
    "Widget.render": "django.forms.widgets:Widget.render",
    "Model.from_db": "django.db.models.base:Model.from_db",
    "get_FOO_display": "django.db.models.base:Model._get_FIELD_display",
}


def code_key(dotted: str) -> tuple[str, int, str] | None:
    """cProfile's key (file, first line, name) of a function named "module:Qualified.name"."""
    import importlib

    module_name, _colon, qualified = dotted.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualified.split("."):
        if part == "<locals>":
            return None
        target = getattr(target, part, None)
        if target is None:
            return None
    code = getattr(target, "__code__", None)
    return (code.co_filename, code.co_firstlineno, code.co_name) if code else None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--pg-name", default="aitre_cards_profile", help="database to (re)create and drop")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--profile-requests", type=int, default=10, help="profiled requests per page")
    parser.add_argument("--top", type=int, default=10, help="hottest functions to print per page")
    parser.add_argument(
        "--per-project", type=int, default=gallery.PER_PROJECT, help="generations per project"
    )
    parser.add_argument("--pages", default="", help="comma-separated page names to run (default: all)")
    parser.add_argument(
        "--redis-url", default="", help="also time fragment-cache reads of card-sized values from this Redis"
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


@contextlib.contextmanager
def named_database(args: argparse.Namespace, folder: Path) -> Iterator[str]:
    """Yields the DATABASE_URL of a fresh database: a temporary SQLite file or `--pg-name`, dropped after."""
    if args.database == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.pg_name}"')
    try:
        yield f"{args.pg_url}/{args.pg_name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')


# Counting wrappers ---------------------------------------------------------------------------------------


class TemplateCounter:
    """Counts template renders (pages and includes) by name, and `{% url %}` renders by view name."""

    def __init__(self) -> None:
        self.templates: Counter[str] = Counter()
        self.urls: Counter[str] = Counter()
        self.active = False

    def install(self) -> None:
        from django.template import base, defaulttags

        counter = self
        template_render = base.Template.render
        url_render = defaulttags.URLNode.render

        def counted_template_render(self: Any, context: Any) -> Any:
            if counter.active:
                counter.templates[getattr(self.origin, "template_name", None) or str(self.origin)] += 1
            return template_render(self, context)

        def counted_url_render(self: Any, context: Any) -> Any:
            if counter.active:
                counter.urls[str(self.view_name.token)] += 1
            return url_render(self, context)

        base.Template.render = counted_template_render  # type: ignore[method-assign]
        defaulttags.URLNode.render = counted_url_render  # type: ignore[method-assign]


# Profiling ----------------------------------------------------------------------------------------------


def bucket_of(filename: str) -> str:
    for name, fragment in BUCKETS:
        if fragment in filename:
            return name
    if "/studio/" in filename:
        part = filename.split("/studio/", 1)[1]
        return "studio." + part.removesuffix(".py").replace("/", ".")
    if "/site-packages/" in filename:
        return "site-packages: " + filename.split("/site-packages/", 1)[1].split("/", 1)[0]
    if filename == "~":
        return "builtins"
    return "python stdlib"


# Builtins (getattr, isinstance, dict.get), the standard library and asgiref's Local (which holds the active
# language and URLconf) are charged to whoever called them, so their time lands in the bucket that caused it.
PASS_THROUGH = ("builtins", "python stdlib", "site-packages: asgiref")


def attribute(raw: dict[Any, Any], key: Any, seconds: float, buckets: dict[str, float], depth: int) -> None:
    """Adds `seconds` of `key`'s self time to its bucket, or to its callers' in proportion (pass-through)."""
    bucket = bucket_of(key[0])
    callers = raw[key][4] if key in raw else {}
    shares = {caller: edge[2] for caller, edge in callers.items() if edge[2] > 0}
    if bucket not in PASS_THROUGH or depth > 6 or not shares:
        buckets[bucket] = buckets.get(bucket, 0.0) + seconds
        return
    total = sum(shares.values())
    for caller, share in shares.items():
        attribute(raw, caller, seconds * share / total, buckets, depth + 1)


def callers_of(raw: dict[Any, Any], key: Any, runs: int, limit: int = 6) -> list[str]:
    """Who calls `key` most often, with calls per request."""
    if key not in raw:
        return []
    rows = sorted(raw[key][4].items(), key=lambda item: -item[1][0])[:limit]
    return [f"{label_of(caller)} x{edge[0] / runs:g}" for caller, edge in rows]


def lazy_casts(raw: dict[Any, Any], runs: int) -> dict[str, list[str]]:
    """Lazy translations turned into text (each one a gettext call): what converts them, and who asks."""
    casts = [key for key in raw if key[0].endswith("django/utils/functional.py") and key[2] == "__cast"]
    found: dict[str, list[str]] = {}
    for cast in casts:
        found["lazy string casts"] = [f"{raw[cast][1] / runs:g} per request"]
        for proxy_method in sorted(raw[cast][4], key=lambda caller: -raw[cast][4][caller][0])[:3]:
            found[f"callers of lazy {proxy_method[2]}"] = callers_of(raw, proxy_method, runs)
    return found


# The hottest-by-cumulative list skips the layers every request goes through (middleware, decorators).
WRAPPERS = (
    "django/core/handlers/",
    "django/utils/deprecation.py",
    "django/views/decorators/",
    "django/contrib/auth/decorators.py",
    "middleware",
    "django/test/",
    "profile_cards",
    "django/shortcuts.py",
    "django/template/loader.py",
    "django/template/backends/django.py",
)


def label_of(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    for marker in ("/site-packages/", "/work/wt/cards-profile/", str(gallery.ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({name})" if filename != "~" else name


def profile_keys() -> dict[str, dict[str, tuple[str, int, str]]]:
    """The cProfile keys of the entry points and counted calls; read before the counting wrappers go in."""
    resolved = {"entry": ENTRY_POINTS, "calls": COUNTED_CALLS}
    return {
        group: {label: key for label, dotted in names.items() if (key := code_key(dotted)) is not None}
        for group, names in resolved.items()
    }


def profile_page(
    get: Callable[[], Any], runs: int, top: int, keys: dict[str, dict[str, tuple[str, int, str]]]
) -> dict[str, Any]:
    """cProfile over `runs` requests: buckets by self time, entry points, call counts, hottest functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        get()
    profiler.disable()
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(value[2] for value in raw.values())
    buckets: dict[str, float] = {}
    for key, (_cc, _nc, tottime, _ct, _callers) in raw.items():
        attribute(raw, key, tottime, buckets, depth=0)
    entry: dict[str, float] = {}
    for label, key in keys["entry"].items():
        if key in raw:
            entry[label] = round(100 * raw[key][3] / total, 1)
    calls = {label: round(raw[key][1] / runs, 1) if key in raw else 0 for label, key in keys["calls"].items()}

    def percent(seconds: float) -> float:
        return round(100 * float(seconds) / float(total), 1)

    by_cumulative = sorted(raw.items(), key=lambda item: item[1][3], reverse=True)
    by_self = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)
    return {
        "profiled_requests": runs,
        "profiled_ms_per_request": round(1000 * total / runs, 2),
        "buckets_self_pct": {
            name: round(100 * seconds / total, 1)
            for name, seconds in sorted(buckets.items(), key=lambda item: -item[1])
            if seconds > 0
        },
        "entry_points_cumulative_pct": entry,
        "calls_per_request": calls,
        "hottest_cumulative": [
            {"function": label_of(key), "cum_pct": percent(v[3]), "calls": round(v[1] / runs, 1)}
            for key, v in by_cumulative
            if not any(wrapper in key[0] for wrapper in WRAPPERS)
        ][: top * 2],
        "callers_per_request": {
            **{
                label: callers_of(raw, keys["calls"][label], runs)
                for label in ("gettext", "reverse", "template_localtime")
                if label in keys["calls"]
            },
            **lazy_casts(raw, runs),
        },
        "hottest_self": [
            {"function": label_of(key), "self_pct": percent(v[2]), "calls": round(v[1] / runs, 1)}
            for key, v in by_self[:top]
        ],
    }


# The pages ----------------------------------------------------------------------------------------------


def set_page_sizes(size: int) -> None:
    """The workspace and the share page have a fixed page size; the 96-card runs set it here, in-process."""
    from studio.generations import views as workspace_views
    from studio.sharing import views as sharing_views

    workspace_views.PAGE_SIZE = size
    sharing_views.PAGE_SIZE = size


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from studio.sharing.models import ShareLink
    from studio.sharing.services import create_share_link

    assert not settings.DEBUG
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s ({connection.vendor})", flush=True)
    seeded = gallery.seed(random.Random(args.seed), args.per_project)
    project, team, owner = seeded["project"], seeded["team"], seeded["owner"]
    _link, token = create_share_link(team=team, user=owner, scope=ShareLink.Scope.PROJECT, project=project)
    print(f"seeded in {seeded['seconds']:.1f} s: {json.dumps(seeded['counts'])}", flush=True)
    settings.ROOT_URLCONF = gallery.ping_urlconf()

    member = Client()
    member.force_login(owner)
    visitor = Client()
    history_url = reverse("project_history", args=[project.pk])
    team_url = reverse("team_history", args=[team.pk])
    pages: dict[str, tuple[Client, str, dict[str, str], str, int]] = {
        "history_24": (member, history_url, {"size": "24"}, "history", 24),
        "history_96": (member, history_url, {"size": "96"}, "history", 96),
        "team_history_24": (member, team_url, {"size": "24"}, "history", 24),
        "team_history_96": (member, team_url, {"size": "96"}, "history", 96),
        "workspace_24": (member, reverse("project_detail", args=[project.pk]), {}, "workspace", 24),
        "workspace_96": (member, reverse("project_detail", args=[project.pk]), {}, "workspace", 96),
        "share_24": (visitor, reverse("share_page", args=[token]), {}, "share", 24),
        "share_96": (visitor, reverse("share_page", args=[token]), {}, "share", 96),
    }
    chosen = [name for name in args.pages.split(",") if name] or list(pages)
    keys = profile_keys()
    counter = TemplateCounter()
    counter.install()
    results: dict[str, Any] = {}
    page_bytes: dict[str, int] = {}
    for name in chosen:
        client, url, query, marker, size = pages[name]
        set_page_sizes(size)

        def get(
            client: Client = client, url: str = url, query: dict[str, str] = query, name: str = name
        ) -> Any:
            response = client.get(url, query, secure=True)
            assert response.status_code == 200, (name, response.status_code)
            return response

        get()
        with CaptureQueriesContext(connection) as captured:
            response = get()
        queries = len(captured.captured_queries)
        # The warm request's queries, slowest first (DEBUG is off, so time them here).
        slowest = time_queries(get)
        cards = response.content.count(CARD_MARKERS[marker])
        page_bytes[name] = len(response.content)
        timing = measure_with_cpu(get, args.requests)
        counter.templates.clear()
        counter.urls.clear()
        counter.active = True
        get()
        counter.active = False
        profiled = profile_page(get, args.profile_requests, args.top, keys)
        results[name] = {
            "cards": cards,
            "queries": queries,
            **timing,
            "target_p95_ms": TARGETS[size],
            "meets_target": timing["p95_ms"] <= TARGETS[size],
            "slowest_queries": slowest,
            "template_renders": dict(counter.templates.most_common()),
            "url_tags_by_view": dict(counter.urls.most_common()),
            **profiled,
        }
        print_page(name, results[name], args.top)
    set_page_sizes(24)
    ping = gallery.measure(lambda: member.get("/bench/ping/", secure=True), args.requests)
    print(f"trivial view      p50 {ping['p50_ms']:7.2f} ms  p95 {ping['p95_ms']:7.2f} ms", flush=True)
    print_summary(results)
    probe = cache_probe(results, page_bytes, args.redis_url, args.requests)
    return {
        "fragment_cache_probe": probe,
        "database": connection.vendor,
        "database_version": sqlite3.sqlite_version
        if connection.vendor == "sqlite"
        else connection.pg_version,  # type: ignore[attr-defined]
        "requests_per_page": args.requests,
        "profiled_requests_per_page": args.profile_requests,
        "seeded": seeded["counts"],
        "trivial_view": ping,
        "targets_p95_ms": TARGETS,
        "pages": results,
    }


def cache_probe(
    results: dict[str, Any], page_bytes: dict[str, int], redis_url: str, runs: int
) -> dict[str, Any]:
    """What a fragment cache would cost per page: building N keys and one get_many of N card-sized values.

    A card's size is the growth of the page from 24 to 96 cards divided by 72; its render cost is the growth
    of the CPU p50 the same way. Set against the cache read, it says whether a fragment cache can pay.
    """
    from django.core.cache.backends.locmem import LocMemCache
    from django.utils import timezone, translation

    probe: dict[str, Any] = {}
    backends: dict[str, Any] = {"locmem": LocMemCache("cards-probe", {})}
    if redis_url:
        from django.core.cache.backends.redis import RedisCache

        backends["redis"] = RedisCache(redis_url, {"KEY_PREFIX": "cards-profile-probe"})
    for page in ("history", "team_history", "workspace", "share"):
        small, large = results.get(f"{page}_24"), results.get(f"{page}_96")
        if not small or not large:
            continue
        card_bytes = max(1, (page_bytes[f"{page}_96"] - page_bytes[f"{page}_24"]) // 72)
        # CPU time, not wall time: on a shared machine the wall-time difference is mostly waiting.
        render_ms_per_card = (large["cpu_p50_ms"] - small["cpu_p50_ms"]) / 72
        entry: dict[str, Any] = {
            "card_bytes": card_bytes,
            "render_ms_per_card_p50": round(render_ms_per_card, 3),
        }
        value = "x" * card_bytes
        for backend_name, cache in backends.items():
            for size in (24, 96):
                keys = [
                    f"card:{page}:{pk}:1733230000.123456:{translation.get_language()}:"
                    f"{timezone.get_current_timezone_name()}:edit"
                    for pk in range(size)
                ]
                cache.set_many(dict.fromkeys(keys, value), 60)

                def read(keys: list[str] = keys, cache: Any = cache, size: int = size) -> None:
                    assert len(cache.get_many(keys)) == size

                timing = gallery.measure(read, runs)
                entry[f"{backend_name}_get_many_{size}_p95_ms"] = timing["p95_ms"]
                entry[f"{backend_name}_saving_{size}_ms_p50"] = round(
                    size * render_ms_per_card - timing["p50_ms"], 2
                )
                cache.delete_many(keys)
        probe[page] = entry
        print(f"fragment cache probe {page}: {json.dumps(entry)}", flush=True)
    return probe


def time_queries(get: Callable[[], Any], show: int = 4) -> list[dict[str, Any]]:
    """The `show` slowest queries of one request, with their milliseconds and the start of their SQL."""
    from django.db import connection

    timings: list[dict[str, Any]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append({"ms": round((time.perf_counter() - started) * 1000, 2), "sql": sql[:160]})

    with connection.execute_wrapper(timed):
        get()
    return sorted(timings, key=lambda row: -row["ms"])[:show]


def measure_with_cpu(get: Callable[[], Any], requests: int) -> dict[str, float]:
    """Wall time as gallery.measure gives it, plus this process's CPU time per request.

    On a machine shared with other jobs the wall time includes waiting for a core; the CPU time does not,
    so it is the steadier figure for comparing before and after a change.
    """
    for _ in range(gallery.WARM_UP):
        get()
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        get()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(wall), 2),
        "p95_ms": round(gallery.percentile(wall, 0.95), 2),
        "max_ms": round(max(wall), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(gallery.percentile(cpu, 0.95), 2),
    }


def print_page(name: str, result: dict[str, Any], top: int) -> None:
    print(
        f"\n== {name}: {result['cards']} cards, {result['queries']} queries, p50 {result['p50_ms']:.2f} ms, "
        f"p95 {result['p95_ms']:.2f} ms (target <= {result['target_p95_ms']:.0f}), "
        f"CPU p50 {result['cpu_p50_ms']:.2f} ms p95 {result['cpu_p95_ms']:.2f} ms"
        f"{'' if result['meets_target'] else '  MISSED'}; "
        f"profiled {result['profiled_ms_per_request']:.1f} ms/req",
        flush=True,
    )
    print("  slowest queries of a warm request:")
    for query in result["slowest_queries"]:
        print(f"    {query['ms']:7.2f} ms  {query['sql']}")
    print("  buckets (self time, % of profiled):")
    for bucket, pct in list(result["buckets_self_pct"].items())[:14]:
        print(f"    {pct:5.1f}%  {bucket}")
    print("  entry points (cumulative, % of profiled):")
    for label, pct in sorted(result["entry_points_cumulative_pct"].items(), key=lambda item: -item[1]):
        print(f"    {pct:5.1f}%  {label}")
    print("  calls per request: " + ", ".join(f"{k} {v:g}" for k, v in result["calls_per_request"].items()))
    print("  template renders: " + ", ".join(f"{k} {v}" for k, v in result["template_renders"].items()))
    print("  {% url %} by view: " + ", ".join(f"{k} {v}" for k, v in result["url_tags_by_view"].items()))
    for label, rows in result["callers_per_request"].items():
        print(f"  callers of {label}: " + "; ".join(rows))
    print(f"  hottest by self time (top {top}):")
    for row in result["hottest_self"]:
        print(f"    {row['self_pct']:5.1f}%  {row['calls']:8g} calls  {row['function']}")
    print("  hottest by cumulative time:")
    for row in result["hottest_cumulative"]:
        print(f"    {row['cum_pct']:5.1f}%  {row['calls']:8g} calls  {row['function']}")


def print_summary(results: dict[str, Any]) -> None:
    print("\npage               cards queries   p50 ms   p95 ms  cpu p50  cpu p95  target")
    for name, result in results.items():
        print(
            f"{name:18} {result['cards']:5d} {result['queries']:7d} {result['p50_ms']:8.2f} "
            f"{result['p95_ms']:8.2f} {result['cpu_p50_ms']:8.2f} {result['cpu_p95_ms']:8.2f}  "
            f"{result['target_p95_ms']:.0f}"
            f"{'' if result['meets_target'] else ' MISSED'}"
        )


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aitre-cards-profile-"))
    try:
        with named_database(args, folder) as database_url:
            gallery.clean_environment(folder, database_url)
            summary = run(args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    os.environ.pop("DATABASE_URL", None)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
