"""Sora2 videos, their remixes and the characters taken from them, polled at /v1/videos/{id}."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    VIDEO,
    VIDEO_STALL,
    Family,
    InputRule,
    Kind,
    KindSpec,
    per_video_second,
)
from studio.generations.kinds._payload import (
    InputAsset,
    Inputs,
    Recorder,
    Submitted,
    SubmittedGeneration,
    Submitter,
    asset_data_url,
    from_view,
    redact,
)
from studio.upstream import Capability, FileUpload, GatewayClient, character_body, sora_video_body
from studio.upstream.sora import SORA_CREATE_PATH

# A real person's clip: the family publishes no limits, so these are documented guesses (the help text
# says so), and the sandbox checks the same.
CHARACTER_CLIP_MAX_SECONDS = 30
CHARACTER_CLIP_MAX_BYTES = 50_000_000


def _mention_characters(prompt: str, usernames: Sequence[str]) -> str:
    mentions = " ".join(f"@{name.lstrip('@')}" for name in usernames if name)
    return f"{prompt} {mentions}".strip() if mentions else prompt


def submit_sora_video(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    prompt = _mention_characters(generation.prompt, params.get("characters", []))
    references = [asset_data_url(asset) for asset in inputs.get("reference", ())]
    # Built once: the record shows the very object that is sent (with data URLs summarised).
    body = sora_video_body(
        model=generation.model,
        prompt=prompt,
        seconds=params.get("seconds"),
        size=params.get("size"),
        input_reference=references[0] if references else None,
    )
    record({"method": "POST", "path": SORA_CREATE_PATH, "body": redact(body)})
    return from_view(client.sora.submit(body))


def submit_sora_remix(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    source_id = generation.params["source_task_id"]
    record({"method": "POST", "path": f"/v1/videos/{source_id}/remix", "body": {"prompt": generation.prompt}})
    return from_view(client.sora.remix(source_id, prompt=generation.prompt))


def _clip_upload(asset: InputAsset) -> FileUpload:
    with asset.file.open("rb") as handle:
        content = handle.read()
    return FileUpload(Path(asset.file.name).name, content, asset.mime_type)


def submit_sora_character(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    """A character from a clip of the project (sent as the multipart `video`), a clip's URL (`url`), or
    the Sora video it was made from (`from_task`)."""
    params = generation.params
    timestamps = params.get("timestamps", "1,3")
    clips = inputs.get("clip", ())
    if clips:
        fields = {"model": generation.model, "timestamps": timestamps}
        clip = _clip_upload(clips[0])
        digest = hashlib.sha256(clip.content).hexdigest()[:16]
        record(
            {
                "method": "POST",
                "path": SORA_CREATE_PATH,
                "body": fields,
                "files": {"video": f"<{clip.filename}, {len(clip.content)} bytes, sha256 {digest}…>"},
            }
        )
        return from_view(client.sora.submit_character_clip(fields, clip))
    clip_url = params.get("clip_url") or None
    body = character_body(
        model=generation.model,
        source_url=clip_url,
        from_task=None if clip_url else params.get("source_task_id"),
        timestamps=timestamps,
    )
    record({"method": "POST", "path": SORA_CREATE_PATH, "body": body})
    return from_view(client.sora.submit(body))


def _sora(kind: Kind, label: str | Promise, default_model: str, submit: Submitter, **facts: Any) -> KindSpec:
    """A Sora kind: polled at /v1/videos/{id}."""
    return KindSpec(
        kind,
        label,
        Family.SORA,
        facts.pop("capability", Capability.VIDEO_SORA2),
        default_model,
        VIDEO_STALL,
        submit=submit,
        **facts,
    )


# Sora's own videos (made or remixed) can be remixed again, and made into a character.
_REMIXABLE: dict[str, Any] = {
    "price_basis": per_video_second,
    "remix_kind": Kind.SORA2_REMIX,
    "character_kind": Kind.SORA2_CHARACTER,
}
SORA2_VIDEO = _sora(
    Kind.SORA2_VIDEO,
    _("Video: Sora2"),
    "sora-2",
    submit_sora_video,
    image_inputs={"reference": (0, 1)},
    form_family="sora2",
    **_REMIXABLE,
)
SORA2_REMIX = _sora(
    Kind.SORA2_REMIX, _("Sora2 remix"), "sora-2", submit_sora_remix, is_child_only=True, **_REMIXABLE
)
SORA2_CHARACTER = _sora(
    Kind.SORA2_CHARACTER,
    _("Sora2 character"),
    "sora-2-character",
    submit_sora_character,
    capability=Capability.SORA_CHARACTER,
    needs_prompt=False,
    is_child_only=True,
    media_inputs={"clip": InputRule(VIDEO, 0, 1)},
    makes_character=True,
)
SPECS = (SORA2_VIDEO, SORA2_REMIX, SORA2_CHARACTER)
