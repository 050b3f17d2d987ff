"""Veo3 video as a gateway task, polled at /v1/video/generations/{id}."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    VIDEO_STALL,
    Family,
    InputOffer,
    Kind,
    KindSpec,
)
from studio.generations.kinds._payload import (
    Inputs,
    Recorder,
    Submitted,
    SubmittedGeneration,
    asset_data_url,
    from_view,
    redact,
)
from studio.upstream import Capability, GatewayClient, video_create_body
from studio.upstream.video import VIDEO_CREATE_PATH


def submit_veo3(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    images = [asset_data_url(asset) for asset in inputs.get("first_frame", ())]
    # Built once: the record shows the very object that is sent (with data URLs summarised).
    body = video_create_body(
        model=generation.model,
        prompt=generation.prompt,
        aspect_ratio=params.get("aspect_ratio") or None,
        images=images,
        enhance_prompt=params.get("enhance_prompt"),
        enable_upsample=params.get("enable_upsample"),
    )
    record({"method": "POST", "path": VIDEO_CREATE_PATH, "body": redact(body)})
    return from_view(client.video.submit(body))


VEO3_VIDEO = KindSpec(
    Kind.VEO3_VIDEO,
    _("Video: Veo3"),
    Family.VIDEO_TASK,
    Capability.VIDEO_VEO3_ASYNC,
    "veo3-fast",
    VIDEO_STALL,
    image_inputs={"first_frame": (0, 1)},
    form_family="veo3",
    input_offer=InputOffer(IMAGE, _("Animate it with Veo3"), sets_mode=False),
    submit=submit_veo3,
)
SPECS = (VEO3_VIDEO,)
