"""A long generation's end notifies its creator; a short one does not."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from studio.generations.models import Generation, Status
from studio.notifications.models import Notification, NotificationKind


def running_generation(project, user, *, started_ago: timedelta) -> Generation:  # type: ignore[no-untyped-def]
    generation = Generation.objects.create(
        team=project.team,
        project=project,
        created_by=user,
        kind="images_generate",
        model="gpt-image-1",
        prompt="A red fox in fresh snow",
        created_at=timezone.now() - started_ago,
    )
    generation.transition(Status.RUNNING, allowed_from=[Status.QUEUED])
    return generation


def test_mark_succeeded_notifies_the_creator_when_it_took_longer_than_30_seconds(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = running_generation(project, user, started_ago=timedelta(minutes=2))

    assert generation.mark_succeeded()

    notification = Notification.objects.get(recipient=user)
    assert notification.kind == NotificationKind.GENERATION_FINISHED
    assert notification.target_id == generation.pk
    assert notification.text == "Your generation “A red fox in fresh snow” is ready."


def test_mark_failed_notifies_the_creator_with_the_reason(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = running_generation(project, user, started_ago=timedelta(minutes=5))

    assert generation.mark_failed("refused", "The gateway refused the prompt.", allowed_from=[Status.RUNNING])

    notification = Notification.objects.get(recipient=user)
    assert notification.kind == NotificationKind.GENERATION_FAILED
    assert notification.params == {
        "title": "A red fox in fresh snow",
        "reason": "The gateway refused the prompt.",
    }


def test_a_quick_generation_ends_without_a_notification(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = running_generation(project, user, started_ago=timedelta(seconds=5))

    assert generation.mark_succeeded()

    assert not Notification.objects.filter(recipient=user).exists()


def test_a_cancel_or_a_second_success_adds_no_notification(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = running_generation(project, user, started_ago=timedelta(minutes=2))
    assert generation.mark_succeeded()

    assert not generation.mark_succeeded()

    assert Notification.objects.filter(recipient=user).count() == 1
    other = running_generation(project, user, started_ago=timedelta(minutes=2))
    assert other.cancel(by=user)
    assert Notification.objects.filter(recipient=user).count() == 1
