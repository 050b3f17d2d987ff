"""Sora2 videos, their remixes and the characters taken from them, polled at /v1/videos/{id}."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    VIDEO_STALL,
    Family,
    Kind,
    KindSpec,
    per_video_second,
)
from studio.generations.kinds._payload import (
    Inputs,
    Recorder,
    Submitted,
    SubmittedGeneration,
    Submitter,
    asset_data_url,
    from_view,
    redact,
)
from studio.upstream import Capability, GatewayClient


def _mention_characters(prompt: str, usernames: Sequence[str]) -> str:
    mentions = " ".join(f"@{name.lstrip('@')}" for name in usernames if name)
    return f"{prompt} {mentions}".strip() if mentions else prompt


def submit_sora_video(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
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
    return from_view(view)


def submit_sora_remix(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    source_id = generation.params["source_task_id"]
    record({"method": "POST", "path": f"/v1/videos/{source_id}/remix", "body": {"prompt": generation.prompt}})
    return from_view(client.sora.remix(source_id, prompt=generation.prompt))


def submit_sora_character(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
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
    return from_view(view)


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
    makes_character=True,
)
SPECS = (SORA2_VIDEO, SORA2_REMIX, SORA2_CHARACTER)
