"""How each kind is sent to the gateway: the request body (recorded with secrets and file bytes redacted)
and the client call. Submitters never touch the database; `submission.py` does that around them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.generations.kinds import Kind
from studio.generations.models import Asset, Generation
from studio.upstream import GatewayClient, TaskView, to_data_url


@dataclass(frozen=True)
class Submitted:
    """What the gateway answered to a submit: its task id and whatever else it said."""

    task_id: str
    request_id: str | None
    raw: Mapping[str, Any] | None
    view: TaskView | None = None
    notes: tuple[str, ...] = field(default=())


def redact(value: Any) -> Any:
    """A copy for the record: data URLs become a short description with their size and sha256."""
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
        head, data = value.split(",", 1)
        digest = hashlib.sha256(data.encode()).hexdigest()[:16]
        return f"<{head}, {len(data) * 3 // 4} bytes, sha256 {digest}…>"
    if isinstance(value, Mapping):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def asset_data_url(asset: Asset) -> str:
    """The asset's bytes as a `data:` URL (how images go to chat and Midjourney)."""
    with asset.file.open("rb") as handle:
        return to_data_url(handle.read(), asset.mime_type)


Inputs = Mapping[str, Sequence[Asset]]
Recorder = Callable[[dict[str, Any]], None]


def _from_view(view: TaskView) -> Submitted:
    return Submitted(task_id=view.task_id, request_id=view.request_id, raw=view.raw, view=view)


def submit_veo3(client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder) -> Submitted:
    params = generation.params
    images = [asset_data_url(asset) for asset in inputs.get("first_frame", ())]
    body = {
        "model": generation.model,
        "prompt": generation.prompt,
        "aspect_ratio": params.get("aspect_ratio") or None,
        "images": images,
        "enhance_prompt": params.get("enhance_prompt"),
        "enable_upsample": params.get("enable_upsample"),
    }
    record({"method": "POST", "path": "/v1/video/generations", "body": redact(body)})
    view = client.video.create(
        model=generation.model,
        prompt=generation.prompt,
        aspect_ratio=body["aspect_ratio"],
        images=images,
        enhance_prompt=body["enhance_prompt"],
        enable_upsample=body["enable_upsample"],
    )
    return _from_view(view)


def _mention_characters(prompt: str, usernames: Sequence[str]) -> str:
    mentions = " ".join(f"@{name.lstrip('@')}" for name in usernames if name)
    return f"{prompt} {mentions}".strip() if mentions else prompt


def submit_sora_video(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    prompt = _mention_characters(generation.prompt, params.get("characters", []))
    references = [asset_data_url(asset) for asset in inputs.get("reference", ())]
    body = {
        "model": generation.model,
        "prompt": prompt,
        "seconds": params.get("seconds"),
        "size": params.get("size"),
        "input_reference": references[0] if references else None,
    }
    record({"method": "POST", "path": "/v1/videos", "body": redact(body)})
    view = client.sora.create_video(
        model=generation.model,
        prompt=prompt,
        seconds=body["seconds"],
        size=body["size"],
        input_reference=body["input_reference"],
    )
    return _from_view(view)


def submit_sora_remix(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    source_id = generation.params["source_task_id"]
    record({"method": "POST", "path": f"/v1/videos/{source_id}/remix", "body": {"prompt": generation.prompt}})
    return _from_view(client.sora.remix(source_id, prompt=generation.prompt))


def submit_sora_character(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    body = {
        "model": generation.model,
        "from_task": params.get("source_task_id"),
        "timestamps": params.get("timestamps", "1,3"),
    }
    record({"method": "POST", "path": "/v1/videos", "body": body})
    view = client.sora.create_character(
        from_task=body["from_task"], timestamps=body["timestamps"], model=generation.model
    )
    return _from_view(view)


def _from_midjourney(submission: Any) -> Submitted:
    return Submitted(task_id=submission.task_id, request_id=submission.request_id, raw=submission.raw)


def submit_mj_imagine(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    images = [asset_data_url(asset) for asset in inputs.get("reference", ())]
    body = {"prompt": generation.prompt, "base64Array": images}
    record({"method": "POST", "path": "/mj/submit/imagine", "body": redact(body)})
    return _from_midjourney(client.midjourney.imagine(prompt=generation.prompt, images=images))


def submit_mj_action(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    body = {"taskId": params["source_task_id"], "customId": params["custom_id"]}
    record({"method": "POST", "path": "/mj/submit/action", "body": body})
    submission = client.midjourney.action(task_id=body["taskId"], custom_id=body["customId"])
    if not submission.is_waiting_for_modal:
        return _from_midjourney(submission)
    # Vary (region) and custom zoom open a modal: the mask and prompt go in a second call.
    masks = [asset_data_url(asset) for asset in inputs.get("mask", ())]
    modal_body = {
        "taskId": submission.task_id,
        "prompt": generation.prompt or None,
        "maskBase64": masks[0] if masks else None,
    }
    record({"method": "POST", "path": "/mj/submit/modal", "body": redact(modal_body)})
    modal = client.midjourney.modal(
        task_id=submission.task_id, prompt=modal_body["prompt"], mask_base64=modal_body["maskBase64"]
    )
    return Submitted(
        task_id=modal.task_id,
        request_id=modal.request_id,
        raw=modal.raw,
        notes=("The button opened a modal; the prompt and mask were sent with it.",),
    )


def submit_mj_blend(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    images = [asset_data_url(asset) for asset in inputs.get("source", ())]
    dimensions = generation.params.get("dimensions") or None
    record(
        {
            "method": "POST",
            "path": "/mj/submit/blend",
            "body": redact({"base64Array": images, "dimensions": dimensions}),
        }
    )
    return _from_midjourney(client.midjourney.blend(images=images, dimensions=dimensions))


def submit_mj_describe(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    image = asset_data_url(inputs["source"][0])
    record({"method": "POST", "path": "/mj/submit/describe", "body": redact({"base64": image})})
    return _from_midjourney(client.midjourney.describe(image=image))


def submit_mj_shorten(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    record({"method": "POST", "path": "/mj/submit/shorten", "body": {"prompt": generation.prompt}})
    return _from_midjourney(client.midjourney.shorten(prompt=generation.prompt))


def submit_mj_swap_face(
    client: GatewayClient, generation: Generation, inputs: Inputs, record: Recorder
) -> Submitted:
    source = asset_data_url(inputs["face"][0])
    target = asset_data_url(inputs["target"][0])
    record(
        {
            "method": "POST",
            "path": "/mj/insight-face/swap",
            "body": redact({"sourceBase64": source, "targetBase64": target}),
        }
    )
    return _from_midjourney(client.midjourney.swap_face(source_image=source, target_image=target))


Submitter = Callable[[GatewayClient, Generation, Inputs, Recorder], Submitted]

SUBMITTERS: dict[str, Submitter] = {
    Kind.VEO3_VIDEO: submit_veo3,
    Kind.SORA2_VIDEO: submit_sora_video,
    Kind.SORA2_REMIX: submit_sora_remix,
    Kind.SORA2_CHARACTER: submit_sora_character,
    Kind.MJ_IMAGINE: submit_mj_imagine,
    Kind.MJ_ACTION: submit_mj_action,
    Kind.MJ_BLEND: submit_mj_blend,
    Kind.MJ_DESCRIBE: submit_mj_describe,
    Kind.MJ_SHORTEN: submit_mj_shorten,
    Kind.MJ_SWAP_FACE: submit_mj_swap_face,
}
