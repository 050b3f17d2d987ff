"""The generation engine end to end against the sandbox over real HTTP: submit, poll, ingest, and faults."""

from __future__ import annotations

import io
from datetime import timedelta

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
from PIL import Image

from studio.accounts.models import Team, User
from studio.accounts.services import update_gateway
from studio.generations import services
from studio.generations.engine import ingest, poller, recovery, submit
from studio.generations.models import Asset, Character, Generation, GenerationEvent, Kind, Status
from studio.lib.media import MediaKind
from studio.projects.models import Project


def png_upload(
    size: tuple[int, int] = (320, 180), color: tuple[int, int, int] = (20, 120, 200)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return SimpleUploadedFile("frame.png", buffer.getvalue(), content_type="image/png")


def start(project: Project, user: User, kind: str, prompt: str = "a red fox in the snow", **options):  # type: ignore[no-untyped-def]
    defaults = {
        Kind.VEO3_VIDEO: ("veo3-fast", {"aspect_ratio": "16:9"}),
        Kind.SORA2_VIDEO: ("sora-2", {"seconds": 4, "size": "1280x720"}),
        Kind.MJ_IMAGINE: ("midjourney", {}),
        Kind.MJ_SHORTEN: ("midjourney", {}),
    }
    model, params = defaults.get(kind, ("midjourney", {}))
    return services.start_generation(
        project=project,
        user=user,
        kind=kind,
        model=options.pop("model", model),
        prompt=prompt,
        params=options.pop("params", params),
        inputs=options.pop("inputs", None),
    )


def use_key(team: Team, key: str) -> None:
    """Keeps the team on the sandbox but sends this key (fault markers go in the key)."""
    update_gateway(team=team, base_url="", api_key=key)


def test_start_generation_records_everything_before_anything_is_sent(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)

    generation.refresh_from_db()
    assert generation.status == Status.QUEUED
    assert generation.prompt == "a red fox in the snow"
    assert generation.params == {"aspect_ratio": "16:9"}
    assert generation.created_by == user
    assert generation.sent_at is None
    assert generation.request_payload == {}
    assert list(generation.events.values_list("status_to", flat=True)) == [Status.QUEUED]


def test_submit_records_the_request_with_image_bytes_redacted(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    frame = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )
    generation = start(
        sandbox_project,
        user,
        Kind.VEO3_VIDEO,
        params={"aspect_ratio": "9:16", "enhance_prompt": True, "enable_upsample": False},
        inputs={"first_frame": [frame]},
    )

    assert submit.submit_generation(generation.pk) == Status.SUBMITTED

    generation.refresh_from_db()
    body = generation.request_payload["body"]
    assert generation.request_payload["path"] == "/v1/video/generations"
    assert body["aspect_ratio"] == "9:16"
    assert body["images"][0].startswith("<data:image/png;base64")
    assert "bytes, sha256" in body["images"][0]
    assert generation.upstream_task_id
    assert generation.sent_at is not None
    kinds = list(generation.events.values_list("kind", flat=True))
    assert GenerationEvent.Kind.REQUEST in kinds
    assert GenerationEvent.Kind.RESPONSE in kinds


def test_submit_twice_sends_once(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)

    first = submit.submit_generation(generation.pk)
    second = submit.submit_generation(generation.pk)

    assert first == Status.SUBMITTED
    assert second is None
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def test_veo3_portrait_video_is_stored_with_poster(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO, params={"aspect_ratio": "9:16"})

    generation = drive(generation)

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert (asset.kind, asset.mime_type) == (Asset.MediaKind.VIDEO, "video/mp4")
    assert asset.height > asset.width  # 9:16
    assert asset.duration
    assert asset.duration > 0
    assert asset.poster
    assert len(asset.sha256) == 64
    assert asset.source_url.startswith(sandbox_project.team.effective_gateway_url)
    with asset.file.open("rb") as handle, av.open(handle) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    statuses = list(generation.events.exclude(status_to="").values_list("status_to", flat=True))
    assert statuses[0] == Status.QUEUED
    assert statuses[-2:] == [Status.INGESTING, Status.SUCCEEDED]
    assert Status.SUBMITTED in statuses


def test_sora_video_then_remix_and_character(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    video = drive(start(sandbox_project, user, Kind.SORA2_VIDEO))
    assert video.status == Status.SUCCEEDED, video.error_message
    assert video.assets.get().kind == Asset.MediaKind.VIDEO

    remix = drive(services.remix_sora_video(generation=video, user=user, prompt="make it night"))
    character = drive(services.create_sora_character(generation=video, user=user, name="Fox"))

    assert remix.status == Status.SUCCEEDED, remix.error_message
    assert remix.parent == video
    assert remix.assets.get().kind == Asset.MediaKind.VIDEO
    assert character.status == Status.SUCCEEDED, character.error_message
    stored = Character.objects.get(generation=character)
    assert stored.name == "Fox"
    assert stored.username
    assert stored.project == sandbox_project


def test_midjourney_imagine_then_upscale_then_zoom_make_a_chain(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    grid = drive(start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="a castle on a hill"))
    assert grid.status == Status.SUCCEEDED, grid.error_message
    image = grid.assets.get()
    assert image.kind == Asset.MediaKind.IMAGE
    assert image.thumbnail
    upscale_button = next(b for b in grid.buttons if "upsample::2" in b["custom_id"])

    upscaled = drive(
        services.press_midjourney_button(generation=grid, user=user, custom_id=upscale_button["custom_id"])
    )
    assert upscaled.status == Status.SUCCEEDED, upscaled.error_message
    zoom_button = next(
        b for b in upscaled.buttons if "Outpaint" in b["custom_id"] or "zoom" in b["custom_id"].lower()
    )
    zoomed = drive(
        services.press_midjourney_button(generation=upscaled, user=user, custom_id=zoom_button["custom_id"])
    )

    assert zoomed.status == Status.SUCCEEDED, zoomed.error_message
    assert zoomed.parent == upscaled
    assert upscaled.parent == grid
    assert zoomed.assets.get().kind == Asset.MediaKind.IMAGE


def test_midjourney_vary_region_sends_mask_through_modal(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    grid = drive(start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="a castle"))
    upscaled = drive(
        services.press_midjourney_button(
            generation=grid,
            user=user,
            custom_id=next(b["custom_id"] for b in grid.buttons if "upsample" in b["custom_id"]),
        )
    )
    inpaint = next(b["custom_id"] for b in upscaled.buttons if "Inpaint" in b["custom_id"])
    mask = services.store_upload(
        project=sandbox_project,
        user=user,
        upload=png_upload((64, 64), (255, 255, 255)),
        allowed={MediaKind.IMAGE},
    )

    varied = drive(
        services.press_midjourney_button(
            generation=upscaled, user=user, custom_id=inpaint, prompt="a dragon on the tower", mask=mask
        )
    )

    assert varied.status == Status.SUCCEEDED, varied.error_message
    assert varied.request_payload[1]["path"] == "/mj/submit/modal"
    assert varied.request_payload[1]["body"]["maskBase64"].startswith("<data:image/png")


def test_midjourney_vary_region_refuses_without_mask(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    grid = drive(start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="a castle"))
    upscaled = drive(
        services.press_midjourney_button(
            generation=grid,
            user=user,
            custom_id=next(b["custom_id"] for b in grid.buttons if "upsample" in b["custom_id"]),
        )
    )
    inpaint = next(b["custom_id"] for b in upscaled.buttons if "Inpaint" in b["custom_id"])

    with pytest.raises(services.GenerationRuleError, match="Draw the region"):
        services.press_midjourney_button(generation=upscaled, user=user, custom_id=inpaint)


def test_midjourney_polls_are_batched(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    sandbox_project.team.midjourney_slots = 5  # All five at the gateway at once (the default is 3).
    sandbox_project.team.save(update_fields=["midjourney_slots"])
    generations = [start(sandbox_project, user, Kind.MJ_IMAGINE, prompt=f"tile {i}") for i in range(5)]
    for generation in generations:
        submit.submit_generation(generation.pk)
    Generation.objects.update(next_poll_at=timezone.now())

    report = poller.poll_due_generations()

    assert report.claimed == 5
    assert report.gateway_calls == 1


def test_midjourney_shorten_stores_text(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    generation = drive(
        start(sandbox_project, user, Kind.MJ_SHORTEN, prompt="a very long and winding prompt about castles")
    )

    assert generation.status == Status.SUCCEEDED, generation.error_message
    asset = generation.assets.get()
    assert asset.kind == Asset.MediaKind.TEXT
    assert generation.result_text
    with asset.file.open("rb") as handle:
        assert handle.read().decode() == generation.result_text


def test_task_failure_shows_the_providers_reason(sandbox_project, user, team, drive) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-fail")

    generation = drive(start(sandbox_project, user, Kind.VEO3_VIDEO))

    assert generation.status == Status.FAILED
    assert generation.error_message == "The provider could not generate this."
    assert generation.gateway_message
    assert generation.can_retry


def test_invalid_key_fails_with_the_gateways_words(sandbox_project, user, team, drive) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-invalid-key")

    generation = drive(start(sandbox_project, user, Kind.VEO3_VIDEO))

    assert generation.status == Status.FAILED
    assert generation.error_code == "authentication_failed"
    assert "无效的令牌" in generation.gateway_message
    assert "API key" in generation.error_message


def test_banned_word_fails_midjourney_with_gateway_message(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    generation = drive(start(sandbox_project, user, Kind.MJ_IMAGINE, prompt="sandbox-banned castle"))

    assert generation.status == Status.FAILED
    assert generation.error_code == "banned_prompt"
    assert generation.gateway_message


def test_queue_full_waits_for_a_slot_instead_of_failing(sandbox_project, user, team) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-queue-full")
    generation = start(sandbox_project, user, Kind.MJ_IMAGINE)

    assert submit.submit_generation(generation.pk) == Status.WAITING

    generation.refresh_from_db()
    assert generation.sent_at is None
    assert generation.error_code == "queue_full"
    assert generation.next_poll_at > timezone.now()
    assert generation.can_cancel
    assert not generation.can_retry


def test_rate_limited_submit_waits_for_a_slot(sandbox_project, user, team) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-429")
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)

    assert submit.submit_generation(generation.pk) == Status.WAITING

    generation.refresh_from_db()
    assert generation.sent_at is None
    assert generation.next_poll_at > timezone.now()
    assert generation.events.filter(kind=GenerationEvent.Kind.ERROR).exists()


def test_submit_without_answer_is_outcome_unknown_and_never_resent(sandbox_project, user, team) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-timeout-1")
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)

    assert submit.submit_generation(generation.pk) == Status.OUTCOME_UNKNOWN
    recovery.sweep_stale_work(timezone.now() + timedelta(hours=1))

    generation.refresh_from_db()
    assert generation.status == Status.OUTCOME_UNKNOWN
    assert "cannot tell whether the job started" in generation.error_message
    assert generation.events.filter(kind=GenerationEvent.Kind.REQUEST).count() == 1


def test_rate_limited_poll_rests_the_gateway_and_never_fails(sandbox_project, user, team) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    submit.submit_generation(generation.pk)
    use_key(team, "sk-sandbox-fault-429")
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())

    poller.poll_due_generations()

    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    assert generation.next_poll_at > timezone.now() + timedelta(seconds=2)
    report = poller.poll_due_generations()
    assert report.claimed == 0


def test_dead_submit_before_sending_is_queued_again(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUBMITTING, claim_expires_at=timezone.now() - timedelta(seconds=1), sent_at=None
    )

    recovery.recover_stale_submits()

    generation.refresh_from_db()
    assert generation.status == Status.QUEUED
    assert submit.submit_generation(generation.pk) == Status.SUBMITTED


def test_dead_submit_after_sending_is_outcome_unknown(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUBMITTING,
        claim_expires_at=timezone.now() - timedelta(seconds=1),
        sent_at=timezone.now() - timedelta(minutes=6),
    )

    recovery.recover_stale_submits()

    generation.refresh_from_db()
    assert generation.status == Status.OUTCOME_UNKNOWN
    assert submit.submit_generation(generation.pk) is None


def test_expired_result_link_is_fetched_again_once_then_fails(sandbox_project, user, team, drive) -> None:  # type: ignore[no-untyped-def]
    use_key(team, "sk-sandbox-fault-expire-0")

    generation = drive(start(sandbox_project, user, Kind.VEO3_VIDEO))

    assert generation.status == Status.FAILED
    assert generation.error_code == "result_expired"
    assert generation.params["refetched_after_expiry"] is True
    notes = generation.events.filter(kind=GenerationEvent.Kind.NOTE).values_list("message", flat=True)
    assert any("fetched the task again" in note for note in notes)


def test_silent_task_times_out_but_is_still_ingested_when_it_finishes(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    submit.submit_generation(generation.pk)
    Generation.objects.filter(pk=generation.pk).update(submitted_at=timezone.now() - timedelta(minutes=61))

    recovery.settle_deadlines(timezone.now())
    generation.refresh_from_db()
    assert generation.status == Status.TIMED_OUT
    assert generation.next_poll_at is not None

    generation = drive(generation)
    assert generation.status == Status.SUCCEEDED
    assert generation.error_message == ""


def test_cancel_stops_polling_and_retry_reuses_the_inputs(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    frame = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO, inputs={"first_frame": [frame]})
    submit.submit_generation(generation.pk)

    assert services.cancel_generation(generation=generation, user=user)
    Generation.objects.filter(pk=generation.pk).update(next_poll_at=timezone.now())
    assert poller.poll_due_generations().claimed == 0

    retried = services.retry_generation(generation=generation, user=user)
    assert retried.pk != generation.pk
    assert retried.params["retry_of"] == generation.pk
    assert [link.asset for link in retried.inputs.all()] == [frame]
    assert drive(retried).status == Status.SUCCEEDED


def test_two_pollers_never_claim_the_same_task(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generations = [start(sandbox_project, user, Kind.VEO3_VIDEO) for _ in range(3)]
    for generation in generations:
        submit.submit_generation(generation.pk)
    now = timezone.now()
    Generation.objects.update(next_poll_at=now)

    first = poller.claim_due(now)
    second = poller.claim_due(now)

    assert len(first) == 3
    assert second == []


def test_a_poller_starting_takes_back_the_claims_of_one_killed_mid_tick(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    claimed, scheduled = (start(sandbox_project, user, Kind.VEO3_VIDEO) for _ in range(2))
    for generation in (claimed, scheduled):
        submit.submit_generation(generation.pk)
    now = timezone.now()
    Generation.objects.filter(pk=claimed.pk).update(next_poll_at=now)
    later = now + timedelta(minutes=5)
    Generation.objects.filter(pk=scheduled.pk).update(next_poll_at=later)
    assert [g.pk for g in poller.claim_due(now)] == [claimed.pk]  # ...and the poller that claimed it dies.

    call_command("run_poller", "--once", stdout=io.StringIO())

    claimed.refresh_from_db()
    scheduled.refresh_from_db()
    assert claimed.poll_count == 1  # asked about at once, not after the dead poller's lease
    assert claimed.claim_token is None
    assert (scheduled.poll_count, scheduled.next_poll_at) == (0, later)  # a schedule is not a claim


def test_ingest_twice_stores_each_result_once(sandbox_project, user, drive) -> None:  # type: ignore[no-untyped-def]
    generation = drive(start(sandbox_project, user, Kind.MJ_IMAGINE), until={Status.INGESTING})

    assert ingest.ingest_generation(generation.pk) == Status.SUCCEEDED
    Generation.objects.filter(pk=generation.pk).update(status=Status.INGESTING, claim_expires_at=None)
    assert ingest.ingest_generation(generation.pk) == Status.SUCCEEDED

    assert generation.assets.count() == 1


def test_a_finished_task_is_ingested_on_the_results_lane_not_behind_submits(  # type: ignore[no-untyped-def]
    sandbox_project, user, drive, settings
) -> None:
    results = get_broker(settings.RESULTS_QUEUE)
    results.purge_queue()
    waiting = [start(sandbox_project, user, Kind.VEO3_VIDEO) for _ in range(3)]

    finished = drive(start(sandbox_project, user, Kind.VEO3_VIDEO), until={Status.INGESTING})

    assert get_broker().queue_size() >= len(waiting)  # the submits wait in the default lane
    queued = [SignedPackage.loads(payload) for _id, payload in results.dequeue() or []]
    assert [(task["func"], task["args"]) for task in queued] == [
        ("studio.generations.tasks.ingest_generation", (finished.pk,))
    ]


def test_the_sweep_requeues_a_lost_ingest_on_the_results_lane(sandbox_project, user, drive, settings) -> None:  # type: ignore[no-untyped-def]
    results = get_broker(settings.RESULTS_QUEUE)
    finished = drive(start(sandbox_project, user, Kind.VEO3_VIDEO), until={Status.INGESTING})
    results.purge_queue()  # the message was lost with its worker
    Generation.objects.filter(pk=finished.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))

    assert recovery.sweep_stale_work(timezone.now()) == 1
    assert results.queue_size() == 1


def test_sweep_requeues_a_lost_submit_once(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    Generation.objects.filter(pk=generation.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    get_broker().purge_queue()  # The broker lost the message (Redis does, when a worker dies).

    later = timezone.now()
    first = recovery.sweep_stale_work(later)
    second = recovery.sweep_stale_work(later)

    assert first == 1
    assert second == 0


def test_sweep_leaves_a_submit_that_still_waits_in_the_queue(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(sandbox_project, user, Kind.VEO3_VIDEO)
    Generation.objects.filter(pk=generation.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    assert get_broker().queue_size() >= 1

    assert recovery.sweep_stale_work(timezone.now()) == 0


def test_sweep_requeues_a_delayed_retry_even_behind_a_backlog(sandbox_project, user) -> None:  # type: ignore[no-untyped-def]
    waiting = start(sandbox_project, user, Kind.VEO3_VIDEO)
    delayed = start(sandbox_project, user, Kind.VEO3_VIDEO)
    Generation.objects.filter(pk=delayed.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=5), next_poll_at=timezone.now() - timedelta(seconds=1)
    )
    assert get_broker().queue_size() >= 1

    assert recovery.sweep_stale_work(timezone.now()) == 1
    assert Generation.objects.get(pk=waiting.pk).status == Status.QUEUED


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_submit_fails_at_once_with_the_reason_when_nothing_listens_at_the_gateway_address(  # type: ignore[no-untyped-def]
    settings, transactional_db, user, project
) -> None:
    # What `make run` on another port used to do: the sandbox address pointed at a port nobody serves.
    settings.SANDBOX_BASE_URL = f"http://127.0.0.1:{_closed_port()}/sandbox"
    generation = start(project, user, Kind.VEO3_VIDEO)

    status = submit.submit_generation(generation.pk)

    generation.refresh_from_db()
    assert status == Status.FAILED
    assert generation.error_code == "connection_refused"
    assert "connection was refused" in generation.error_message
    assert "refused" in generation.gateway_message.lower()
    assert generation.next_poll_at is None


def test_describe_then_its_numbered_button_imagines_that_prompt_at_the_gateway(
    sandbox_project, user, drive
) -> None:  # type: ignore[no-untyped-def]
    source = services.store_upload(
        project=sandbox_project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )
    described = drive(start(sandbox_project, user, Kind.MJ_DESCRIBE, prompt="", inputs={"source": [source]}))
    assert described.status == Status.SUCCEEDED, described.error_message
    numbered = next(b["custom_id"] for b in described.buttons if b["custom_id"].endswith("::3"))

    imagined = drive(services.press_midjourney_button(generation=described, user=user, custom_id=numbered))

    assert imagined.status == Status.SUCCEEDED, imagined.error_message
    assert imagined.kind == Kind.MJ_IMAGINE
    third = described.result_text.split("3️⃣", 1)[1].split("\n", 1)[0].strip()
    assert imagined.prompt == third
    assert imagined.request_payload["path"] == "/mj/submit/imagine"
    assert imagined.assets.get().kind == Asset.MediaKind.IMAGE
