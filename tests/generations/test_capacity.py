"""The team's slots at the gateway: capacity answers wait instead of failing, the limit holds across
claimers, the waiting line is fair, and every way a job ends gives its slot back."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import Role
from studio.generations import services, tasks
from studio.generations.engine import capacity, poller, submit
from studio.generations.kinds import Family
from studio.generations.models import HOLDING_SLOT, FamilySlots, Generation, GenerationEvent, Kind, Status
from tests.generations.conftest import wait_for
from tests.generations.test_engine import start, use_key


def waiting(project, user, count: int, kind: str = Kind.MJ_IMAGINE) -> list[Generation]:  # type: ignore[no-untyped-def]
    """Generations already in the waiting line, oldest first (as their submit tasks would leave them)."""
    made = []
    for number in range(count):
        generation = start(project, user, kind, prompt=f"{user.email} job {number}")
        Generation.objects.filter(pk=generation.pk).update(
            status=Status.WAITING,
            waiting_since=timezone.now(),
            created_at=timezone.now() + timedelta(milliseconds=number),
        )
        made.append(Generation.objects.get(pk=generation.pk))
    return made


def holding(team) -> int:  # type: ignore[no-untyped-def]
    kinds = capacity.kinds_of(Family.MIDJOURNEY)
    return Generation.objects.filter(team=team, kind__in=kinds, status__in=HOLDING_SLOT).count()


def test_queue_full_answer_waits_then_succeeds_against_the_sandbox(  # type: ignore[no-untyped-def]
    sandbox_project, user, team, settings, drive
) -> None:
    settings.SANDBOX_TIME_SCALE = (
        0.04  # A grid takes about 2 s: the first job still runs at the second submit.
    )
    settings.SANDBOX_MJ_CONCURRENCY = 1
    settings.SANDBOX_MJ_QUEUE_SIZE = 0
    first = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="first castle")
    second = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="second castle")

    assert submit.submit_generation(first.pk) == Status.SUBMITTED
    assert submit.submit_generation(second.pk) == Status.WAITING
    slots = FamilySlots.objects.get(team=team, family=Family.MIDJOURNEY)
    assert slots.learned_limit == 1  # The gateway took one job and refused the second.

    assert drive(first).status == Status.SUCCEEDED
    second = drive(second)

    assert second.status == Status.SUCCEEDED, second.error_message
    assert second.assets.count() == 1
    assert second.capacity_answers == 1
    assert second.events.filter(kind=GenerationEvent.Kind.ERROR, payload__code="queue_full").count() == 1
    assert second.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 2  # Refused once, then sent.


def test_waiting_past_the_teams_deadline_fails_with_the_reason(sandbox_project, user, team, settings) -> None:  # type: ignore[no-untyped-def]
    # A back-off longer than the test: the first refusal's pause must not end before the second submit.
    settings.GENERATION_SLOT_BACKOFF = 600
    use_key(team, "sk-sandbox-fault-queue-full")
    team.slot_wait_hours = 3
    team.save(update_fields=["slot_wait_hours"])
    overdue = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="overdue")
    recent = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="recent")
    for generation in (overdue, recent):
        assert submit.submit_generation(generation.pk) == Status.WAITING
    Generation.objects.filter(pk=overdue.pk).update(
        waiting_since=timezone.now() - timedelta(hours=3, minutes=1)
    )
    Generation.objects.filter(pk=recent.pk).update(waiting_since=timezone.now() - timedelta(hours=2))

    poller.poll_due_generations()

    overdue.refresh_from_db()
    recent.refresh_from_db()
    assert overdue.status == Status.FAILED
    assert overdue.error_code == "queue_full"
    assert "no free capacity for this job for 3 hours" in overdue.error_message
    assert overdue.gateway_message == "队列已满，请稍后尝试"
    assert overdue.can_retry
    assert recent.status == Status.WAITING


@pytest.mark.django_db(transaction=True)
def test_concurrent_claimers_never_exceed_the_limit(user, team, project) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 3
    team.save(update_fields=["midjourney_slots"])
    waiting(project, user, 12)
    claimers = 8
    barrier = threading.Barrier(claimers)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait()
            for _round in range(3):
                claimed.extend(capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY))
        except BaseException as exc:  # Reported below: a thread's exception is otherwise lost.
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(claimed) == 3
    assert len(set(claimed)) == 3
    assert holding(team) == 3


def test_slots_go_round_robin_across_members(sandbox_project, user, team, member_of) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 2
    team.save(update_fields=["midjourney_slots"])
    colleague = member_of(Role.MEMBER)
    batch = waiting(sandbox_project, user, 40)
    single = waiting(sandbox_project, colleague, 1)

    claims = capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY)

    assert set(claims) == {batch[0].pk, single[0].pk}


def test_a_member_with_jobs_running_goes_after_one_without(sandbox_project, user, team, member_of) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 2
    team.save(update_fields=["midjourney_slots"])
    colleague = member_of(Role.MEMBER)
    batch = waiting(sandbox_project, user, 5)
    assert set(capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY)) == {batch[0].pk, batch[1].pk}
    late = waiting(sandbox_project, colleague, 1)
    Generation.objects.filter(pk=batch[0].pk).update(status=Status.SUCCEEDED)

    claims = capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY)

    assert set(claims) == {late[0].pk}


def test_cancel_while_waiting_leaves_the_line_and_is_never_sent(
    sandbox_project, user, team, client_for
) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-queue-full")
    generation = start(sandbox_project, user, Kind.MJ_IMAGINE)
    assert submit.submit_generation(generation.pk) == Status.WAITING

    response = client_for(user).post(
        reverse("generation_cancel", args=[generation.pk]), headers={"HX-Request": "true"}
    )
    claims = capacity.take_slots(
        team_id=team.pk, family=Family.MIDJOURNEY, now=timezone.now() + timedelta(hours=1)
    )

    generation.refresh_from_db()
    assert response.status_code == 200
    assert generation.status == Status.CANCELED
    assert claims == {}
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def test_dead_workers_slot_is_released_when_its_lease_runs_out(sandbox_project, user, team) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 1
    team.save(update_fields=["midjourney_slots"])
    held, waiting_one = waiting(sandbox_project, user, 2)
    assert set(capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY)) == {held.pk}
    # The worker that took the slot dies before sending; nobody settles its claim until the lease ends.
    poller.poll_due_generations()
    assert Generation.objects.get(pk=waiting_one.pk).status == Status.WAITING

    poller.poll_due_generations(now=timezone.now() + timedelta(seconds=301))

    assert Generation.objects.get(pk=held.pk).status == Status.QUEUED
    assert Generation.objects.get(pk=waiting_one.pk).status == Status.SUBMITTING


def test_killed_worker_holding_a_slot_gives_it_back(sandbox_project, user, team, studio_workers) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 1
    team.save(update_fields=["midjourney_slots"])
    use_key(team, "sk-sandbox-fault-slow-8")  # Each submit waits 8 s for its answer: time to kill the worker.
    held = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="held by the doomed worker")
    wait_for(lambda: Generation.objects.filter(pk=held.pk, sent_at__isnull=False).exists())
    behind = start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="waits behind it")
    wait_for(lambda: Generation.objects.get(pk=behind.pk).status == Status.WAITING)

    studio_workers("worker")

    # The lease (4 s in these workers) runs out: the sent job's outcome is unknown and its slot is free.
    wait_for(lambda: Generation.objects.get(pk=held.pk).status == Status.OUTCOME_UNKNOWN, timeout=40)
    behind = wait_for(
        lambda: Generation.objects.filter(pk=behind.pk, status=Status.SUCCEEDED).first(), timeout=60
    )
    held_released = Generation.objects.get(pk=held.pk).events.get(status_to=Status.OUTCOME_UNKNOWN).at
    assert behind.events.get(kind=GenerationEvent.Kind.REQUEST).at > held_released
    assert Generation.objects.get(pk=held.pk).events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def test_learned_limit_recovers_one_slot_per_period(team, settings) -> None:  # type: ignore[no-untyped-def]
    settings.GENERATION_SLOT_RECOVERY = 300
    team.midjourney_slots = 5
    now = timezone.now()
    slots = FamilySlots(team=team, family=Family.MIDJOURNEY, learned_limit=1, learned_at=now)

    assert capacity.effective_limit(team, slots, now) == 1
    assert capacity.effective_limit(team, slots, now + timedelta(seconds=601)) == 3
    assert capacity.effective_limit(team, slots, now + timedelta(hours=2)) == 5


def test_card_shows_its_place_in_line_and_the_time_waited(
    sandbox_project, user, team, client_for, member_of
) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 1
    team.save(update_fields=["midjourney_slots"])
    colleague = member_of(Role.MEMBER)
    mine = waiting(sandbox_project, user, 3)
    theirs = waiting(sandbox_project, colleague, 1)
    Generation.objects.filter(pk=mine[0].pk).update(status=Status.RUNNING)  # Holds the only slot.

    page = client_for(user).get(reverse("project_detail", args=[sandbox_project.pk])).content.decode()

    assert page.count("Waiting for a free slot") >= 3
    assert "Waiting for a free slot — 0 ahead of this one" in _card(page, theirs[0])
    assert "Waiting for a free slot — 1 ahead of this one" in _card(page, mine[1])
    assert "Waiting for a free slot — 2 ahead of this one" in _card(page, mine[2])
    assert "waited" in _card(page, mine[2])


def test_poll_answers_a_waiting_card_again_when_its_place_moves(
    sandbox_project, user, team, client_for
) -> None:  # type: ignore[no-untyped-def]
    team.midjourney_slots = 1
    team.save(update_fields=["midjourney_slots"])
    first, second = waiting(sandbox_project, user, 2)
    client = client_for(user)
    versions = client.get(reverse("project_detail", args=[sandbox_project.pk])).context["live_versions"]
    unchanged = client.get(reverse("generation_poll"), {"v": versions}).content.decode()
    assert f"generation-{second.pk}" not in unchanged

    assert set(capacity.take_slots(team_id=team.pk, family=Family.MIDJOURNEY)) == {first.pk}
    moved = client.get(reverse("generation_poll"), {"v": versions}).content.decode()

    assert "Waiting for a free slot — 0 ahead of this one" in _card(moved, second)


def test_owner_sets_the_slot_limits_on_the_gateway_page(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("team_gateway", args=[team.pk]),
        {
            "base_url": "",
            "midjourney_slots": "12",
            "video_slots": "2",
            "sora_slots": "1",
            "slot_wait_hours": "6",
        },
    )

    team.refresh_from_db()
    assert response.status_code == 302
    assert (team.midjourney_slots, team.video_slots, team.sora_slots, team.slot_wait_hours) == (12, 2, 1, 6)


def test_slot_limits_are_refused_out_of_range_and_for_members(team, user, client_for, member_of) -> None:  # type: ignore[no-untyped-def]
    url = reverse("team_gateway", args=[team.pk])
    member = member_of(Role.MEMBER)

    refused = client_for(user).post(url, {"base_url": "", "midjourney_slots": "0", "slot_wait_hours": "99"})
    forbidden = client_for(member).post(url, {"base_url": "", "midjourney_slots": "50"})

    team.refresh_from_db()
    assert refused.status_code == 400
    assert forbidden.status_code == 403
    assert (team.midjourney_slots, team.slot_wait_hours) == (3, 3)


def _card(page: str, generation: Generation) -> str:
    start_at = page.index(f'id="generation-{generation.pk}"')
    return page[start_at : page.index("</article>", start_at)]


# A claim is timed from when its claimer holds the lock -------------------------------------------------


def test_take_slots_times_the_claim_and_lease_from_after_the_lock(project, user, team, settings) -> None:  # type: ignore[no-untyped-def]
    [generation] = waiting(project, user, 1)
    before = timezone.now()

    # The caller read its clock, then waited ten minutes for the lock behind other claimers.
    claims = capacity.take_slots(
        team_id=team.pk, family=Family.MIDJOURNEY, now=before - timedelta(minutes=10)
    )

    generation.refresh_from_db()
    assert list(claims) == [generation.pk]
    lease = timedelta(seconds=settings.GENERATION_SUBMIT_LEASE)
    assert generation.claim_expires_at >= before + lease
    assert generation.updated_at >= before
    assert generation.events.get(status_to=Status.SUBMITTING).at >= before


def test_take_slots_reads_the_pause_after_the_lock(project, user, team) -> None:  # type: ignore[no-untyped-def]
    [generation] = waiting(project, user, 1)
    before = timezone.now()
    FamilySlots.objects.create(team=team, family=Family.MIDJOURNEY, paused_until=before)

    claims = capacity.take_slots(
        team_id=team.pk, family=Family.MIDJOURNEY, now=before - timedelta(minutes=10)
    )

    assert list(claims) == [generation.pk]


def test_take_slots_chooses_due_jobs_by_the_callers_time(project, user, team) -> None:  # type: ignore[no-untyped-def]
    [generation] = waiting(project, user, 1)
    before = timezone.now()
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=before - timedelta(minutes=1))

    claims = capacity.take_slots(
        team_id=team.pk, family=Family.MIDJOURNEY, now=before - timedelta(minutes=10)
    )

    assert claims == {}
    assert Generation.objects.get(pk=generation.pk).status == Status.WAITING


# Sync kinds wait and try again after a capacity answer too ----------------------------------------------

SYNC_JOBS = {
    Kind.CHAT: ("gpt-4o-mini", {}),
    Kind.CHAT_IMAGE: ("gpt-4o-image", {}),
    Kind.IMAGES_GENERATE: ("dall-e-3", {"size": "1024x1024"}),
    Kind.SPEECH: ("tts-1", {"voice": "alloy"}),
    Kind.EMBEDDINGS: ("text-embedding-3-small", {}),
}


def start_sync(project, user, kind: str, model: str = "") -> Generation:  # type: ignore[no-untyped-def]
    default_model, params = SYNC_JOBS[kind]
    return services.start_generation(
        project=project,
        user=user,
        kind=kind,
        model=model or default_model,
        prompt="a lighthouse at dusk",
        params=params,
        inputs=None,
    )


@pytest.mark.parametrize(
    ("key", "kind", "code"),
    [
        ("sk-sandbox-fault-429", Kind.CHAT, "rate_limited"),  # With Retry-After.
        ("sk-sandbox-fault-429-0", Kind.CHAT_IMAGE, "rate_limited"),  # Without a usable one.
        ("sk-sandbox-fault-429", Kind.IMAGES_GENERATE, "rate_limited"),
        ("sk-sandbox-fault-429-0", Kind.SPEECH, "rate_limited"),
        ("sk-sandbox-fault-429", Kind.EMBEDDINGS, "rate_limited"),
    ],
)
def test_sync_kind_answered_429_waits_then_succeeds_against_the_sandbox(  # type: ignore[no-untyped-def]
    sandbox_project, user, team, key, kind, code
) -> None:
    use_key(team, key)
    generation = start_sync(sandbox_project, user, kind)

    tasks.submit_generation(generation.pk)

    generation.refresh_from_db()
    assert generation.status == Status.WAITING
    assert generation.error_code == code
    assert generation.sent_at is None
    assert generation.capacity_answers == 1
    assert generation.next_poll_at is not None
    assert generation.next_poll_at > timezone.now()  # Backs off before the next try.

    use_key(team, "sk-sandbox")  # The gateway has room again.
    assert _dispatch_and_run(generation) == Status.SUCCEEDED
    generation.refresh_from_db()
    assert generation.assets.count() >= 1
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 2  # Refused, then sent.


def test_sync_kind_keeps_waiting_while_the_gateway_stays_full_then_fails_past_the_deadline(  # type: ignore[no-untyped-def]
    sandbox_project, user, team
) -> None:
    use_key(team, "sk-sandbox-fault-429")
    team.slot_wait_hours = 2
    team.save(update_fields=["slot_wait_hours"])
    generation = start_sync(sandbox_project, user, Kind.CHAT)
    tasks.submit_generation(generation.pk)

    # More refusals than a failed send is ever tried (`submit.MAX_SUBMIT_ATTEMPTS`): still waiting.
    for _refusal in range(submit.MAX_SUBMIT_ATTEMPTS + 1):
        assert _dispatch_and_run(generation) == Status.WAITING
    generation.refresh_from_db()
    assert generation.capacity_answers == submit.MAX_SUBMIT_ATTEMPTS + 2
    Generation.objects.filter(pk=generation.pk).update(
        waiting_since=timezone.now() - timedelta(hours=2, minutes=1)
    )
    poller.poll_due_generations()

    generation.refresh_from_db()
    assert generation.status == Status.FAILED
    assert generation.error_code == "rate_limited"
    assert "no free capacity for this job for 2 hours" in generation.error_message


def test_sync_kind_answered_no_available_channel_waits_instead_of_failing(  # type: ignore[no-untyped-def]
    sandbox_project, user, team
) -> None:
    # The sandbox has no channel for this model, as new-api answers when all of a model's are saturated.
    generation = start_sync(sandbox_project, user, Kind.SPEECH, model="tts-9000")

    tasks.submit_generation(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.WAITING
    assert generation.error_code == "model_not_available"
    assert "无可用渠道" in generation.gateway_message

    assert _dispatch_and_run(generation) == Status.WAITING
    assert Generation.objects.get(pk=generation.pk).capacity_answers == 2


def test_cancel_while_a_sync_kind_waits_is_never_sent_again(sandbox_project, user, team, client_for) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-429")
    generation = start_sync(sandbox_project, user, Kind.CHAT)
    tasks.submit_generation(generation.pk)

    response = client_for(user).post(
        reverse("generation_cancel", args=[generation.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert capacity.dispatch_waiting(now=timezone.now() + timedelta(hours=1)) == 0
    assert Generation.objects.get(pk=generation.pk).status == Status.CANCELED
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def _dispatch_and_run(generation: Generation) -> Status:
    """The poller's pass once the back-off is over, then the worker's run under the claim it was given."""
    assert capacity.dispatch_waiting(now=timezone.now() + timedelta(hours=1)) == 1
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTING
    tasks.submit_generation(generation.pk, str(generation.claim_token))
    generation.refresh_from_db()
    return Status(generation.status)
