"""The team's model catalogue: the list kept per team, the Models page, and the forms' suggestions."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import Team, User
from studio.costs.models import ModelPrice
from studio.generations import catalogue, services
from studio.generations.models import GatewayModel, Generation, GenerationEvent, Kind, Status
from studio.projects.models import Project
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def group_of(page: str, title: str) -> str:
    """The text of one group's table on the Models page."""
    match = re.search(rf"<h3[^>]*>{re.escape(title)}</h3>(.*?)</section>", page, re.S)
    assert match, f"no group {title!r}"
    return match.group(1)


def finished(project: Project, user: User, model: str, status: str, seconds: float) -> Generation:
    generation = services.start_generation(
        project=project, user=user, kind=Kind.CHAT, model=model, prompt="hi", params={}
    )
    created = timezone.now() - timedelta(minutes=5)
    Generation.objects.filter(pk=generation.pk).update(
        status=status, created_at=created, finished_at=created + timedelta(seconds=seconds)
    )
    return generation


def test_models_page_lists_every_model_the_gateway_lists_grouped_by_capability(  # type: ignore[no-untyped-def]
    sandbox, user, team, client_for: Callable[[User], Client]
) -> None:
    page = client_for(user).get(reverse("team_models", args=[team.pk])).text

    assert "sora-2-character-real" in group_of(page, "Sora characters")
    assert "sora-2-character" not in group_of(page, "Video, asynchronous (Sora2)")
    assert "mj_imagine" in group_of(page, "Midjourney")
    assert "text-embedding-3-small" in group_of(page, "Embeddings")
    assert "veo3-fast" in group_of(page, "Video, asynchronous (Veo3 tasks)")
    assert "veo3-fast" in group_of(page, "Video via chat (synchronous)")
    assert "dall-e-3" in group_of(page, "Images API: generation and edits")
    assert "List from the gateway at" in page
    assert GatewayModel.objects.filter(team=team).count() > 40


def test_models_page_shows_the_teams_own_success_rate_and_median_time(  # type: ignore[no-untyped-def]
    sandbox, user, team, project, client_for: Callable[[User], Client]
) -> None:
    for status, seconds in [
        (Status.SUCCEEDED, 10),
        (Status.SUCCEEDED, 20),
        (Status.SUCCEEDED, 90),
        (Status.FAILED, 1),
        (Status.CANCELED, 1),
    ]:
        finished(project, user, "gpt-4o-mini", status, seconds)
    stranger_project = factories.make_project(factories.make_team(factories.make_user(), "Other"))
    finished(stranger_project, stranger_project.team.memberships.get().user, "gpt-4o", Status.FAILED, 5)

    chat = group_of(client_for(user).get(reverse("team_models", args=[team.pk])).text, "Chat")

    row = re.search(r"<code>gpt-4o-mini</code>.*?</tr>", chat, re.S).group(0)  # type: ignore[union-attr]
    assert "75% (3 of 4)" in row
    assert "20 s" in row
    other = re.search(r"<code>gpt-4o</code>.*?</tr>", chat, re.S).group(0)  # type: ignore[union-attr]
    assert "not used" in other


def test_refresh_with_the_gateway_down_keeps_the_last_list_and_says_why(  # type: ignore[no-untyped-def]
    sandbox, settings, user, team, client_for: Callable[[User], Client]
) -> None:
    catalogue.refresh_catalogue(team=team)
    listed = set(catalogue.stored_model_ids(team))
    settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{closed_port()}/sandbox"
    cache.clear()

    response = client_for(user).post(reverse("team_models_refresh", args=[team.pk]), **HTMX)

    assert "could not be asked for its models" in response.text
    assert "sora-2-character-real" in response.text
    assert set(catalogue.stored_model_ids(team)) == listed
    assert set(catalogue.gateway_model_ids(team)) == listed
    assert "gemini-2.5-flash-image" in catalogue.models_for_kind(team, Kind.CHAT_IMAGE)


def test_refresh_on_demand_marks_models_the_gateway_no_longer_lists(  # type: ignore[no-untyped-def]
    sandbox, user, team, client_for: Callable[[User], Client]
) -> None:
    old = timezone.now() - timedelta(days=3)
    GatewayModel.objects.create(team=team, model_id="veo2-retired", first_seen_at=old, last_seen_at=old)

    client = client_for(user)
    response = client.post(reverse("team_models_refresh", args=[team.pk]))
    page = client.get(response.url).text

    assert "The model list was refreshed." in page
    row = re.search(r"<code>veo2-retired</code>.*?</tr>", page, re.S).group(0)  # type: ignore[union-attr]
    assert "no longer listed" in row
    assert "veo2-retired" not in catalogue.gateway_model_ids(team)


def test_viewers_cannot_refresh_the_list(sandbox, viewer, team, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).post(reverse("team_models_refresh", args=[team.pk]))

    assert response.status_code == 403
    assert not GatewayModel.objects.filter(team=team).exists()


def test_scheduled_refresh_asks_only_teams_whose_list_is_due(sandbox, settings, user, team) -> None:  # type: ignore[no-untyped-def]
    settings.CATALOGUE_REFRESH_EVERY = 3600
    fresh = factories.make_team(user, "Fresh")
    GatewayModel.objects.create(team=fresh, model_id="gpt-4o")
    stale = factories.make_team(user, "Stale")
    an_hour_ago = timezone.now() - timedelta(hours=2)
    GatewayModel.objects.create(
        team=stale, model_id="gpt-4o", first_seen_at=an_hour_ago, last_seen_at=an_hour_ago
    )

    refreshed = catalogue.refresh_due_catalogues()

    assert refreshed == 1  # the stale team; the fresh one waits, and `team` was never used
    assert GatewayModel.objects.filter(team=stale).count() > 40
    assert GatewayModel.objects.filter(team=fresh).count() == 1


def test_forms_offer_only_models_that_fit_the_kind(sandbox, team: Team) -> None:  # type: ignore[no-untyped-def]
    sora = catalogue.models_for_kind(team, Kind.SORA2_VIDEO)
    imagine = catalogue.models_for_kind(team, Kind.MJ_IMAGINE)
    swap = catalogue.models_for_kind(team, Kind.MJ_SWAP_FACE)
    edit = catalogue.models_for_kind(team, Kind.IMAGES_EDIT)
    generate = catalogue.models_for_kind(team, Kind.IMAGES_GENERATE)

    assert "sora-2-pro" in sora
    assert not [model for model in sora if "character" in model]
    assert imagine == ["midjourney"]
    assert swap == ["swap_face"]
    assert "dall-e-3" not in edit
    assert {"gpt-image-1", "flux-kontext-pro"} <= set(edit)
    assert "dall-e-3" in generate


@pytest.mark.parametrize(("model", "is_noted"), [("my-private-model", True), ("gpt-4o-mini", False)])
def test_a_typed_model_the_gateway_does_not_list_is_sent_with_a_note(  # type: ignore[no-untyped-def]
    sandbox, user, project, client_for: Callable[[User], Client], model: str, is_noted: bool
) -> None:
    data = {"family": "text", "text-mode": Kind.CHAT, "text-model": model, "text-prompt": "hello"}

    client_for(user).post(reverse("generation_create", args=[project.pk]), data)

    generation = Generation.objects.get(project=project)
    assert generation.model == model
    notes = generation.events.filter(kind=GenerationEvent.Kind.NOTE, message__contains="not in the gateway")
    assert notes.exists() is is_noted


def test_project_page_warns_beside_a_model_the_list_does_not_have(sandbox, user, project, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(user).get(reverse("project_detail", args=[project.pk])).text

    assert re.search(r"<p[^>]*data-unknown-model[^>]*hidden>", page)


def test_models_page_shows_each_models_price_or_price_unknown(  # type: ignore[no-untyped-def]
    sandbox, user, team, client_for: Callable[[User], Client]
) -> None:
    from studio.costs.services import _store_price_list, save_price_override
    from studio.sandbox import pricing
    from studio.upstream.pricing import parse_price_list

    _store_price_list(team=team, price_list=parse_price_list(pricing.price_list()), source_url="sandbox")
    ModelPrice.objects.filter(team=team, name="dall-e-3").delete()
    save_price_override(
        team=team,
        actor=user,
        name="veo3-fast",
        quota_type="call",
        model_price=Decimal("0.5"),
        model_ratio=Decimal(0),
        completion_ratio=Decimal(1),
    )

    page = client_for(user).get(reverse("team_models", args=[team.pk])).text

    def row(title: str, model: str) -> str:
        match = re.search(rf"<code>{re.escape(model)}</code>.*?</tr>", group_of(page, title), re.S)
        assert match, f"no row {model!r}"
        return match.group(0)

    assert "0.50 USD a call" in row("Video, asynchronous (Veo3 tasks)", "veo3-fast")
    assert "USD per million prompt tokens" in row("Chat", "gpt-4o-mini")
    assert "price unknown" in row("Images API: generation and edits", "dall-e-3")
