"""Midjourney's `notifyHook`: the studio's token in the URL, the endpoint, and the sandbox calling it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from studio.generations import services
from studio.generations.engine import submit
from studio.generations.kinds.midjourney import notify_token, task_state
from studio.generations.models import Generation, GenerationEvent, Kind, Status
from studio.projects.models import Project


def imagine(project: Project, user, prompt: str = "a lighthouse in a storm") -> Generation:  # type: ignore[no-untyped-def]
    return services.start_generation(
        project=project, user=user, kind=Kind.MJ_IMAGINE, model="midjourney", prompt=prompt, params={}
    )


def hook_url(generation: Generation, token: str | None = None) -> str:
    return reverse("midjourney_notify", args=[generation.pk, token or notify_token(generation.pk)])


def submitted(generation: Generation, *, next_poll_in: float = 60) -> Generation:
    """The generation as the poller follows it: submitted, its next check a minute away."""
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUBMITTED,
        upstream_task_id="1756312355123456",
        submitted_at=timezone.now(),
        next_poll_at=timezone.now() + timedelta(seconds=next_poll_in),
    )
    generation.refresh_from_db()
    return generation


@pytest.mark.django_db
def test_midjourney_notify_moves_the_next_check_to_now(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(imagine(project, user))

    response = Client().post(hook_url(generation), {"status": "SUCCESS"}, content_type="application/json")

    assert response.status_code == 204
    generation.refresh_from_db()
    assert generation.next_poll_at is not None
    assert generation.next_poll_at <= timezone.now()


@pytest.mark.django_db
def test_midjourney_notify_never_trusts_the_posted_body(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(imagine(project, user))
    body = {"id": "1756312355123456", "status": "SUCCESS", "imageUrl": "https://evil.example/x.png"}

    Client().post(hook_url(generation), body, content_type="application/json")

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert generation.result_urls == []


@pytest.mark.django_db
def test_midjourney_notify_404s_for_a_wrong_token(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(imagine(project, user))
    other = submitted(imagine(project, user, prompt="another"))
    before = generation.next_poll_at

    # Another generation's token is as wrong as a made-up one.
    for token in ("0" * 64, notify_token(other.pk)):
        assert Client().post(hook_url(generation, token)).status_code == 404
    generation.refresh_from_db()
    assert generation.next_poll_at == before


@pytest.mark.django_db
def test_midjourney_notify_404s_for_an_unknown_generation(db) -> None:  # type: ignore[no-untyped-def]
    url = reverse("midjourney_notify", args=[987654, notify_token(987654)])

    assert Client().post(url).status_code == 404


@pytest.mark.django_db
def test_midjourney_notify_needs_post(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(imagine(project, user))

    assert Client().get(hook_url(generation)).status_code == 405


@pytest.mark.django_db
def test_midjourney_notify_needs_no_login_or_csrf_token(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(imagine(project, user))

    response = Client(enforce_csrf_checks=True).post(hook_url(generation))

    assert response.status_code == 204


@pytest.mark.django_db
def test_midjourney_notify_leaves_a_finished_generation_alone(project, user) -> None:  # type: ignore[no-untyped-def]
    generation = imagine(project, user)
    Generation.objects.filter(pk=generation.pk).update(status=Status.SUCCEEDED, next_poll_at=None)

    assert Client().post(hook_url(generation)).status_code == 204
    generation.refresh_from_db()
    assert generation.next_poll_at is None


def test_midjourney_submit_sends_hook_and_state_but_records_no_token(
    sandbox_project, user, settings, live_server
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    generation = imagine(sandbox_project, user)

    submit.submit_generation(generation.pk)

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    body = generation.request_payload["body"]
    assert body["state"] == task_state(generation.pk)
    assert body["notifyHook"].startswith(f"{live_server.url}/hooks/midjourney/{generation.pk}/")
    token = notify_token(generation.pk)
    events = GenerationEvent.objects.filter(generation=generation)
    assert all(token not in str(event.payload) for event in events)


def test_sandbox_calls_the_hook_when_the_task_finishes(sandbox_project, user, settings, live_server) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    settings.SANDBOX_TIME_SCALE = 0.04  # The grid is done in about two seconds, after the check is moved.
    generation = imagine(sandbox_project, user)
    submit.submit_generation(generation.pk)
    far = timezone.now() + timedelta(hours=1)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=far)

    deadline = time.monotonic() + 20
    generation.refresh_from_db()
    while generation.next_poll_at == far and time.monotonic() < deadline:
        time.sleep(0.1)
        generation.refresh_from_db()

    # Nothing but the hook brings the check forward from an hour away.
    assert generation.next_poll_at is not None
    assert generation.next_poll_at < far - timedelta(minutes=59)
