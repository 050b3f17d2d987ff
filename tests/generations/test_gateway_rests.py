"""A gateway that answers 429 is left alone for a while; the cards say so and "Check now" explains why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from studio.accounts.models import Team, User
from studio.accounts.services import update_gateway
from studio.generations import services
from studio.generations.engine import poller, submit
from studio.generations.models import Generation, Kind, Status
from studio.projects.models import Project
from tests.generations.conftest import _make_due

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def submitted_video(project: Project, user: User) -> Generation:
    generation = services.start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt="a red fox", params={}
    )
    submit.submit_generation(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    return generation


def test_card_shows_the_gateways_wait_after_a_429_on_status_checks(
    sandbox_project: Project, user: User, team: Team, client
) -> None:  # type: ignore[no-untyped-def]
    generation = submitted_video(sandbox_project, user)
    update_gateway(team=team, base_url="", api_key="sk-sandbox-fault-429-120")
    _make_due(generation)
    poller.poll_due_generations()

    rest_until = services.gateway_rest_until(team)
    assert rest_until is not None
    client.force_login(user)
    page = client.get(reverse("project_detail", args=[sandbox_project.pk])).content.decode()
    assert "The gateway asked us to wait (too many requests): next check at" in page


def test_check_now_says_until_when_the_gateway_asked_to_wait(
    sandbox_project: Project, user: User, team: Team, client
) -> None:  # type: ignore[no-untyped-def]
    generation = submitted_video(sandbox_project, user)
    update_gateway(team=team, base_url="", api_key="sk-sandbox-fault-429-120")
    _make_due(generation)
    poller.poll_due_generations()
    client.force_login(user)

    answer = client.post(reverse("generation_check", args=[generation.pk]), **HTMX).content.decode()

    assert "The gateway asked us to wait until" in answer
    assert "it will be checked then." in answer
    generation.refresh_from_db()
    rest_until = services.gateway_rest_until(team)
    assert rest_until is not None
    # The check was not moved forward into the wait.
    assert generation.next_poll_at is not None
    assert generation.next_poll_at >= rest_until - timedelta(seconds=1)


def test_check_now_answers_checking_when_the_gateway_is_not_resting(
    sandbox_project: Project, user: User, client
) -> None:  # type: ignore[no-untyped-def]
    generation = submitted_video(sandbox_project, user)
    client.force_login(user)

    answer = client.post(reverse("generation_check", args=[generation.pk]), **HTMX).content.decode()

    assert "Checking now." in answer
    assert "asked us to wait" not in answer
