"""One rule, one home: what a card offers (the model's `can_*` properties) is exactly what the services do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts.models import User
from studio.generations import services
from studio.generations.kinds import KINDS, Kind
from studio.generations.models import Generation, Status
from studio.projects.models import Project

pytestmark = pytest.mark.django_db

EVERY_CASE = [(status, kind) for status in Status for kind in Kind]


def in_state(project: Project, user: User, kind: str, status: str) -> Generation:
    return Generation.objects.create(
        team=project.team,
        project=project,
        created_by=user,
        kind=kind,
        model=KINDS[kind].default_model,
        prompt="a red fox",
        status=status,
    )


@pytest.mark.parametrize(("status", "kind"), EVERY_CASE)
def test_can_cancel_agrees_with_cancel_generation(
    project: Project, user: User, status: str, kind: str
) -> None:
    generation = in_state(project, user, kind, status)
    shown = generation.can_cancel

    assert services.cancel_generation(generation=generation, user=user) is shown


@pytest.mark.parametrize(("status", "kind"), EVERY_CASE)
def test_can_check_now_agrees_with_check_generation_now(
    project: Project, user: User, status: str, kind: str
) -> None:
    generation = in_state(project, user, kind, status)
    shown = generation.can_check_now

    assert services.check_generation_now(generation=generation) is shown


def test_can_cancel_is_false_while_ingesting(project: Project, user: User) -> None:
    generation = in_state(project, user, Kind.VEO3_VIDEO, Status.INGESTING)

    assert not generation.can_cancel


def test_can_check_now_is_false_for_a_sync_kind(project: Project, user: User) -> None:
    generation = in_state(project, user, Kind.CHAT, Status.RUNNING)

    assert not generation.can_check_now


def test_ingesting_card_shows_no_cancel(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = in_state(project, user, Kind.VEO3_VIDEO, Status.INGESTING)

    page = client_for(user).get(reverse("project_detail", args=[project.pk])).text

    assert f"generation-{generation.pk}" in page
    assert reverse("generation_cancel", args=[generation.pk]) not in page


def test_submitted_card_shows_cancel_and_check_now(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = in_state(project, user, Kind.VEO3_VIDEO, Status.SUBMITTED)

    page = client_for(user).get(reverse("project_detail", args=[project.pk])).text

    assert reverse("generation_cancel", args=[generation.pk]) in page
    assert reverse("generation_check", args=[generation.pk]) in page


@pytest.mark.parametrize("kind", sorted(Kind))
def test_can_remix_only_for_succeeded_sora_videos(project: Project, user: User, kind: str) -> None:
    generation = in_state(project, user, kind, Status.SUCCEEDED)

    assert generation.can_remix is (kind in {Kind.SORA2_VIDEO, Kind.SORA2_REMIX})
