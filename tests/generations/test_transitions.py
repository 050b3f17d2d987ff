"""The generation's state machine: one table of allowed moves, each made as a compare-and-set."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from studio.accounts.models import User
from studio.generations.models import TRANSITIONS, Generation, GenerationEvent, Kind, Status
from studio.projects.models import Project

ALLOWED = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
EVERY_PAIR = list(itertools.product(Status, Status))


def row(project: Project, user: User, status: Status, kind: str = Kind.VEO3_VIDEO) -> Generation:
    return Generation.objects.create(
        team_id=project.team_id,
        project=project,
        created_by=user,
        kind=kind,
        model="veo3-fast",
        prompt="a red fox",
        status=status,
    )


def test_transitions_table_names_every_status_and_nothing_leaves_a_finished_one() -> None:
    assert set(TRANSITIONS) == set(Status)
    for status in (Status.SUCCEEDED, Status.FAILED, Status.CANCELED):
        assert TRANSITIONS[status] == frozenset()
    assert all(source != target for source, target in ALLOWED)


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), [pair for pair in EVERY_PAIR if pair in ALLOWED])
def test_move_makes_every_allowed_move_once(
    project: Project, user: User, source: Status, target: Status
) -> None:
    generation = row(project, user, source)

    assert generation.move(target, allowed_from=[source]) is True
    assert generation.move(target, allowed_from=[source]) is False

    generation.refresh_from_db()
    assert generation.status == target
    event = generation.events.get(kind=GenerationEvent.Kind.STATUS)
    assert (event.status_from, event.status_to) == (source, target)


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), [pair for pair in EVERY_PAIR if pair not in ALLOWED])
def test_move_refuses_every_forbidden_move(
    project: Project, user: User, source: Status, target: Status
) -> None:
    generation = row(project, user, source)

    with pytest.raises(ValueError, match="never moves"):
        generation.move(target, allowed_from=[source])

    generation.refresh_from_db()
    assert generation.status == source
    assert not generation.events.exists()


@pytest.mark.django_db
def test_mark_failed_changes_nothing_when_the_row_moved_on_meanwhile(project: Project, user: User) -> None:
    generation = row(project, user, Status.WAITING)
    Generation.objects.filter(pk=generation.pk).update(status=Status.SUBMITTING)

    assert generation.mark_failed("no_capacity", "waited too long", allowed_from=[Status.WAITING]) is False

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTING
    assert generation.error_code == ""


@pytest.mark.django_db
def test_mark_failed_keeps_the_gateway_words_unless_given(project: Project, user: User) -> None:
    generation = row(project, user, Status.WAITING)
    Generation.objects.filter(pk=generation.pk).update(gateway_message="queue full")

    assert generation.mark_failed("no_capacity", "waited too long", allowed_from=[Status.WAITING])

    generation.refresh_from_db()
    assert (generation.status, generation.error_code, generation.gateway_message) == (
        Status.FAILED,
        "no_capacity",
        "queue full",
    )
    assert generation.finished_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "cancelable_while_submitting"), [(Kind.VEO3_VIDEO, False), (Kind.CHAT, True)]
)
def test_cancel_stops_a_submitting_generation_only_of_a_sync_kind(
    project: Project, user: User, kind: str, cancelable_while_submitting: bool
) -> None:
    generation = row(project, user, Status.SUBMITTING, kind=kind)

    assert generation.cancel(by=user) is cancelable_while_submitting


def test_no_studio_module_but_the_models_calls_the_raw_transition() -> None:
    studio = Path(__file__).resolve().parents[2] / "studio"
    callers = [
        str(path.relative_to(studio))
        for path in studio.rglob("*.py")
        if re.search(r"\.transition\(", path.read_text()) and path.name != "models.py"
    ]

    assert callers == []
