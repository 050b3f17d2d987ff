"""Video tasks: Veo3 on `/v1/video/generations` and Sora2 videos and characters on `/v1/videos`.

Submitting validates the body like the upstream would, renders the clip at once (it is small), stores the
task with its timeline and injected faults, and answers with the id. Queries report the task as the
simulated gateway sees it at that moment (lifecycle.py), in the 2025 shape of the gateway's own page by
default (result URL in `fail_reason`, camelCase inner `data` with millisecond times) or the 2026 shape.
"""

from __future__ import annotations

import secrets
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from PIL import Image

from studio.sandbox import catalogue, config, files, lifecycle, media, pricing
from studio.sandbox.faults import Faults
from studio.sandbox.files import Expiry
from studio.sandbox.gateway import RATE_LIMIT_MESSAGE, GatewayError, Surface, invalid_request
from studio.sandbox.lifecycle import Observation, Profile, Stage
from studio.sandbox.models import SandboxFile, SandboxTask, TaskKind

VEO_ASPECTS = {"16:9": (320, 180), "9:16": (180, 320)}
SORA_SECONDS = {"4", "8", "10", "12", "15", "25"}
SORA_SIZES = {
    "720x1280": (180, 320),
    "1024x1792": (180, 320),
    "small": (180, 320),
    "large": (180, 320),
    "1280x720": (320, 180),
    "1792x1024": (320, 180),
}
CHARACTER_MODELS = {"sora-2-character", "sora-2-character-real"}
# The family does not publish its clip limits; these are the studio's documented guesses, checked alike.
CHARACTER_CLIP_MAX_SECONDS = 30.0
CHARACTER_CLIP_MAX_BYTES = 50_000_000
VIDEO_FAILURE = "content policy violation: the prompt was rejected by the upstream safety filter"
SORA_FAILURE = "This content may violate our content policies."
SORA_STATUSES = {
    Stage.NOT_POLLED: "queued",
    Stage.MODAL: "queued",
    Stage.SUBMITTED: "queued",
    Stage.IN_PROGRESS: "in_progress",
    Stage.SUCCESS: "completed",
    Stage.FAILURE: "failed",
}
_GATEWAY_PROGRESS = {Stage.NOT_POLLED: 0, Stage.MODAL: 0, Stage.SUBMITTED: 10}


def task_not_exist() -> GatewayError:
    """The task layer's answer for an unknown (or someone else's) task id."""
    return GatewayError(400, "task_not_exist", code="task_not_exist", envelope=Surface.TASK)


# The namespace of the PostgreSQL advisory locks that serialise admissions (any constant will do).
_ADMISSION_LOCKS = 7_041_817


def admit(kind: str) -> None:
    """Refuses a new task with the gateway's 429 (no Retry-After) while the provider is at its capacity.

    The capacity is `SANDBOX_VIDEO_CONCURRENCY` tasks of the kind running at once, gateway-wide (0: none).
    Called early, it spares rendering a clip that would be refused; only `_save_with_media`'s call, under
    the admission lock, is authoritative.
    """
    limit = config.video_concurrency()
    if limit and SandboxTask.objects.of_kinds(kind).running_at(timezone.now()).count() >= limit:
        raise GatewayError(429, RATE_LIMIT_MESSAGE, code="rate_limit_exceeded", envelope=Surface.TASK)


def _lock_admissions(kind: str) -> None:
    """Holds the admission lock of `kind` until the current transaction ends.

    Without it two server workers can both count the running tasks, both find room, and both create one.
    SQLite runs every transaction with BEGIN IMMEDIATE (see settings), which already holds the database's
    write lock; PostgreSQL takes a transaction-scoped advisory lock for the kind.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_ADMISSION_LOCKS, zlib.crc32(kind.encode()) >> 1]
            )


def veo_profile(model: str, *, is_upsampled: bool) -> Profile:
    """Unscaled durations of a Veo3 job: faster models are faster, upsampling adds half a minute."""
    finished = 70.0 if "fast" in model else 150.0 if "pro" in model else 100.0
    return Profile(started_after=8.0, finished_after=finished + (30.0 if is_upsampled else 0.0))


def sora_profile(seconds: str) -> Profile:
    """Unscaled durations of a Sora2 job: a queue, then longer for longer clips."""
    return Profile(started_after=15.0, finished_after=60.0 + 8.0 * int(seconds))


CHARACTER_PROFILE = Profile(started_after=5.0, finished_after=30.0)


def _expiry(task: SandboxTask, faults: Faults) -> Expiry | None:
    if faults.expire_after is None:
        return None
    return Expiry(lifecycle.expiry_time(task, faults.expire_after), faults.expire_status)


def _new_task(
    *,
    owner: str,
    kind: str,
    model: str,
    action: str,
    prompt: str,
    faults: Faults,
    profile: Profile,
    public_id: str,
) -> SandboxTask:
    task = SandboxTask(
        public_id=public_id,
        kind=kind,
        owner=owner,
        model=model,
        action=action,
        prompt=prompt,
        injected_failure=(VIDEO_FAILURE if kind == TaskKind.VIDEO else SORA_FAILURE)
        if faults.is_failing
        else "",
        is_stuck=faults.is_stuck,
    )
    lifecycle.schedule(task, profile, starts_at=task.submitted_at)
    return task


def _images(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise invalid_request("field images must be a list of image URLs", param="images")


def _public_id(api_version: str) -> str:
    if api_version == "2026":
        return "task_" + secrets.token_hex(13).upper()
    return str(uuid.uuid4())


def create_veo_task(*, owner: str, body: Mapping[str, Any], faults: Faults, api_version: str) -> SandboxTask:
    """Validate a `/v1/video/generations` body, render the clip and store the task."""
    admit(TaskKind.VIDEO)
    card = catalogue.require_model(body.get("model"), catalogue.Endpoint.VIDEO)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid_request("field prompt is required", param="prompt")
    aspect = body.get("aspect_ratio") or "16:9"
    if aspect not in VEO_ASPECTS:
        raise invalid_request("aspect_ratio must be 16:9 or 9:16", param="aspect_ratio")
    images = _images(body.get("images")) or _images(body.get("image"))
    if "frames" in card.id and not images:
        raise invalid_request(f"model {card.id} needs a first frame in images", param="images")
    try:
        first_frame = files.resolve_image(images[0]) if images else None
    except media.MediaError as error:
        raise invalid_request(f"images[0] is not a readable image: {error}", param="images") from None
    is_upsampled = bool(body.get("enable_upsample"))
    shown_prompt = prompt
    if body.get("enhance_prompt"):
        shown_prompt = f"Cinematic, richly detailed shot: {prompt.strip()}"
    width, height = VEO_ASPECTS[str(aspect)]
    if is_upsampled:
        width, height = width * 2, height * 2
    task = _new_task(
        owner=owner,
        kind=TaskKind.VIDEO,
        model=card.id,
        action="generate",
        prompt=prompt,
        faults=faults,
        profile=veo_profile(card.id, is_upsampled=is_upsampled),
        public_id=_public_id(api_version),
    )
    task.params = {
        "aspect_ratio": aspect,
        "images": len(images),
        "enhance_prompt": bool(body.get("enhance_prompt")),
        "enable_upsample": is_upsampled,
        "enhanced_prompt": shown_prompt,
        "seconds": "8",
        "size": f"{width}x{height}",
    }
    seed = body.get("seed")
    clip = media.render_video(
        shown_prompt,
        width,
        height,
        seconds=config.video_seconds(),
        seed=seed if isinstance(seed, int) else 0,
        first_frame=first_frame,
    )
    _save_with_media(task, clip, faults, poster=first_frame)
    return task


def _save_with_media(task: SandboxTask, clip: bytes, faults: Faults, *, poster: Image.Image | None) -> None:
    expiry = _expiry(task, faults)
    width, height = (int(part) for part in str(task.params.get("size", "320x180")).split("x"))
    thumbnail = media.render_image(task.prompt, width, height, sources=[poster] if poster else [])
    with transaction.atomic():
        # The count and the new task's row in one locked transaction: capacity can never be overshot.
        _lock_admissions(task.kind)
        admit(task.kind)
        task.media = files.save_file(clip, extension="mp4", content_type="video/mp4", expiry=expiry)
        task.thumbnail = files.save_image(thumbnail, image_format="WEBP", expiry=expiry)
        task.save()


def _sora_size(body: Mapping[str, Any], model: str) -> tuple[str, tuple[int, int]]:
    size = body.get("size")
    if size is None:
        size = "1280x720" if "landscape" in model else "720x1280"
    if size not in SORA_SIZES:
        raise invalid_request(f"size must be one of {sorted(SORA_SIZES)}", param="size")
    return str(size), SORA_SIZES[str(size)]


def _sora_seconds(body: Mapping[str, Any], model: str) -> str:
    seconds = body.get("seconds", body.get("duration"))
    if seconds is None:
        seconds = "15" if model.endswith("15s") else "10" if model.endswith("10s") else "4"
    text = str(seconds)
    if text not in SORA_SECONDS:
        raise invalid_request(f"seconds must be one of {sorted(SORA_SECONDS, key=int)}", param="seconds")
    return text


def create_sora_task(
    *,
    owner: str,
    body: Mapping[str, Any],
    reference: Image.Image | None,
    faults: Faults,
    clip: bytes | None = None,
) -> SandboxTask:
    """Validate a `/v1/videos` body and store a Sora video or character task (`clip`: an uploaded `video`)."""
    model = body.get("model") or "sora-2"
    card = catalogue.require_model(model, catalogue.Endpoint.SORA)
    if card.id in CHARACTER_MODELS:
        return _create_character(owner=owner, model=card.id, body=body, faults=faults, clip=clip)
    admit(TaskKind.SORA_VIDEO)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid_request("field prompt is required", param="prompt")
    size, dimensions = _sora_size(body, card.id)
    seconds = _sora_seconds(body, card.id)
    if reference is None and isinstance(body.get("input_reference"), str | dict):
        reference = _reference(body["input_reference"])
    return _sora_video(
        owner=owner,
        model=card.id,
        prompt=prompt,
        size=size,
        dimensions=dimensions,
        seconds=seconds,
        reference=reference,
        faults=faults,
        parent=None,
    )


def _reference(value: object) -> Image.Image | None:
    url = value.get("image_url") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url:
        return None
    try:
        return files.resolve_image(url)
    except media.MediaError as error:
        raise invalid_request(
            f"input_reference is not a readable image: {error}", param="input_reference"
        ) from None


def _sora_video(
    *,
    owner: str,
    model: str,
    prompt: str,
    size: str,
    dimensions: tuple[int, int],
    seconds: str,
    reference: Image.Image | None,
    faults: Faults,
    parent: SandboxTask | None,
) -> SandboxTask:
    task = _new_task(
        owner=owner,
        kind=TaskKind.SORA_VIDEO,
        model=model,
        action="remixGenerate" if parent else "generate",
        prompt=prompt,
        faults=faults,
        profile=sora_profile(seconds),
        public_id=f"video_{secrets.token_hex(16)}",
    )
    task.parent = parent
    task.params = {"size": f"{dimensions[0]}x{dimensions[1]}", "requested_size": size, "seconds": seconds}
    shown = prompt if parent is None else f"{parent.prompt} / remix: {prompt}"
    clip = media.render_video(shown, *dimensions, seconds=config.video_seconds(), first_frame=reference)
    _save_with_media(task, clip, faults, poster=reference)
    return task


def remix_sora_task(
    *, owner: str, original: SandboxTask, body: Mapping[str, Any], faults: Faults
) -> SandboxTask:
    """A new Sora video remixing `original` with a new prompt."""
    admit(TaskKind.SORA_VIDEO)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid_request("field prompt is required", param="prompt")
    if original.kind not in {TaskKind.SORA_VIDEO, TaskKind.VIDEO}:
        raise invalid_request("only videos can be remixed", param="video_id")
    width, height = (int(part) for part in str(original.params.get("size", "180x320")).split("x"))
    return _sora_video(
        owner=owner,
        model=original.model,
        prompt=prompt,
        size=str(original.params.get("requested_size", f"{width}x{height}")),
        dimensions=(width, height),
        seconds=str(original.params.get("seconds", "4")),
        reference=None,
        faults=faults,
        parent=original,
    )


def check_character_clip(clip: bytes) -> float:
    """An uploaded character clip's length; raises invalid_request if it is too big, too long or no video."""
    if len(clip) > CHARACTER_CLIP_MAX_BYTES:
        raise invalid_request(
            f"video is larger than {CHARACTER_CLIP_MAX_BYTES // 1_000_000} MB", param="video"
        )
    try:
        seconds = media.media_duration(clip)
    except media.MediaError:
        raise invalid_request("video must be a video file", param="video") from None
    if seconds > CHARACTER_CLIP_MAX_SECONDS:
        raise invalid_request(
            f"video is {seconds:.1f} s long; the limit is {CHARACTER_CLIP_MAX_SECONDS:.0f} s", param="video"
        )
    return seconds


def _create_character(
    *, owner: str, model: str, body: Mapping[str, Any], faults: Faults, clip: bytes | None = None
) -> SandboxTask:
    source = body.get("url") or body.get("video_url")
    from_task = body.get("from_task")
    given = [name for name, value in (("url", source), ("video", clip), ("from_task", from_task)) if value]
    if len(given) > 1:
        raise invalid_request(f"give only one of url, video and from_task (got {', '.join(given)})")
    if model == "sora-2-character-real" and not (source or clip):
        raise invalid_request("a real-person character needs url or video: a clip of the person", param="url")
    if not given:
        raise invalid_request("url, video or from_task is required", param="url")
    if isinstance(source, str) and not source.startswith(("http://", "https://")):
        raise invalid_request("url must be an http(s) link to the clip", param="url")
    if clip is not None:
        check_character_clip(clip)
    origin = None
    if from_task:
        origin = SandboxTask.objects.for_owner(owner).filter(public_id=str(from_task)).first()
        if origin is None:
            raise task_not_exist()
    timestamps = str(body.get("timestamps") or "1,3")
    try:
        start, end = (float(part) for part in timestamps.split(","))
    except ValueError:
        raise invalid_request("timestamps must be 'start,end' in seconds", param="timestamps") from None
    if not 1 <= end - start <= 3 or start < 0:
        raise invalid_request("timestamps must span 1 to 3 seconds", param="timestamps")
    task = _new_task(
        owner=owner,
        kind=TaskKind.SORA_CHARACTER,
        model=model,
        action="character",
        prompt=str(source or from_task or "uploaded clip"),
        faults=faults,
        profile=CHARACTER_PROFILE,
        public_id=f"char_{secrets.token_hex(12)}",
    )
    task.parent = origin
    task.params = {"timestamps": timestamps, "username": f"sandbox.{secrets.token_hex(3)}"}
    avatar = media.render_image(f"@{task.params['username']}", 256, 256, label="CHARACTER")
    with transaction.atomic():
        task.thumbnail = files.save_image(avatar, expiry=_expiry(task, faults))
        task.save()
    return task


def find_task(owner: str, public_id: str, kinds: Sequence[str]) -> SandboxTask:
    """The caller's task with that id among `kinds`; raises task_not_exist otherwise."""
    task = (
        SandboxTask.objects.for_owner(owner)
        .of_kinds(*kinds)
        .filter(public_id=public_id)
        .select_related("media", "thumbnail")
        .first()
    )
    if task is None:
        raise task_not_exist()
    return task


def _media_url(request: HttpRequest, file: SandboxFile | None, *, is_download: bool = False) -> str:
    return "" if file is None else files.file_url(request, file, is_download=is_download)


def _seconds(moment: float | None) -> int:
    return 0 if moment is None else int(moment)


def _millis(moment: float | None) -> int:
    return 0 if moment is None else int(moment * 1000)


def gateway_progress(seen: Observation) -> str:
    """The task's progress as new-api shows it: synthesized per status, the upstream's while running."""
    if seen.stage.is_finished:
        return "100%"
    if seen.stage is Stage.IN_PROGRESS:
        return f"{max(30, seen.progress)}%"
    return f"{_GATEWAY_PROGRESS[seen.stage]}%"


@dataclass(frozen=True)
class TaskView:
    """A task and what the gateway sees of it now, with URLs for the request's host."""

    task: SandboxTask
    seen: Observation
    video_url: str
    download_url: str
    thumbnail_url: str


def view_task(request: HttpRequest, task: SandboxTask, *, is_new: bool = False) -> TaskView:
    """Observe a task now (or as just submitted) and build its URLs (revealed only on success)."""
    seen = lifecycle.just_submitted(task) if is_new else lifecycle.observe(task)
    is_done = seen.stage is Stage.SUCCESS
    return TaskView(
        task=task,
        seen=seen,
        video_url=_media_url(request, task.media) if is_done else "",
        download_url=_media_url(request, task.media, is_download=True) if is_done else "",
        thumbnail_url=_media_url(request, task.thumbnail) if is_done else "",
    )


def _inner_data(view: TaskView) -> dict[str, Any] | None:
    seen, task = view.seen, view.task
    if seen.stage is Stage.NOT_POLLED:
        return None
    if task.kind != TaskKind.VIDEO:
        return sora_object(view)
    inner: dict[str, Any] = {"status": seen.stage.value, "taskId": task.public_id}
    if seen.stage is Stage.FAILURE:
        inner["failReason"] = seen.fail_reason
    else:
        # The AITRE sample: the inner upstream payload links the file to view, `fail_reason` the download.
        inner["videoUrl"] = view.video_url
    inner["startTime"] = _millis(seen.started)
    inner["finishTime"] = _millis(seen.finished)
    return inner


def task_payload(view: TaskView, *, api_version: str) -> dict[str, Any]:
    """The `GET /v1/video/generations/{id}` answer (envelope with `code: success` and a TaskDto)."""
    seen, task = view.seen, view.task
    is_done = seen.stage is Stage.SUCCESS
    dto: dict[str, Any] = {
        "task_id": task.public_id,
        "action": task.action,
        "status": seen.stage.value,
        "fail_reason": view.download_url if is_done else seen.fail_reason,
        "submit_time": _seconds(seen.submitted),
        "start_time": _seconds(seen.started_seen),
        "finish_time": _seconds(seen.finished_seen),
        "progress": gateway_progress(seen),
        "data": _inner_data(view),
    }
    if api_version == "2026":
        updated = seen.finished_seen or seen.started_seen or seen.submitted
        dto = {
            "id": task.pk,
            "created_at": _seconds(seen.submitted),
            "updated_at": _seconds(updated),
            "platform": "sora" if task.kind != TaskKind.VIDEO else "veo",
            "user_id": 1,
            "group": "default",
            "channel_id": 1,
            # new-api pre-charges the task and refunds it once on failure.
            "quota": 0 if seen.stage is Stage.FAILURE else pricing.task_quota(task.model, task.params),
            "properties": {},
            "username": "sandbox",
            **dto,
            "fail_reason": "" if is_done else seen.fail_reason,
            "result_url": view.download_url,
        }
    return {"code": "success", "message": "", "data": dto}


def create_payload(task: SandboxTask, *, api_version: str) -> dict[str, Any]:
    """The answer to a `/v1/video/generations` submit: just the id (2025) or an OpenAI video (2026)."""
    if api_version == "2026":
        return {
            "id": task.public_id,
            "task_id": task.public_id,
            "object": "video",
            "model": task.model,
            "status": "queued",
            "progress": 0,
            "created_at": int(task.submitted_at.timestamp()),
        }
    return {"task_id": task.public_id}


def sora_object(view: TaskView) -> dict[str, Any]:
    """The OpenAI video (or character) object of a task, with the relay's `video_url` when done."""
    seen, task = view.seen, view.task
    status = SORA_STATUSES[seen.stage]
    progress = 100 if seen.stage.is_finished else seen.progress if seen.stage is Stage.IN_PROGRESS else 0
    error = (
        {"code": "generation_failed", "message": seen.fail_reason} if seen.stage is Stage.FAILURE else None
    )
    completed_at = _seconds(seen.finished_seen) if seen.stage.is_finished else None
    if task.kind == TaskKind.SORA_CHARACTER:
        is_done = seen.stage is Stage.SUCCESS
        return {
            "id": task.public_id,
            "object": "character",
            "model": task.model,
            "status": status,
            "progress": progress,
            "username": task.params.get("username") if is_done else None,
            "avatar_url": view.thumbnail_url or None,
            "video_url": None,
            "created_at": _seconds(seen.submitted),
            "completed_at": completed_at,
            "error": error,
        }
    payload: dict[str, Any] = {
        "id": task.public_id,
        "object": "video",
        "model": task.model,
        "status": status,
        "progress": progress,
        "created_at": _seconds(seen.submitted),
        "completed_at": completed_at,
        "expires_at": None,
        "seconds": str(task.params.get("seconds", "8")),
        "size": str(task.params.get("requested_size", task.params.get("size", ""))),
        "prompt": task.prompt,
        "remixed_from_video_id": task.parent.public_id if task.parent else None,
        "error": error,
    }
    if seen.stage is Stage.SUCCESS:
        payload["video_url"] = view.video_url
        payload["thumbnail_url"] = view.thumbnail_url
    return payload
