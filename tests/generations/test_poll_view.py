"""The project page's single poller: only changed cards, out of band, in three queries, never a stranger's."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studio.accounts.models import Role, User
from studio.generations import services
from studio.generations.models import Asset, Generation, Kind, Status
from studio.projects.models import Project
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """The project page asks the gateway for its models; here it refuses connections, so defaults are used."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


def queued(project: Project, user: User, prompt: str = "a red fox") -> Generation:
    return services.start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt=prompt, params={}
    )


def with_result_image(generation: Generation) -> Asset:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, format="PNG")
    content = buffer.getvalue()
    asset = Asset(
        team_id=generation.team_id,
        project_id=generation.project_id,
        generation=generation,
        role=Asset.Role.RESULT,
        kind=Asset.MediaKind.IMAGE,
        mime_type="image/png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        width=40,
        height=30,
    )
    asset.file.save("result.png", ContentFile(content), save=True)
    return asset


def poll_url_on_page(client: Client, project: Project) -> str:
    """The poll URL the project page's poller calls, as a browser would read it from the page."""
    page = client.get(reverse("project_detail", args=[project.pk]))
    match = re.search(r'<div id="generation-poller" hx-get="([^"]+)"', page.text)
    assert match, "the page has no live poller"
    return html.unescape(match.group(1))


def never_seen(*generations: Generation) -> str:
    """A poll URL for cards the page has never seen in any version, so every one of them counts as changed."""
    return reverse("generation_poll") + "?v=" + ",".join(f"{g.pk}.0" for g in generations)


def polled_ids(text: str) -> list[int]:
    """The ids the returned poller will ask about next; empty when it is inert."""
    poller = re.search(r'<div id="generation-poller"[^>]*>', text)
    assert poller, "no poller in the response"
    query = re.search(r'hx-get="[^"]*\?v=([^"]*)"', poller.group(0))
    return [int(pair.split(".")[0]) for pair in query.group(1).split(",")] if query else []


def articles(text: str) -> list[str]:
    return re.findall(r"<article\b[^>]*>", text)


def test_generation_poll_answers_only_the_changed_cards_out_of_band(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    unchanged = [queued(project, user, prompt=f"fox {n}") for n in range(2)]
    changing = queued(project, user, prompt="fox that moves on")
    poll_url = poll_url_on_page(client, project)
    changing.transition(Status.RUNNING, allowed_from=[Status.QUEUED], upstream_task_id="t", progress=30)

    response = client.get(poll_url, **HTMX)

    assert response.status_code == 200
    tags = articles(response.text)
    assert len(tags) == 1
    assert f'id="generation-{changing.pk}"' in tags[0]
    assert 'hx-swap-oob="true"' in tags[0]
    assert 'data-status="running"' in tags[0]
    assert 'value="30"' in response.text
    assert sorted(polled_ids(response.text)) == sorted(g.pk for g in [*unchanged, changing])


def test_generation_poll_sends_a_card_that_changed_before_another_cards_action_restarted_the_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    moved_on = queued(project, user, prompt="fox that moves on")
    canceled = queued(project, user, prompt="fox to cancel")
    poll_url_on_page(client, project)
    moved_on.transition(Status.RUNNING, allowed_from=[Status.QUEUED], upstream_task_id="t", progress=30)

    action = client.post(reverse("generation_cancel", args=[canceled.pk]), **HTMX)
    poll_url = html.unescape(re.search(r'hx-get="([^"]*generations/poll/[^"]*)"', action.text).group(1))
    response = client.get(poll_url, **HTMX)

    tags = articles(response.text)
    assert len(tags) == 1
    assert f'id="generation-{moved_on.pk}"' in tags[0]
    assert 'data-status="running"' in tags[0]


def test_generation_poll_answers_nothing_but_the_poller_when_no_card_changed(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    generation = queued(project, user)
    poll_url = poll_url_on_page(client, project)

    response = client.get(poll_url, **HTMX)

    assert response.status_code == 200
    assert articles(response.text) == []
    assert polled_ids(response.text) == [generation.pk]


@pytest.mark.parametrize("cards", [3, 30])
def test_generation_poll_makes_at_most_three_queries_whatever_the_number_of_cards(
    cards: int,
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,
    session_queries: int,
) -> None:
    client = client_for(user)
    generations = [queued(project, user, prompt=f"fox {n}") for n in range(cards)]
    for generation in generations[::2]:
        generation.transition(Status.RUNNING, allowed_from=[Status.QUEUED], upstream_task_id="t", progress=50)

    with django_assert_max_num_queries(3 + session_queries):
        response = client.get(never_seen(*generations), **HTMX)

    assert len(articles(response.text)) == cards
    assert response.status_code == 200


def test_generation_poll_makes_at_most_three_queries_with_result_files(
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,
    session_queries: int,
) -> None:
    client = client_for(user)
    generations = [queued(project, user, prompt=f"fox {n}") for n in range(5)]
    for generation in generations:
        generation.transition(Status.SUCCEEDED, allowed_from=[Status.QUEUED], upstream_task_id="t")
        with_result_image(generation)

    with django_assert_max_num_queries(3 + session_queries):
        response = client.get(never_seen(*generations), **HTMX)

    assert response.text.count("<img ") == 5


def test_generation_poll_answers_286_and_an_inert_poller_when_nothing_is_live(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    generation = queued(project, user)
    poll_url = poll_url_on_page(client, project)
    generation.transition(Status.SUCCEEDED, allowed_from=[Status.QUEUED], upstream_task_id="t")
    asset = with_result_image(generation)

    response = client.get(poll_url, **HTMX)

    assert response.status_code == 286
    tags = articles(response.text)
    assert len(tags) == 1
    assert 'data-status="succeeded"' in tags[0]
    assert 'hx-swap-oob="true"' in tags[0]
    assert reverse("asset_file", args=[asset.pk, "file"]) in response.text
    poller = re.search(r'<div id="generation-poller"[^>]*>', response.text)
    assert poller
    assert "hx-get" not in poller.group(0)
    assert "hx-trigger" not in poller.group(0)
    assert 'data-live="0"' in poller.group(0)


def test_generation_poll_answers_286_when_no_card_is_asked(
    user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("generation_poll"), **HTMX)

    assert response.status_code == 286
    assert articles(response.text) == []
    assert 'data-live="0"' in response.text


def test_generation_poll_ignores_versions_it_cannot_read(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = queued(project, user)

    response = client_for(user).get(
        reverse("generation_poll"), {"v": f"abc,{generation.pk}.x,.5,,{generation.pk}"}, **HTMX
    )

    assert response.status_code == 286
    assert articles(response.text) == []


def test_generation_poll_never_returns_another_teams_generations_even_when_asked(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    own = queued(project, user, prompt="our fox")
    other_project = factories.make_project(factories.make_team(other_team_user))
    foreign = queued(other_project, other_team_user, prompt="their secret fox")

    response = client_for(user).get(never_seen(own, foreign), **HTMX)

    assert f'id="generation-{own.pk}"' in response.text
    assert f'id="generation-{foreign.pk}"' not in response.text
    assert "their secret fox" not in response.text
    assert polled_ids(response.text) == [own.pk]


def test_generation_poll_answers_286_to_a_stranger_asking_only_for_our_cards(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    generation = queued(project, user, prompt="our secret fox")

    response = client_for(other_team_user).get(never_seen(generation), **HTMX)

    assert response.status_code == 286
    assert articles(response.text) == []
    assert "our secret fox" not in response.text


@pytest.mark.parametrize(
    ("role", "can_edit"), [(Role.VIEWER, False), (Role.MEMBER, True), (Role.OWNER, True)]
)
def test_generation_poll_shows_actions_only_to_editors(
    role: str, can_edit: bool, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    for other_role in (Role.VIEWER, Role.MEMBER):
        factories.add_member(project.team, factories.make_user(), other_role)
    someone = user if role == Role.OWNER else project.team.memberships.get(role=role).user
    generation = queued(project, user)

    response = client_for(someone).get(never_seen(generation), **HTMX)

    assert len(articles(response.text)) == 1
    assert (reverse("generation_cancel", args=[generation.pk]) in response.text) is can_edit


def test_a_new_card_that_moved_on_while_the_answer_was_drawn_is_sent_on_the_next_poll(
    project: Project, user: User, client_for: Callable[[User], Client], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from studio.generations import views

    read_live_cards = views._live_cards

    def worker_moves_it_on_first(project_id: int) -> list[Generation]:
        # A worker takes the new job between the answer reading its card and reading the live cards.
        Generation.objects.filter(project_id=project_id).update(
            status=Status.WAITING, updated_at=timezone.now()
        )
        return read_live_cards(project_id)

    monkeypatch.setattr(views, "_live_cards", worker_moves_it_on_first)
    data = {
        "family": "veo3",
        "veo3-model": "veo3-fast",
        "veo3-prompt": "a red fox in the snow",
        "veo3-aspect_ratio": "9:16",
    }
    created = client_for(user).post(reverse("generation_create", args=[project.pk]), data, **HTMX)
    assert 'data-status="queued"' in created.text
    poll_url = html.unescape(re.search(r'hx-get="([^"]*generations/poll/[^"]*)"', created.text).group(1))

    response = client_for(user).get(poll_url, **HTMX)

    tags = articles(response.text)
    assert len(tags) == 1
    assert 'data-status="waiting"' in tags[0]
