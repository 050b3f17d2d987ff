"""The history views: galleries (project, trash, team), detail with lineage, favourites, tags, bulk actions.

For each view: the happy path, its htmx partial, login required and what viewers may do. The 404s for
another team are in `tests/test_tenant_isolation.py`; ZIPs in `test_exports.py`; the audit log in
`test_audit.py`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import AuditEvent, Role, Team, User
from studio.generations.engine.storage import store_result_bytes
from studio.generations.models import Asset, Favourite, Generation, GenerationEvent, Kind, Status, Tag
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests import factories
from tests.history.test_services import charge, make_generation, png_bytes

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """The project page asks the gateway for models; here it refuses at once and defaults are used."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


@pytest.fixture
def other_project(team: Team) -> Project:
    return factories.make_project(team, "Teaser")


def tile_ids(text: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="tile [^"]*" id="tile-(\d+)"', text)]


def load_more_href(text: str) -> str | None:
    match = re.search(r'<li class="load-more"[^>]*>\s*<a [^>]*href="([^"]+)"', text)
    return html.unescape(match.group(1)) if match else None


# Login -----------------------------------------------------------------------------------------------


@pytest.fixture
def history_urls(team: Team, project: Project, user: User) -> dict[str, tuple[str, str]]:
    generation = make_generation(project, user)
    tag = Tag.objects.create(team=team, name="hero")
    return {
        "project_history": ("get", reverse("project_history", args=[project.pk])),
        "project_trash": ("get", reverse("project_trash", args=[project.pk])),
        "team_history": ("get", reverse("team_history", args=[team.pk])),
        "history_bulk": ("post", reverse("history_bulk", args=[team.pk])),
        "zip_export_detail": ("get", reverse("zip_export_detail", args=[team.pk, 1])),
        "zip_export_download": ("get", reverse("zip_export_download", args=[team.pk, 1])),
        "team_audit": ("get", reverse("team_audit", args=[team.pk])),
        "generation_detail": ("get", reverse("generation_detail", args=[generation.pk])),
        "generation_favourite": ("post", reverse("generation_favourite", args=[generation.pk])),
        "generation_tag_add": ("post", reverse("generation_tag_add", args=[generation.pk])),
        "generation_tag_remove": ("post", reverse("generation_tag_remove", args=[generation.pk, tag.pk])),
    }


@pytest.mark.parametrize(
    "name",
    [
        "project_history",
        "project_trash",
        "team_history",
        "history_bulk",
        "zip_export_detail",
        "zip_export_download",
        "team_audit",
        "generation_detail",
        "generation_favourite",
        "generation_tag_add",
        "generation_tag_remove",
    ],
)
def test_history_views_require_login(
    name: str, history_urls: dict[str, tuple[str, str]], client: Client
) -> None:
    method, url = history_urls[name]

    response = getattr(client, method)(url, {"action": "trash", "ids": ["1"], "name": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Favourite.objects.exists()
    assert Generation.objects.alive().count() == 1


# Project gallery -------------------------------------------------------------------------------------


def test_project_history_shows_the_projects_results_newest_first(
    project: Project, other_project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    now = timezone.now()
    older = make_generation(project, user, prompt="an old lighthouse", created_at=now - timedelta(hours=2))
    newer = make_generation(project, user, prompt="a new harbour", created_at=now, image=(1, 2, 3))
    make_generation(other_project, user, prompt="elsewhere")
    trashed = make_generation(project, user, prompt="thrown away")
    Generation.objects.filter(pk=trashed.pk).update(deleted_at=now)

    response = client_for(user).get(reverse("project_history", args=[project.pk]))

    assert response.status_code == 200
    assert tile_ids(response.text) == [newer.pk, older.pk]
    assert reverse("asset_file", args=[newer.assets.get().pk, "thumb"]) in response.text
    assert "<html" in response.text
    assert load_more_href(response.text) is None


def test_project_history_htmx_returns_the_gallery_partial(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)

    response = client_for(user).get(reverse("project_history", args=[project.pk]), headers=HTMX)

    assert response.text.lstrip().startswith('<section id="gallery"')
    assert tile_ids(response.text) == [generation.pk]
    assert "<html" not in response.text
    assert "filters-title" not in response.text


def test_project_history_htmx_with_cursor_returns_only_the_next_items(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    made = [make_generation(project, user) for _ in range(30)]
    client = client_for(user)
    first = client.get(reverse("project_history", args=[project.pk]))
    more = load_more_href(first.text)
    assert more is not None

    response = client.get(reverse("project_history", args=[project.pk]) + more, headers=HTMX)

    assert response.text.lstrip().startswith('<li class="tile')
    assert 'id="gallery"' not in response.text
    assert sorted(tile_ids(first.text) + tile_ids(response.text)) == sorted(g.pk for g in made)
    assert load_more_href(response.text) is None


def test_project_history_returns_the_full_page_to_an_htmx_history_restore(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    """htmx restores a page it has no snapshot of by fetching its URL; it swaps the whole body with it."""
    make_generation(project, user)

    response = client_for(user).get(
        reverse("project_history", args=[project.pk]) + "?kind=mj_imagine",
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.text
    assert "filters-title" in response.text


def test_project_history_treats_a_garbage_cursor_as_the_first_page(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    made = [make_generation(project, user) for _ in range(3)]
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])

    responses = [
        client.get(url, {"cursor": cursor}) for cursor in ["nonsense", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTkuMQ"]
    ]

    assert [r.status_code for r in responses] == [200, 200]
    assert [tile_ids(r.text) for r in responses] == [[g.pk for g in reversed(made)]] * 2


def test_project_history_filters_combine_in_the_users_time_zone(
    project: Project, user: User, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    user.time_zone = "Asia/Tokyo"
    user.save()
    teammate = member_of(Role.MEMBER)
    tag = Tag.objects.create(team=project.team, name="keeper")
    # 10 March 00:30 in Tokyo is 9 March 15:30 in UTC.
    inside = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
    base = {"kind": Kind.VEO3_VIDEO, "status": Status.SUCCEEDED, "created_at": inside}
    match = make_generation(project, user, prompt="夜の東京 Neon Rain", **base)
    others = [
        make_generation(project, user, **{**base, "kind": Kind.MJ_IMAGINE}, prompt="neon rain"),
        make_generation(project, user, **{**base, "status": Status.FAILED}, prompt="neon rain"),
        make_generation(project, teammate, **base, prompt="neon rain"),
        make_generation(
            project, user, **{**base, "created_at": inside - timedelta(hours=1)}, prompt="neon rain"
        ),
        make_generation(project, user, **base, prompt="sunny day"),
    ]
    for generation in [match, *others]:
        Favourite.objects.create(user=user, generation=generation)
        tag.generations.add(generation)
    starred_by_teammate_only = make_generation(project, user, **base, prompt="neon rain")
    Favourite.objects.create(user=teammate, generation=starred_by_teammate_only)
    tag.generations.add(starred_by_teammate_only)

    response = client_for(user).get(
        reverse("project_history", args=[project.pk]),
        {
            "kind": Kind.VEO3_VIDEO,
            "status": Status.SUCCEEDED,
            "author": user.pk,
            "date_from": "2026-03-10",
            "date_to": "2026-03-10",
            "favourites": "on",
            "tag": tag.pk,
            "q": "NEON rain",
        },
    )

    assert tile_ids(response.text) == [match.pk]


def test_project_history_search_finds_chinese_prompts(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    match = make_generation(project, user, prompt="一只在雪地里奔跑的红狐狸")
    make_generation(project, user, prompt="一只在草地上的白兔")

    response = client_for(user).get(reverse("project_history", args=[project.pk]), {"q": "红狐狸"})

    assert tile_ids(response.text) == [match.pk]


def test_project_history_load_more_keeps_the_filters(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    now = timezone.now()
    wanted = [
        make_generation(project, user, kind=Kind.VEO3_VIDEO, prompt=f"blue fox {i}", created_at=now)
        for i in range(30)
    ]
    for i in range(30):
        make_generation(project, user, kind=Kind.MJ_IMAGINE, prompt=f"blue fox {i}", created_at=now)
        make_generation(project, user, kind=Kind.VEO3_VIDEO, prompt=f"red hen {i}", created_at=now)
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])

    first = client.get(url, {"kind": Kind.VEO3_VIDEO, "q": "fox"})
    more = load_more_href(first.text)
    assert more is not None
    query = parse_qs(urlsplit(more).query)
    second = client.get(url + more, headers=HTMX)

    assert query["kind"] == [Kind.VEO3_VIDEO]
    assert query["q"] == ["fox"]
    assert "cursor" in query
    assert len(tile_ids(first.text)) == 24
    assert sorted(tile_ids(first.text) + tile_ids(second.text)) == sorted(g.pk for g in wanted)


def test_project_history_page_size_comes_from_the_url(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    Generation.objects.bulk_create(
        Generation(team_id=project.team_id, project=project, created_by=user, kind=Kind.CHAT, model="m")
        for _ in range(100)
    )

    response = client_for(user).get(reverse("project_history", args=[project.pk]), {"size": "96"})

    assert len(tile_ids(response.text)) == 96
    assert "size=96" in (load_more_href(response.text) or "")


def without_per_request_tokens(page: str) -> str:
    """The page less what differs on every response: the CSP nonce and the masked CSRF token."""
    page = re.sub(r'nonce="[^"]*"', "", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


def seed_gallery(project: Project, user: User, teammate: User, count: int) -> None:
    """Results with files, tags and favourites: everything a tile can show."""
    tags = [Tag.objects.create(team=project.team, name=f"tag {i}") for i in range(3)]
    for index in range(count):
        generation = make_generation(
            project, user if index % 2 else teammate, prompt=f"prompt {index}", image=(index % 255, 0, 0)
        )
        generation.tags.add(*tags[: index % 4])
        if index % 3 == 0:
            Favourite.objects.create(user=user, generation=generation)


@pytest.mark.parametrize("page", ["project", "team"])
def test_history_gallery_query_count_is_small_reads_rows_only_for_uncached_tiles_and_does_not_grow_with_size(
    page: str,
    project: Project,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    seed_gallery(project, user, member_of(Role.MEMBER), 100)
    client = client_for(user)
    url = (
        reverse("project_history", args=[project.pk])
        if page == "project"
        else reverse("team_history", args=[project.team_id])
    )
    client.get(url)  # Warms the cached filter options, the session and the first 24 tiles' HTML.

    # A page whose tiles are all cached reads their values, files and tags, never their rows.
    with django_assert_max_num_queries(8) as warm:
        response = client.get(url)
    with django_assert_num_queries(len(warm.captured_queries) + 1):  # the rows of the 72 others
        cold_large = client.get(url, {"size": "96"})
    with django_assert_num_queries(len(warm.captured_queries)):
        large = client.get(url, {"size": "96"})

    assert len(tile_ids(response.text)) == 24
    assert len(tile_ids(large.text)) == 96
    assert without_per_request_tokens(large.text) == without_per_request_tokens(cold_large.text)
    assert 'class="tag"' in large.text
    assert 'aria-pressed="true"' in large.text


def test_project_history_shows_a_new_tag_in_the_filter_at_once(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])
    client.get(url)
    generation = make_generation(project, user)

    client.post(reverse("generation_tag_add", args=[generation.pk]), {"name": "brand new"})
    response = client.get(url)

    tag = Tag.objects.get(name="brand new")
    assert f'<option value="{tag.pk}">brand new</option>' in response.text


def test_project_history_is_readable_by_viewers(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    Tag.objects.create(team=project.team, name="hero").generations.add(generation)

    response = client_for(viewer).get(reverse("project_history", args=[project.pk]))

    assert tile_ids(response.text) == [generation.pk]
    assert reverse("generation_favourite", args=[generation.pk]) in response.text
    assert reverse("generation_tag_add", args=[generation.pk]) not in response.text


# Trash -----------------------------------------------------------------------------------------------


def test_project_trash_lists_only_trashed_results_with_restore(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    alive = make_generation(project, user)
    trashed = make_generation(project, user)
    Generation.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())

    response = client_for(user).get(reverse("project_trash", args=[project.pk]))

    assert tile_ids(response.text) == [trashed.pk]
    assert alive.pk not in tile_ids(response.text)
    assert '<option value="restore">' in response.text
    assert '<option value="trash">' not in response.text


def test_project_trash_htmx_returns_the_gallery_partial(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    trashed = make_generation(project, user)
    Generation.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())

    response = client_for(user).get(reverse("project_trash", args=[project.pk]), headers=HTMX)

    assert response.text.lstrip().startswith('<section id="gallery"')
    assert tile_ids(response.text) == [trashed.pk]


def test_project_trash_shows_viewers_no_actions(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    trashed = make_generation(project, user)
    Generation.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())

    response = client_for(viewer).get(reverse("project_trash", args=[project.pk]))

    assert tile_ids(response.text) == [trashed.pk]
    assert 'id="bulk-form"' not in response.text


# Team gallery ----------------------------------------------------------------------------------------


def test_team_history_shows_every_project_and_filters_by_project(
    project: Project, other_project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    here = make_generation(project, user)
    there = make_generation(other_project, user)
    client = client_for(user)

    everything = client.get(reverse("team_history", args=[project.team_id]))
    one_project = client.get(reverse("team_history", args=[project.team_id]), {"project": other_project.pk})

    assert tile_ids(everything.text) == [there.pk, here.pk]
    assert tile_ids(one_project.text) == [there.pk]
    assert "Teaser" in everything.text


def test_team_history_htmx_returns_the_gallery_partial(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)

    response = client_for(user).get(reverse("team_history", args=[project.team_id]), headers=HTMX)

    assert response.text.lstrip().startswith('<section id="gallery"')
    assert tile_ids(response.text) == [generation.pk]


# Favourites ------------------------------------------------------------------------------------------


def test_generation_favourite_htmx_returns_the_button_pressed_then_released(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    client = client_for(user)
    url = reverse("generation_favourite", args=[generation.pk])

    starred = client.post(url, headers=HTMX)
    unstarred = client.post(url, headers=HTMX)

    assert starred.text.lstrip().startswith("<form")
    assert 'aria-pressed="true"' in starred.text
    assert 'aria-pressed="false"' in unstarred.text
    assert "<html" not in starred.text
    assert not Favourite.objects.exists()


def test_generation_favourite_is_allowed_for_viewers(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)

    response = client_for(viewer).post(reverse("generation_favourite", args=[generation.pk]), headers=HTMX)

    assert response.status_code == 200
    assert Favourite.objects.get().user == viewer


def test_generation_favourite_without_htmx_goes_back_to_a_local_page_only(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    client = client_for(user)
    url = reverse("generation_favourite", args=[generation.pk])
    gallery = reverse("project_history", args=[project.pk]) + "?kind=mj_imagine"

    local = client.post(url, {"next": gallery})
    foreign = client.post(url, {"next": "https://evil.example/steal"})

    assert local["Location"] == gallery
    assert foreign["Location"] == reverse("generation_detail", args=[generation.pk])


# Tags ------------------------------------------------------------------------------------------------


def test_generation_tag_add_htmx_returns_the_tags_partial(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)

    response = client_for(user).post(
        reverse("generation_tag_add", args=[generation.pk]), {"name": "Hero shot"}, headers=HTMX
    )

    assert response.text.lstrip().startswith(f'<div class="tags" id="tags-{generation.pk}">')
    assert "Hero shot" in response.text
    assert list(generation.tags.values_list("name", flat=True)) == ["Hero shot"]


def test_generation_tag_add_without_htmx_redirects_to_the_detail(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)

    response = client_for(user).post(reverse("generation_tag_add", args=[generation.pk]), {"name": "x"})

    assert response["Location"] == reverse("generation_detail", args=[generation.pk])
    assert generation.tags.get().name == "x"


def test_generation_tag_remove_htmx_returns_the_tags_partial_without_it(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    kept, removed = (Tag.objects.create(team=project.team, name=name) for name in ("kept", "removed"))
    generation.tags.add(kept, removed)

    response = client_for(user).post(
        reverse("generation_tag_remove", args=[generation.pk, removed.pk]), headers=HTMX
    )

    assert response.text.lstrip().startswith(f'<div class="tags" id="tags-{generation.pk}">')
    assert "kept" in response.text
    assert "removed" not in response.text
    assert list(generation.tags.all()) == [kept]


@pytest.mark.parametrize("name", ["generation_tag_add", "generation_tag_remove"])
def test_generation_tags_are_forbidden_for_viewers(
    name: str, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    tag = Tag.objects.create(team=project.team, name="keep")
    generation.tags.add(tag)
    args = [generation.pk] if name == "generation_tag_add" else [generation.pk, tag.pk]

    response = client_for(viewer).post(reverse(name, args=args), {"name": "new"}, headers=HTMX)

    assert response.status_code == 403
    assert list(generation.tags.all()) == [tag]
    assert not Tag.objects.filter(name="new").exists()


def test_generation_tag_remove_404s_for_a_tag_of_another_team(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    foreign = Tag.objects.create(team=factories.make_team(other_team_user), name="theirs")

    response = client_for(user).post(reverse("generation_tag_remove", args=[generation.pk, foreign.pk]))

    assert response.status_code == 404


# Bulk actions ----------------------------------------------------------------------------------------


def bulk(client: Client, team: Team, action: str, chosen: list[Generation], **data: object):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("history_bulk", args=[team.pk]),
        {"action": action, "ids": [str(g.pk) for g in chosen], **data},
    )


def test_history_bulk_moves_and_the_files_follow(
    team: Team, project: Project, other_project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    chosen = [make_generation(project, user, image=(i, i, i)) for i in range(2)]
    back = reverse("project_history", args=[project.pk])

    response = bulk(client_for(user), team, "move", chosen, target=other_project.pk, next=back)

    assert response["Location"] == back
    assert set(
        Generation.objects.filter(pk__in=[g.pk for g in chosen]).values_list("project", flat=True)
    ) == {other_project.pk}
    assert set(Asset.objects.filter(generation__in=chosen).values_list("project", flat=True)) == {
        other_project.pk
    }
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MOVED, actor=user).count() == 1


def test_history_bulk_copies_sharing_the_files(
    team: Team, project: Project, other_project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    original = make_generation(project, user, image=(5, 5, 5))

    bulk(client_for(user), team, "copy", [original], target=other_project.pk)

    copy = Generation.objects.get(project=other_project)
    assert copy.parent == original
    assert copy.assets.get().file.name == original.assets.get().file.name
    assert Generation.objects.get(pk=original.pk).project == project
    assert AuditEvent.objects.filter(action=AuditEvent.Action.COPIED, actor=user).count() == 1


def test_history_bulk_tags_every_chosen_generation(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    chosen = [make_generation(project, user) for _ in range(3)]
    left_out = make_generation(project, user)

    bulk(client_for(user), team, "tag", chosen, tag="approved")

    tag = Tag.objects.get(team=team, name="approved")
    assert set(tag.generations.values_list("pk", flat=True)) == {g.pk for g in chosen}
    assert not left_out.tags.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TAGGED, actor=user).count() == 1


def test_history_bulk_trash_hides_from_galleries_and_project_page_until_restored(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    trashed = make_generation(project, user, prompt="goodbye")
    kept = make_generation(project, user, prompt="still here")
    client = client_for(user)

    bulk(client, team, "trash", [trashed])
    project_gallery = client.get(reverse("project_history", args=[project.pk]))
    team_gallery = client.get(reverse("team_history", args=[team.pk]))
    project_page = client.get(reverse("project_detail", args=[project.pk]))
    trash = client.get(reverse("project_trash", args=[project.pk]))
    bulk(client, team, "restore", [trashed])
    after_restore = client.get(reverse("project_history", args=[project.pk]))

    assert tile_ids(project_gallery.text) == [kept.pk]
    assert tile_ids(team_gallery.text) == [kept.pk]
    assert f'id="generation-{trashed.pk}"' not in project_page.text
    assert f'id="generation-{kept.pk}"' in project_page.text
    assert tile_ids(trash.text) == [trashed.pk]
    assert tile_ids(after_restore.text) == [kept.pk, trashed.pk]
    actions = AuditEvent.objects.filter(actor=user).values_list("action", flat=True)
    assert {AuditEvent.Action.DELETED, AuditEvent.Action.RESTORED} <= set(actions)


def test_history_bulk_silently_ignores_ids_of_another_team(
    team: Team, project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    foreign_project = factories.make_project(factories.make_team(other_team_user))
    foreign = make_generation(foreign_project, other_team_user)
    mine = make_generation(project, user)
    client = client_for(user)

    for action, extra in [("tag", {"tag": "mine"}), ("trash", {}), ("restore", {})]:
        bulk(client, team, action, [mine, foreign], **extra)

    foreign.refresh_from_db()
    assert foreign.deleted_at is None
    assert not foreign.tags.exists()
    assert foreign.project == foreign_project
    assert Generation.objects.get(pk=mine.pk).tags.get().name == "mine"
    for event in AuditEvent.objects.filter(actor=user):
        assert foreign.pk not in event.data.get("generations", [])


def test_history_bulk_with_only_foreign_ids_changes_nothing_and_says_so(
    team: Team, project: Project, other_project: Project, user: User, other_team_user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    foreign = make_generation(factories.make_project(factories.make_team(other_team_user)), other_team_user)
    client = client_for(user)

    response = bulk(client, team, "move", [foreign], target=other_project.pk)
    page = client.get(response["Location"])

    assert Generation.objects.get(pk=foreign.pk).project != other_project
    assert "None of the selected results could be found." in page.text
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MOVED).exists()


def test_history_bulk_refuses_a_target_project_of_another_team(
    team: Team, project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    foreign_project = factories.make_project(factories.make_team(other_team_user))
    mine = make_generation(project, user)

    response = bulk(client_for(user), team, "move", [mine], target=foreign_project.pk)

    assert response.status_code == 302
    assert Generation.objects.get(pk=mine.pk).project == project
    assert not Generation.objects.filter(project=foreign_project).exists()


@pytest.mark.parametrize(
    ("action", "extra"),
    [("move", "target"), ("copy", "target"), ("tag", "tag"), ("trash", None), ("restore", None)],
)
def test_history_bulk_is_forbidden_for_viewers_except_zip(
    action: str,
    extra: str | None,
    team: Team,
    project: Project,
    other_project: Project,
    user: User,
    viewer: User,
    client_for: Callable[[User], Client],
) -> None:
    generation = make_generation(project, user)
    if action == "restore":
        Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now())
    data = {"target": other_project.pk} if extra == "target" else {"tag": "x"} if extra else {}
    before = list(Generation.objects.values_list("pk", "project", "deleted_at"))

    response = bulk(client_for(viewer), team, action, [generation], **data)

    assert response.status_code == 403
    assert list(Generation.objects.values_list("pk", "project", "deleted_at")) == before
    assert not Tag.objects.exists()


def test_history_bulk_zip_is_allowed_for_viewers(
    team: Team, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user, image=(1, 1, 1))

    response = bulk(client_for(viewer), team, "zip", [generation])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_history_bulk_without_a_selection_goes_back_with_a_message(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)

    response = client.post(reverse("history_bulk", args=[team.pk]), {"action": "trash"})
    page = client.get(response["Location"])

    assert response["Location"] == reverse("team_history", args=[team.pk])
    assert "Select at least one result." in page.text


# Generation detail -----------------------------------------------------------------------------------


def test_generation_detail_shows_results_parameters_request_responses_and_timeline(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(
        project,
        user,
        kind=Kind.VEO3_VIDEO,
        status=Status.QUEUED,
        prompt="a fox at dawn",
        params={"aspect_ratio": "9:16"},
        request_payload={
            "method": "POST",
            "path": "/v1/video/generations",
            "body": {"images": ["<redacted>"]},
        },
    )
    assert generation.transition(
        Status.SUBMITTED, allowed_from=[Status.QUEUED], upstream_task_id="veo-task-7"
    )
    generation.log(GenerationEvent.Kind.RESPONSE, message="accepted", payload={"id": "veo-task-7"})
    assert generation.transition(Status.SUCCEEDED, allowed_from=[Status.SUBMITTED])
    asset = store_result_bytes(generation, png_bytes(), position=0, expected=MediaKind.IMAGE)
    assert asset is not None

    response = client_for(user).get(reverse("generation_detail", args=[generation.pk]))

    text = html.unescape(response.text)
    assert response.status_code == 200
    assert reverse("asset_file", args=[asset.pk, "file"]) in text
    assert "a fox at dawn" in text
    assert "aspect_ratio" in text
    assert "9:16" in text
    assert "/v1/video/generations" in text
    assert "&lt;redacted&gt;" in response.text
    assert '"id": "veo-task-7"' in text
    assert "veo-task-7" in text
    timeline = text[text.index('id="timeline-title"') : text.index('id="wire-title"')]
    # Each step by its label in the reader's language, not its code.
    assert [s for s in ("Submitted", "Done") if f"<strong>{s}</strong>" in timeline] == ["Submitted", "Done"]
    assert "<strong>submitted</strong>" not in timeline


def test_generation_detail_shows_ancestors_and_descendants(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    root = make_generation(project, user, prompt="grid")
    middle = make_generation(project, user, kind=Kind.MJ_ACTION, parent=root, params={"label": "U2"})
    child = make_generation(
        project, user, kind=Kind.MJ_ACTION, parent=middle, params={"label": "Zoom Out 2x"}
    )
    grandchild = make_generation(project, user, kind=Kind.MJ_ACTION, parent=child, params={"label": "V1"})
    trashed_child = make_generation(
        project, user, kind=Kind.MJ_ACTION, parent=middle, params={"label": "gone"}
    )
    Generation.objects.filter(pk=trashed_child.pk).update(deleted_at=timezone.now())

    response = client_for(user).get(reverse("generation_detail", args=[middle.pk]))

    text = response.text
    lineage = text[text.index('id="lineage-title"') : text.index('id="params-title"')]
    links = [int(pk) for pk in re.findall(r'href="/generations/(\d+)/"', lineage)]
    assert links == [root.pk, child.pk, grandchild.pk]
    assert "U2" in lineage
    assert 'class="depth-1"' in lineage
    assert 'class="depth-2"' in lineage
    assert "gone" not in lineage


def test_generation_detail_offers_use_as_input_to_editors_only(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user, image=(3, 4, 5))
    asset = generation.assets.get()
    use = f"{reverse('project_detail', args=[project.pk])}?family=veo3&amp;use={asset.pk}"

    as_member = client_for(user).get(reverse("generation_detail", args=[generation.pk]))
    as_viewer = client_for(viewer).get(reverse("generation_detail", args=[generation.pk]))

    assert use in as_member.text
    assert as_viewer.status_code == 200
    assert use not in as_viewer.text
    assert reverse("generation_tag_add", args=[generation.pk]) not in as_viewer.text


def test_generation_detail_shows_a_trashed_generation_as_in_the_trash(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now())

    response = client_for(user).get(reverse("generation_detail", args=[generation.pk]))

    assert response.status_code == 200
    assert "In the trash" in response.text


def test_project_history_sorts_by_cost_shows_it_on_tiles_and_keeps_the_query_count(
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    cheap, dear, unknown = (
        charge(make_generation(project, user, image=(9, 9, 9)), amount)
        for amount in (40_000, 2_000_000, None)
    )
    for index in range(30):
        charge(make_generation(project, user, prompt=f"filler {index}"), 1_000_000)
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])
    client.get(url)  # Warms the cached filter options, the session and the tiles' HTML,
    client.get(url, {"sort": "cost_desc"})  # of both orders.
    with django_assert_max_num_queries(8) as counted:
        newest = client.get(url)

    with django_assert_num_queries(len(counted.captured_queries)):
        by_cost = client.get(url, {"sort": "cost_desc"})
    cheapest = client.get(url, {"sort": "cost_asc", "cost_max": "0.5"})
    more = client.get(url + (load_more_href(by_cost.text) or ""), headers=HTMX)

    assert tile_ids(by_cost.text)[0] == dear.pk
    assert "2.00 USD" in by_cost.text
    assert "price unknown" in more.text
    assert tile_ids(more.text)[-1] == unknown.pk
    assert "sort=cost_desc" in (load_more_href(by_cost.text) or "")
    assert tile_ids(cheapest.text) == [cheap.pk]
    assert "0.04 USD" in cheapest.text
    assert len(tile_ids(newest.text)) == 24


def test_project_history_refuses_a_cost_range_upside_down(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(
        reverse("project_history", args=[project.pk]), {"cost_min": "2", "cost_max": "1"}
    )

    assert "The highest cost is below the lowest." in response.text
