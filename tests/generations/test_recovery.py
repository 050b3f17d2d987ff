"""Outcome unknown, resolved where the gateway can tell: Midjourney tasks found again by their `state`."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import User
from studio.generations import services
from studio.generations.engine import recovery, submit
from studio.generations.models import Generation, GenerationEvent, Kind, Status
from studio.projects.models import Project


def start(project: Project, user: User, kind: str = Kind.MJ_IMAGINE) -> Generation:
    model, params = ("veo3-fast", {"aspect_ratio": "16:9"}) if kind == Kind.VEO3_VIDEO else ("midjourney", {})
    return services.start_generation(
        project=project, user=user, kind=kind, model=model, prompt="a lighthouse in a storm", params=params
    )


def answer_lost(generation: Generation) -> None:
    """As after a kill between "request sent" and "answer stored": sent, no task id, outcome unknown."""
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.OUTCOME_UNKNOWN,
        upstream_task_id="",
        sent_at=timezone.now() - timedelta(seconds=30),
        next_poll_at=None,
    )


def test_find_unknown_outcomes_continues_a_midjourney_task_the_gateway_took(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user)
    submit.submit_generation(generation.pk)
    generation.refresh_from_db()
    task_id = generation.upstream_task_id
    answer_lost(generation)

    assert recovery.find_unknown_outcomes(timezone.now()) == 1

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert generation.upstream_task_id == task_id
    assert generation.events.filter(kind=GenerationEvent.Kind.NOTE, payload__task_id=task_id).exists()
    # Found, not sent again.
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def test_find_unknown_outcomes_leaves_a_task_the_gateway_never_took(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user)
    answer_lost(generation)
    now = timezone.now()

    assert recovery.find_unknown_outcomes(now) == 0

    generation.refresh_from_db()
    assert generation.status == Status.OUTCOME_UNKNOWN
    assert generation.next_poll_at == now + recovery.SEARCH_EVERY
    # Not searched again before its time.
    assert recovery.find_unknown_outcomes(now + timedelta(seconds=1)) == 0


def test_find_unknown_outcomes_does_not_take_another_generations_task(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    taken = start(sandbox_project, user)
    submit.submit_generation(taken.pk)
    lost = start(sandbox_project, user)
    answer_lost(lost)

    assert recovery.find_unknown_outcomes(timezone.now()) == 0

    lost.refresh_from_db()
    assert lost.status == Status.OUTCOME_UNKNOWN


def test_find_unknown_outcomes_stops_searching_after_a_while(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user)
    submit.submit_generation(generation.pk)
    answer_lost(generation)
    Generation.objects.filter(pk=generation.pk).update(sent_at=timezone.now() - timedelta(minutes=11))

    assert recovery.find_unknown_outcomes(timezone.now()) == 0

    generation.refresh_from_db()
    assert generation.status == Status.OUTCOME_UNKNOWN


def test_find_unknown_outcomes_never_asks_about_kinds_the_gateway_cannot_search(
    sandbox_project, user
) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    submit.submit_generation(generation.pk)
    answer_lost(generation)

    assert recovery.find_unknown_outcomes(timezone.now()) == 0

    generation.refresh_from_db()
    assert generation.status == Status.OUTCOME_UNKNOWN
    assert generation.next_poll_at is None


def test_card_offers_check_again_and_resubmit_when_the_outcome_is_unknown(
    sandbox_project, user, client_for
) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user)
    answer_lost(generation)

    page = client_for(user).get(reverse("project_detail", args=[sandbox_project.pk])).content.decode()

    assert "Check again" in page
    assert "Resubmit" in page
    assert "you pay twice" in page


def test_card_offers_only_resubmit_when_the_gateway_cannot_be_asked(
    sandbox_project, user, client_for
) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    answer_lost(generation)

    page = client_for(user).get(reverse("project_detail", args=[sandbox_project.pk])).content.decode()

    assert "Check again" not in page
    assert "Resubmit" in page
    assert "you pay twice" in page


def test_check_again_finds_the_task_at_once(sandbox_project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user)
    submit.submit_generation(generation.pk)
    generation.refresh_from_db()
    task_id = generation.upstream_task_id
    answer_lost(generation)
    # The automatic search has just run and found nothing yet; a person's check does not wait for it.
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now() + timedelta(seconds=20))

    response = client_for(user).post(
        reverse("generation_check", args=[generation.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert generation.upstream_task_id == task_id
