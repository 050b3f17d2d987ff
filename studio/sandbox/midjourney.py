"""Midjourney as relayed by new-api from a midjourney-proxy "plus" upstream (contract §9).

Submits answer `{"code", "description", "result", "properties"}` with the proxy's codes: 1 submitted,
21 exists or waiting in MODAL, 22 queued (21 and 22 shown as 1, as new-api rewrites them, except the
MODAL 21), 23 queue full, 24 banned word, 4 validation error. Gateway-side errors use envelope C.
Jobs render their images when submitted; results are revealed by the task's timeline. Grids (imagine,
blend, variations, reroll, zoom, pan, custom zoom, vary region) carry U1-U4, reroll and V1-V4 buttons;
upscales carry the upscale, vary, zoom, pan and custom-zoom buttons; custom zoom and vary region go
through MODAL and `/mj/submit/modal`.
"""

from __future__ import annotations

import random
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studio.sandbox import config, files, lifecycle, media, texts
from studio.sandbox.faults import Faults
from studio.sandbox.files import Expiry
from studio.sandbox.gateway import GatewayError
from studio.sandbox.lifecycle import Profile, Stage
from studio.sandbox.models import SandboxTask, TaskKind

GRID_ACTIONS = frozenset(
    {
        "IMAGINE",
        "BLEND",
        "VARIATION",
        "REROLL",
        "ZOOM",
        "PAN",
        "CUSTOM_ZOOM",
        "INPAINT",
        "HIGH_VARIATION",
        "LOW_VARIATION",
    }
)
GATEWAY_TIMEOUT = 3600.0
PROFILES = {
    "UPSCALE": Profile(2.0, 12.0, GATEWAY_TIMEOUT),
    "DESCRIBE": Profile(1.0, 8.0, GATEWAY_TIMEOUT),
    "SHORTEN": Profile(1.0, 6.0, GATEWAY_TIMEOUT),
    "SWAP_FACE": Profile(3.0, 25.0, GATEWAY_TIMEOUT),
}
GRID_PROFILE = Profile(4.0, 45.0, GATEWAY_TIMEOUT)
# Each job ahead in the queue holds a new one back this long (simulated seconds).
QUEUE_DELAY_PER_JOB = 20.0
FAILURE_REASON = "[Invalid parameter] Banned prompt detected by the upstream moderation"
BLEND_DIMENSIONS = {"PORTRAIT": (2, 3), "SQUARE": (1, 1), "LANDSCAPE": (3, 2)}
TILE_SIDE = 512
_VARIATION_STRENGTH = {"VARIATION": 0.25, "LOW_VARIATION": 0.12, "HIGH_VARIATION": 0.45}
_ZOOM = re.compile(r"--zoom\s+(\d+(?:\.\d+)?)")
_PANS = {"pan_left": "left", "pan_right": "right", "pan_up": "up", "pan_down": "down"}


def mj_error(description: str, *, status: int = 400, code: int = 4) -> GatewayError:
    """A gateway-side Midjourney error (envelope C)."""
    return GatewayError(status, description, code=code)


@dataclass(frozen=True)
class SubmitResult:
    """What a submit endpoint answers (HTTP 200 whatever the code)."""

    code: int
    description: str
    result: str | None
    properties: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        shown = self.code
        if self.code in {21, 22} and config.midjourney_rewrites_codes() and not self.properties.get("modal"):
            shown = 1
        properties = {key: value for key, value in self.properties.items() if key != "modal"}
        return {
            "code": shown,
            "description": self.description,
            "result": self.result,
            "properties": properties,
        }


@dataclass(frozen=True)
class ButtonAction:
    """What a button's customId asks for."""

    action: str
    index: int
    job_hash: str
    detail: str


def _instance_properties() -> dict[str, Any]:
    return {"discordInstanceId": "1118138338562560102", "discordChannelId": "1118138338562560102"}


def validation_failure(description: str) -> SubmitResult:
    """The proxy's code 4 answer for a body it rejects."""
    return SubmitResult(4, description, None, {})


def parse_custom_id(custom_id: str) -> ButtonAction:
    """The action behind a button's customId, as new-api maps it; raises unknown_action otherwise."""
    parts = custom_id.split("::")
    unknown = mj_error(f"unknown_action:{custom_id}")
    if len(parts) < 3 or parts[0] != "MJ":
        raise unknown
    try:
        if parts[1] == "JOB" and len(parts) >= 5:
            kind = parts[2]
            index, job_hash = int(parts[3]), parts[4]
            if kind.startswith("upsample"):
                return ButtonAction("UPSCALE", index, job_hash, kind)
            if kind in {"variation", "low_variation", "high_variation"}:
                return ButtonAction(kind.upper(), index, job_hash, kind)
            if kind == "reroll":
                return ButtonAction("REROLL", index, job_hash, kind)
            if kind in _PANS:
                return ButtonAction("PAN", index, job_hash, _PANS[kind])
        elif parts[1] == "Outpaint" and len(parts) >= 5:
            return ButtonAction("ZOOM", int(parts[3]), parts[4], parts[2])
        elif parts[1] == "CustomZoom":
            return ButtonAction("CUSTOM_ZOOM", 1, parts[2], "")
        elif parts[1] == "Inpaint" and len(parts) >= 4:
            return ButtonAction("INPAINT", int(parts[2]), parts[3], "")
    except ValueError:
        raise mj_error("index_parse_failed") from None
    raise unknown


def _button(custom_id: str, label: str = "", emoji: str = "", style: int = 2) -> dict[str, Any]:
    return {"customId": custom_id, "emoji": emoji, "label": label, "type": 2, "style": style}


def buttons(task: SandboxTask) -> list[dict[str, Any]]:
    """The buttons of a finished job, with customIds in the plus proxy's grammar."""
    job = task.job_hash
    if task.action in GRID_ACTIONS:
        return [
            *[_button(f"MJ::JOB::upsample::{i}::{job}", f"U{i}") for i in range(1, 5)],
            _button(f"MJ::JOB::reroll::0::{job}::SOLO", emoji="🔄"),
            *[_button(f"MJ::JOB::variation::{i}::{job}", f"V{i}") for i in range(1, 5)],
        ]
    if task.action == "UPSCALE":
        upscales = (
            []
            if task.params.get("is_creative_upscale")
            else [
                _button(f"MJ::JOB::upsample_v6_2x_subtle::1::{job}::SOLO", "Upscale (Subtle)"),
                _button(f"MJ::JOB::upsample_v6_2x_creative::1::{job}::SOLO", "Upscale (Creative)"),
            ]
        )
        return [
            *upscales,
            _button(f"MJ::JOB::high_variation::1::{job}::SOLO", "Vary (Strong)", "🪄"),
            _button(f"MJ::JOB::low_variation::1::{job}::SOLO", "Vary (Subtle)", "🪄"),
            _button(f"MJ::Inpaint::1::{job}::SOLO", "Vary (Region)", "🖌️"),
            _button(f"MJ::Outpaint::50::1::{job}::SOLO", "Zoom Out 2x", "🔍"),
            _button(f"MJ::Outpaint::75::1::{job}::SOLO", "Zoom Out 1.5x", "🔍"),
            _button(f"MJ::CustomZoom::{job}", "Custom Zoom", "🔍"),
            _button(f"MJ::JOB::pan_left::1::{job}::SOLO", emoji="⬅️"),
            _button(f"MJ::JOB::pan_right::1::{job}::SOLO", emoji="➡️"),
            _button(f"MJ::JOB::pan_up::1::{job}::SOLO", emoji="⬆️"),
            _button(f"MJ::JOB::pan_down::1::{job}::SOLO", emoji="⬇️"),
            _button(f"MJ::BOOKMARK::{job}", emoji="❤️"),
        ]
    if task.action == "DESCRIBE":
        return [
            *[_button(f"MJ::Job::PicReader::{i}", str(i)) for i in range(1, 5)],
            _button("MJ::Picread::Retry", emoji="🔄"),
        ]
    return []


def _new_id() -> str:
    """A Midjourney task id: the time in milliseconds (13 digits) and 3 random digits."""
    while True:
        candidate = f"{int(timezone.now().timestamp() * 1000)}{secrets.randbelow(1000):03d}"
        if not SandboxTask.objects.filter(public_id=candidate).exists():
            return candidate


def _banned_word(prompt: str, faults: Faults) -> str | None:
    words = config.banned_words()
    lowered = prompt.lower()
    found = next((word for word in words if word in lowered), None)
    if found is None and faults.is_banned:
        found = words[0] if words else "nsfw"
    return found


def _admit(prompt: str, faults: Faults) -> SubmitResult | int:
    """A refusal (banned word, queue full), or how many jobs wait ahead of a new one."""
    word = _banned_word(prompt, faults)
    if word is not None:
        return SubmitResult(24, "可能包含敏感词", None, {"promptEn": prompt, "bannedWord": word})
    running = SandboxTask.objects.of_kinds(TaskKind.MIDJOURNEY).running_at(timezone.now()).count()
    ahead = max(0, running - config.midjourney_concurrency() + 1)
    if faults.is_queue_full or ahead > config.midjourney_queue_size():
        return SubmitResult(
            23, "队列已满，请稍后尝试", None, _instance_properties() | {"numberOfQueues": ahead}
        )
    return max(ahead, 1) if faults.is_queued else ahead


def _accepted(task: SandboxTask, ahead: int) -> SubmitResult:
    if ahead:
        properties = _instance_properties() | {"numberOfQueues": ahead}
        return SubmitResult(22, f"排队中，前面还有{ahead}个任务", task.public_id, properties)
    return SubmitResult(1, "提交成功", task.public_id, _instance_properties())


def _expiry(task: SandboxTask, faults: Faults) -> Expiry | None:
    if faults.expire_after is None:
        return None
    return Expiry(lifecycle.expiry_time(task, faults.expire_after), faults.expire_status)


def _create(
    *,
    owner: str,
    action: str,
    prompt: str,
    faults: Faults,
    ahead: int,
    params: dict[str, Any],
    image: Image.Image | None,
    parent: SandboxTask | None = None,
    is_modal: bool = False,
) -> SandboxTask:
    task = SandboxTask(
        public_id=_new_id(),
        kind=TaskKind.MIDJOURNEY,
        owner=owner,
        model="midjourney",
        action=action,
        prompt=prompt,
        params=params,
        parent=parent,
        job_hash=str(uuid.uuid4()),
        seed=random.randrange(1, 2**32),
        queue_delay=ahead * QUEUE_DELAY_PER_JOB,
        injected_failure=FAILURE_REASON if faults.is_failing else "",
        is_stuck=faults.is_stuck,
    )
    lifecycle.schedule(
        task, PROFILES.get(action, GRID_PROFILE), starts_at=None if is_modal else task.submitted_at
    )
    task.params["faults"] = {"expire_after": faults.expire_after, "expire_status": faults.expire_status}
    with transaction.atomic():
        if image is not None:
            task.media = files.save_image(image, expiry=_expiry(task, faults))
        task.save()
    return task


def _decode(data_url: object) -> Image.Image:
    if not isinstance(data_url, str) or not data_url:
        raise media.MediaError("empty image")
    return media.decode_image(media.decode_data_url(data_url)[1])


def _grid_of(prompt: str, seed: int, size: tuple[int, int], sources: list[Image.Image]) -> Image.Image:
    return media.grid([media.render_image(prompt, *size, seed=seed + i, sources=sources) for i in range(4)])


def submit_imagine(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Imagine: a 2x2 grid for the prompt (and reference images) at its `--ar`."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise mj_error("prompt_is_required")
    try:
        sources = [_decode(item) for item in body.get("base64Array") or []]
    except media.MediaError:
        return validation_failure("base64格式错误")
    admitted = _admit(prompt, faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    size = media.size_for_aspect(media.aspect_from_text(prompt), TILE_SIDE)
    seed = media.digest_number(prompt) % 10_000
    task = _create(
        owner=owner,
        action="IMAGINE",
        prompt=prompt,
        faults=faults,
        ahead=admitted,
        params={"state": str(body.get("state") or ""), "botType": str(body.get("botType") or "MID_JOURNEY")},
        image=_grid_of(prompt, seed, size, sources),
    )
    return _accepted(task, admitted)


def submit_blend(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Blend: 2 to 5 images mixed into a grid of the chosen dimensions."""
    items = body.get("base64Array")
    if not isinstance(items, list) or not items:
        raise mj_error("base64_array_is_required")
    if not 2 <= len(items) <= 5:
        return validation_failure("base64List参数错误")
    dimensions = str(body.get("dimensions") or "SQUARE")
    if dimensions not in BLEND_DIMENSIONS:
        return validation_failure("dimensions参数错误")
    try:
        sources = [_decode(item) for item in items]
    except media.MediaError:
        return validation_failure("base64格式错误")
    admitted = _admit("", faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    size = media.size_for_aspect(BLEND_DIMENSIONS[dimensions], TILE_SIDE)
    prompt = f"blend of {len(sources)} images"
    task = _create(
        owner=owner,
        action="BLEND",
        prompt="",
        faults=faults,
        ahead=admitted,
        params={"state": str(body.get("state") or ""), "dimensions": dimensions},
        image=_grid_of(prompt, len(sources), size, sources),
    )
    return _accepted(task, admitted)


def submit_describe(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Describe: four prompts for an image, in `properties.finalPrompt` once done."""
    if not body.get("base64"):
        raise mj_error("base64_is_required")
    try:
        image = _decode(body.get("base64"))
    except media.MediaError:
        return validation_failure("base64格式错误")
    admitted = _admit("", faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    prompts = texts.describe_prompts(image.width, image.height, media.digest_number(image.tobytes()[:4096]))
    task = _create(
        owner=owner,
        action="DESCRIBE",
        prompt="",
        faults=faults,
        ahead=admitted,
        params={"state": str(body.get("state") or ""), "finalPrompt": prompts},
        image=image.convert("RGB"),
    )
    return _accepted(task, admitted)


def submit_shorten(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Shorten: five shorter prompts in `properties.finalPrompt` once done."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise mj_error("prompt_is_required")
    admitted = _admit(prompt, faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    task = _create(
        owner=owner,
        action="SHORTEN",
        prompt=prompt,
        faults=faults,
        ahead=admitted,
        params={"state": str(body.get("state") or ""), "finalPrompt": texts.shorten_prompts(prompt)},
        image=None,
    )
    return _accepted(task, admitted)


def submit_swap_face(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Swap face: the source's face pasted onto the target."""
    if not body.get("sourceBase64") or not body.get("targetBase64"):
        raise mj_error("sour_base64_and_target_base64_is_required")
    try:
        source, target = _decode(body["sourceBase64"]), _decode(body["targetBase64"])
    except media.MediaError:
        return validation_failure("base64格式错误")
    admitted = _admit("", faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    target = target.resize(media.size_for_aspect(target.size, 1024))
    task = _create(
        owner=owner,
        action="SWAP_FACE",
        prompt="InsightFace",
        faults=faults,
        ahead=admitted,
        params={"state": str(body.get("state") or "")},
        image=media.swap_face(source, target),
    )
    return _accepted(task, admitted)


def find_task(owner: str, public_id: object) -> SandboxTask | None:
    """The caller's Midjourney task with that id."""
    if not isinstance(public_id, str) or not public_id:
        return None
    return (
        SandboxTask.objects.for_owner(owner)
        .of_kinds(TaskKind.MIDJOURNEY)
        .filter(public_id=public_id)
        .select_related("media", "parent")
        .first()
    )


def _source_image(parent: SandboxTask, index: int) -> Image.Image:
    if parent.media is None:
        raise mj_error("task_status_not_success")
    image = files.read_image(parent.media)
    return media.grid_tile(image, index) if parent.action in GRID_ACTIONS else image


def _tile_size(image: Image.Image) -> tuple[int, int]:
    return media.size_for_aspect(image.size, TILE_SIDE)


def _render_action(parent: SandboxTask, button: ButtonAction, seed: int) -> Image.Image:
    source = _source_image(parent, max(1, button.index))
    prompt = parent.prompt or "blend"
    if button.action == "UPSCALE":
        if parent.action in GRID_ACTIONS:
            return media.sharpen(source.resize((source.width * 2, source.height * 2)))
        larger = media.size_for_aspect(source.size, min(2048, max(source.size) * 2))
        return media.tint(media.sharpen(source.resize(larger)), media.color_for(prompt, seed), 0.08)
    tile = _tile_size(source)
    small = source.resize(tile)
    if button.action in _VARIATION_STRENGTH:
        strength = _VARIATION_STRENGTH[button.action]
        return media.grid(
            [media.variant(small, prompt=prompt, seed=seed + i, strength=strength) for i in range(4)]
        )
    if button.action == "REROLL":
        return _grid_of(prompt, seed, tile, [])
    if button.action == "ZOOM":
        factor = 2.0 if button.detail == "50" else 1.5
        return media.grid([media.zoom_out(small, factor, prompt=prompt, seed=seed + i) for i in range(4)])
    if button.action == "PAN":
        panned = [media.pan(small, button.detail, prompt=prompt, seed=seed + i) for i in range(4)]
        size = _tile_size(panned[0])
        return media.grid([image.resize(size) for image in panned])
    raise mj_error(f"unknown_action:{button.action}")


def submit_action(
    *, owner: str, body: Mapping[str, Any], faults: Faults, request: HttpRequest
) -> SubmitResult:
    """Press a button of a finished job: a new job, an existing one (21), or a MODAL wait (21)."""
    if not body.get("taskId"):
        raise mj_error("task_id_is_required")
    custom_id = body.get("customId")
    if not isinstance(custom_id, str) or not custom_id:
        raise mj_error("custom_id_is_required")
    button = parse_custom_id(custom_id)
    parent = find_task(owner, body.get("taskId"))
    if parent is None:
        raise mj_error("task_not_found")
    if lifecycle.observe(parent).stage is not Stage.SUCCESS:
        raise mj_error("task_status_not_success")
    if custom_id not in {item["customId"] for item in buttons(parent)} or button.job_hash != parent.job_hash:
        return validation_failure("customId无效")
    if button.action == "UPSCALE":
        existing = parent.children.filter(params__customId=custom_id).select_related("media").first()
        if existing is not None:
            seen = lifecycle.observe(existing)
            image_url = image_url_for(request, existing) if seen.stage is Stage.SUCCESS else ""
            return SubmitResult(
                21, "任务已存在", existing.public_id, {"status": seen.stage.value, "imageUrl": image_url}
            )
    admitted = _admit(parent.prompt, faults)
    if isinstance(admitted, SubmitResult):
        return admitted
    params = {"state": str(body.get("state") or ""), "customId": custom_id, "index": button.index}
    if button.action in {"CUSTOM_ZOOM", "INPAINT"}:
        task = _create(
            owner=owner,
            action=button.action,
            prompt=parent.prompt,
            faults=faults,
            ahead=admitted,
            params=params,
            image=None,
            parent=parent,
            is_modal=True,
        )
        return SubmitResult(
            21,
            "Waiting for window confirm",
            task.public_id,
            {"finalPrompt": parent.prompt, "remix": True, "modal": True},
        )
    if button.action == "UPSCALE" and parent.action == "UPSCALE":
        params["is_creative_upscale"] = True
    seed = random.randrange(1, 10_000)
    task = _create(
        owner=owner,
        action=button.action,
        prompt=parent.prompt,
        faults=faults,
        ahead=admitted,
        params=params,
        image=_render_action(parent, button, seed),
        parent=parent,
    )
    return _accepted(task, admitted)


def submit_modal(*, owner: str, body: Mapping[str, Any], faults: Faults) -> SubmitResult:
    """Confirm a job waiting in MODAL: custom zoom with `--zoom`, vary region with `maskBase64`."""
    task = find_task(owner, body.get("taskId"))
    if task is None:
        raise mj_error("task_not_found")
    if task.starts_at is not None or task.parent is None:
        return validation_failure("任务状态错误")
    asked = body.get("prompt")
    prompt = asked if isinstance(asked, str) and asked.strip() else task.prompt
    source = _source_image(task.parent, 1)
    seed = random.randrange(1, 10_000)
    if task.action == "CUSTOM_ZOOM":
        match = _ZOOM.search(prompt)
        factor = float(match.group(1)) if match else 0.0
        if not 1.0 <= factor <= 2.0:
            return validation_failure("--zoom 参数错误, 取值范围 1-2")
        size = media.size_for_aspect(media.aspect_from_text(prompt, source.size), TILE_SIDE)
        small = source.resize(_tile_size(source))
        image = media.grid(
            [media.zoom_out(small, factor, prompt=prompt, seed=seed + i, size=size) for i in range(4)]
        )
    else:
        if not body.get("maskBase64"):
            return validation_failure("maskBase64 不能为空")
        try:
            mask = _decode(body.get("maskBase64"))
        except media.MediaError:
            return validation_failure("base64格式错误")
        small = source.resize(_tile_size(source))
        image = media.grid([media.inpaint(small, mask, prompt=prompt, seed=seed + i) for i in range(4)])
    stored = task.params.get("faults") or {}
    expire_after = stored.get("expire_after")
    task.prompt = prompt
    lifecycle.start(task, timezone.now())
    expiry = None
    if expire_after is not None:
        expiry = Expiry(
            lifecycle.expiry_time(task, float(expire_after)), int(stored.get("expire_status", 403))
        )
    with transaction.atomic():
        task.media = files.save_image(image, expiry=expiry)
        task.save()
    return SubmitResult(1, "提交成功", task.public_id, _instance_properties())


def image_url_for(request: HttpRequest, task: SandboxTask) -> str:
    """Where a finished job's image is: the fake CDN, or `/mj/image/{id}` when forwarding is on."""
    if task.media is None:
        return ""
    if config.midjourney_forwards_images():
        return request.build_absolute_uri(reverse("sandbox:mj_image", kwargs={"task_id": task.public_id}))
    return files.file_url(request, task.media)


_DESCRIPTIONS = {
    "IMAGINE": "/imagine {prompt}",
    "DESCRIBE": "/describe {id}.png",
    "SHORTEN": "/shorten {prompt}",
    "BLEND": "/blend {id}",
    "SWAP_FACE": "/swap {id}",
}


def _final_prompt(task: SandboxTask) -> str:
    if "finalPrompt" in task.params:
        return str(task.params["finalPrompt"])
    prompt = task.prompt
    if prompt and "--v" not in prompt and "--niji" not in prompt:
        prompt = f"{prompt} --v 6.1"
    return prompt


def task_payload(request: HttpRequest, task: SandboxTask) -> dict[str, Any]:
    """A task as `GET /mj/task/{id}/fetch` shows it, milliseconds and all."""
    seen = lifecycle.observe(task)
    is_done = seen.stage is Stage.SUCCESS
    status = "" if seen.stage is Stage.NOT_POLLED else seen.stage.value
    if seen.stage.is_finished:
        progress = "100%"
    elif seen.stage is Stage.IN_PROGRESS:
        progress = f"{seen.progress}%"
    else:
        progress = "0%"
    template = _DESCRIPTIONS.get(task.action, "/up {parent} {action}")
    parent_id = task.parent.public_id if task.parent else ""
    hidden_until_done = task.action in {"DESCRIBE", "SHORTEN"} and not is_done
    return {
        "id": task.public_id,
        "action": task.action,
        "customId": str(task.params.get("customId", "")),
        "botType": "",
        "prompt": task.prompt,
        "promptEn": task.prompt,
        "description": template.format(
            prompt=task.prompt, id=task.public_id, parent=parent_id, action=task.action
        ),
        "state": str(task.params.get("state", "")),
        "submitTime": int(seen.submitted * 1000),
        "startTime": 0 if seen.started is None else int(seen.started * 1000),
        "finishTime": 0 if seen.finished is None else int(seen.finished * 1000),
        "imageUrl": image_url_for(request, task) if is_done else "",
        "videoUrl": "",
        "videoUrls": None,
        "status": status,
        "progress": progress,
        "failReason": seen.fail_reason,
        "buttons": buttons(task) if is_done else [],
        "maskBase64": "",
        "properties": {
            "finalPrompt": "" if hidden_until_done else _final_prompt(task),
            "finalZhPrompt": "",
        },
    }


def image_seed(task: SandboxTask) -> dict[str, Any]:
    """The `/image-seed` answer: the job's seed once it succeeded."""
    if lifecycle.observe(task).stage is not Stage.SUCCESS:
        return {"code": 4, "description": "关联任务状态错误", "result": None}
    return {"code": 1, "description": "成功", "result": str(task.seed)}
