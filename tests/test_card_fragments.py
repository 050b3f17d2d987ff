"""Cached card fragments (studio.lib.fragments) never show anything stale or anyone else's.

Each page is loaded once (which stores its finished cards), the thing a card shows is changed the way the
studio changes it, and the page is loaded again: the change must be there. The History, the project
workspace and a project share page, for a generation, its tags, its charge, the language, a moved
generation, a link's download switch, a card still in flight, the viewer's own star and CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Role, Team, User
from studio.costs.models import Charge
from studio.costs.templatetags.costs import money
from studio.generations import catalogue
from studio.generations.models import Character, Favourite, GatewayModel, Generation, Status
from studio.history import services as history
from studio.lib.fragments import CSRF_STAND_IN
from studio.projects.models import Project
from studio.sharing.models import ShareLink
from tests import factories
from tests.history.test_services import make_generation
from tests.sharing.test_services import make_result, share


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """The project page asks the gateway for models; here it refuses at once and defaults are used."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


def history_of(client: Client, project: Project) -> str:
    response = client.get(reverse("project_history", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode()


def tile_of(page: str, generation: Generation) -> str:
    match = re.search(rf'<li class="tile [^"]*" id="tile-{generation.pk}">.*?</li>\n', page, re.S)
    assert match, f"no tile for {generation.pk}"
    return match.group(0)


def card_of(page: str, generation: Generation) -> str:
    match = re.search(rf'<article id="generation-{generation.pk}".*?</article>', page, re.S)
    assert match, f"no card for {generation.pk}"
    return match.group(0)


def test_the_second_load_of_the_history_reads_finished_tiles_from_the_cache(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    finished = make_generation(project, user, image=(10, 20, 30))
    make_generation(project, user, status=Status.RUNNING)
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])
    first, second = client.get(url), client.get(url)
    assert [t.name for t in first.templates].count("history/_tile.html") == 2
    assert [t.name for t in second.templates].count("history/_tile.html") == 1  # the running one

    def tile(response) -> str:  # type: ignore[no-untyped-def]  # the finished tile, tokens blanked
        page = response.content.decode()
        return re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", tile_of(page, finished))

    assert tile(second) == tile(first)


def test_a_changed_generation_shows_fresh_in_the_history(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user, image=(10, 20, 30))
    client = client_for(user)
    assert "Done" in tile_of(history_of(client, project), generation)
    generation.status = Status.FAILED
    generation.save()
    tile = tile_of(history_of(client, project), generation)
    assert "Failed" in tile
    assert "Done" not in tile


def test_a_new_or_renamed_tag_shows_fresh_in_the_history(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    client = client_for(user)
    assert "hero" not in tile_of(history_of(client, project), generation)
    client.post(reverse("generation_tag_add", args=[generation.pk]), {"name": "hero"})
    assert '<span class="tag">hero' in tile_of(history_of(client, project), generation)
    team.tags.filter(name="hero").update(name="villain")  # type: ignore[attr-defined]
    tile = tile_of(history_of(client, project), generation)
    assert '<span class="tag">villain' in tile
    assert "hero" not in tile


def test_a_renamed_author_project_or_first_result_shows_fresh_in_the_team_history(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    """The tile's key is read as values, without the rows: each of them must still be in it."""
    generation = make_generation(project, user, image=(10, 20, 30))
    client = client_for(user)
    url = reverse("team_history", args=[team.pk])
    first = tile_of(client.get(url).content.decode(), generation)
    user.display_name = "Renamed Author"
    user.save()
    project.name = "Renamed Project"
    project.save()
    second = tile_of(client.get(url).content.decode(), generation)
    assert "Renamed Author" in second
    assert "Renamed Project" in second
    generation.assets.update(thumbnail="")
    third = tile_of(client.get(url).content.decode(), generation)
    assert "/thumb" in first
    assert "/thumb" not in third


def test_each_viewer_sees_their_own_star_and_their_own_csrf_token(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    other = factories.make_user()
    factories.add_member(team, other, Role.MEMBER)
    Favourite.objects.create(user=user, generation=generation)
    mine, theirs = client_for(user), client_for(other)
    my_page, their_page = history_of(mine, project), history_of(theirs, project)
    assert 'class="star on"' in tile_of(my_page, generation)
    assert 'class="star"' in tile_of(their_page, generation)
    # The second viewer's tile came from the cache, with the token of their own page put back in.
    for page in (my_page, their_page):
        page_token = re.search(r'"X-CSRFToken": "([^"]+)"', page)
        assert page_token
        tile_tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)"', tile_of(page, generation)))
        assert tile_tokens == {page_token.group(1)}
    assert CSRF_STAND_IN not in my_page + their_page


def test_a_change_of_language_shows_fresh_cards(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    client = client_for(user)
    assert "Done" in tile_of(history_of(client, project), generation)
    user.language = "zh-hans"
    user.save()
    tile = tile_of(history_of(client, project), generation)
    assert "已完成" in tile
    assert "Done" not in tile


def test_a_card_still_in_flight_is_never_cached(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user, status=Status.RUNNING, progress=10)
    client = client_for(user)
    url = reverse("project_detail", args=[project.pk])
    assert 'value="10"' in card_of(client.get(url).content.decode(), generation)
    Generation.objects.filter(pk=generation.pk).update(progress=60)  # even without a new updated_at
    assert 'value="60"' in card_of(client.get(url).content.decode(), generation)


def test_workspace_cards_from_the_cache_are_the_cards_rendered_and_follow_a_rename_or_new_result(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    """The workspace keys its cards by values read without the rows: each shown value must be in them."""
    parent = make_generation(project, user, image=(10, 20, 30))
    child = make_generation(project, user, image=(30, 20, 10), parent=parent)
    running = make_generation(project, user, status=Status.RUNNING, progress=10)
    client = client_for(user)
    url = reverse("project_detail", args=[project.pk])

    def cards() -> dict[int, str]:
        page = client.get(url).content.decode()
        return {
            generation.pk: re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", card_of(page, generation))
            for generation in (parent, child, running)
        }

    rendered, cached = cards(), cards()
    assert cached == rendered
    user.display_name = "Renamed Author"
    user.save()
    assert "Renamed Author" in cards()[child.pk]
    child.assets.update(thumbnail="")
    assert "/thumb" in rendered[child.pk]
    assert "/thumb" not in cards()[child.pk]


def test_a_changed_charge_shows_fresh_on_the_workspace_card(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    Charge.objects.create(
        generation=generation,
        team=project.team,
        project=project,
        user=user,
        kind=generation.kind,
        model=generation.model,
        price_name=generation.model,
        month=date.today().replace(day=1),
        day=date.today(),
        estimate=250_000,
        amount=250_000,
        state=Charge.State.RESERVED,
    )
    client = client_for(user)
    url = reverse("project_detail", args=[project.pk])
    card = card_of(client.get(url).content.decode(), generation)
    assert money(250_000, "USD") in card
    assert "est." in card
    Charge.objects.filter(pk=generation.pk).update(
        amount=400_000, state=Charge.State.SETTLED, is_estimated=False
    )
    card = card_of(client.get(url).content.decode(), generation)
    assert money(400_000, "USD") in card
    assert "est." not in card


def test_a_viewer_gets_cards_without_the_editors_actions(
    team: Team, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user, status=Status.FAILED)
    url = reverse("project_detail", args=[project.pk])
    retry = reverse("generation_retry", args=[generation.pk])
    assert retry in card_of(client_for(user).get(url).content.decode(), generation)
    assert retry not in card_of(client_for(viewer).get(url).content.decode(), generation)


def test_a_share_page_follows_moves_and_the_download_switch(
    team: Team, project: Project, user: User, client: Client
) -> None:
    kept = make_result(project, user, prompt="kept here")
    moved = make_result(project, user, prompt="moved away")
    link, token = share(user, ShareLink.Scope.PROJECT, project)
    url = reverse("share_page", args=[token])
    page = client.get(url).content.decode()
    assert "kept here" in page
    assert "moved away" in page
    assert f"/media/{kept.pk}/file/?download=1" in page
    history.move_generations(
        user=user,
        team=team,
        generations=[moved.generation],
        target=factories.make_project(team),  # type: ignore[list-item]
    )
    ShareLink.objects.filter(pk=link.pk).update(allow_download=False)
    page = client.get(url).content.decode()
    assert "kept here" in page
    assert "moved away" not in page
    assert "?download=1" not in page


def header_of(client: Client) -> str:
    response = client.get(reverse("notification_preferences"))
    assert response.status_code == 200
    match = re.search(r'<header class="topbar.*?</header>', response.content.decode(), re.S)
    assert match
    return match.group(0)


def test_the_cached_header_follows_team_names_roles_and_switches_and_is_each_persons_own(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    member = factories.make_user()
    membership = factories.add_member(team, member, Role.ADMIN)
    client = client_for(member)
    client.post(reverse("team_switch", args=[team.pk]))
    header_of(client)  # stores the fragments
    first = header_of(client)  # reads them
    assert team.name in first
    assert reverse("team_audit", args=[team.pk]) in first  # admins see the audit log
    team.name = "Renamed Team"
    team.save()
    renamed = header_of(client)
    assert "Renamed Team" in renamed
    membership.role = Role.MEMBER
    membership.save()
    second = header_of(client)
    assert reverse("team_audit", args=[team.pk]) not in second
    other_team = factories.make_team(member, "Second Team")
    client.post(reverse("team_switch", args=[other_team.pk]))
    third = header_of(client)
    assert reverse("team_history", args=[other_team.pk]) in third
    assert reverse("team_history", args=[team.pk]) not in third
    # Someone else with a header of the same shape gets their own teams, and their own token.
    owner_header = header_of(client_for(user))
    assert "Second Team" not in owner_header
    assert CSRF_STAND_IN not in first + second + third + owner_header


def test_the_cached_filter_panel_shows_each_addresss_own_choices(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    url = reverse("project_history", args=[project.pk])

    def search_box(query: dict[str, str]) -> str:
        page = client.get(url, query).content.decode()
        match = re.search(r'<input type="search" name="q" id="id_q" value="([^"]*)"', page)
        assert match
        return match.group(1)

    assert [search_box({}), search_box({"q": "fox"}), search_box({}), search_box({"q": "owl"})] == [
        "",
        "fox",
        "",
        "owl",
    ]


def form_of(client: Client, project: Project, **query: str) -> str:
    """The project page's form, without the viewer's CSRF token."""
    response = client.get(reverse("project_detail", args=[project.pk]), query)
    assert response.status_code == 200
    match = re.search(r'<section id="generation-form".*?</section>', response.content.decode(), re.S)
    assert match
    return re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", match.group(0))


def test_the_cached_generation_form_is_the_form_rendered_and_follows_its_family_choices_and_inputs(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    rendered = form_of(client, project, family="sora2")
    assert form_of(client, project, family="sora2") == rendered
    assert CSRF_STAND_IN not in rendered
    assert 'name="image-prompt"' in form_of(client, project, family="image")
    # A new character is a new choice of the Sora2 form.
    Character.objects.create(team=team, project=project, name="Fox", username="cameo.fox")
    assert "cameo.fox" not in rendered
    assert "cameo.fox" in form_of(client, project, family="sora2")
    # A result used as input is the form's initial value.
    source = make_generation(project, user, image=(10, 20, 30))
    asset = source.assets.get()
    picked = form_of(client, project, family="image", use=str(asset.pk))
    chosen = f'name="image-images_assets" value="{asset.pk}"'
    assert chosen in picked
    assert chosen not in form_of(client, project, family="image")


def test_the_cached_generation_form_follows_the_gateways_model_list_and_the_language(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    before = form_of(client, project, family="veo3")
    assert "veo3-brand-new" not in before
    GatewayModel.objects.create(team=team, model_id="veo3-brand-new")
    cache.delete(catalogue._cache_key(team))  # the list is re-read from the stored refresh
    assert '<option value="veo3-brand-new">' in form_of(client, project, family="veo3")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = form_of(client, project, family="veo3")
    assert "提示词" in chinese
    assert "提示词" not in before
