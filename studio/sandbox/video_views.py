"""Video endpoints: Veo3 tasks on `/v1/video/generations` and Sora2 on `/v1/videos` (contract §5-§7)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studio.sandbox import config, files, media, pricing, videos
from studio.sandbox.gateway import (
    GatewayCall,
    GatewayError,
    Surface,
    gateway_endpoint,
    invalid_request,
    json_response,
)
from studio.sandbox.lifecycle import Stage
from studio.sandbox.models import SandboxTask, TaskKind

VERSION_HEADER = "X-Sandbox-Api-Version"
VIDEO_KINDS = (TaskKind.VIDEO, TaskKind.SORA_VIDEO)
SORA_KINDS = (TaskKind.VIDEO, TaskKind.SORA_VIDEO, TaskKind.SORA_CHARACTER)


def _api_version(request: HttpRequest) -> str:
    """The new-api generation to imitate: the request's header, else SANDBOX_API_VERSION."""
    asked = request.headers.get(VERSION_HEADER, "")
    return asked if asked in {"2025", "2026"} else config.api_version()


@require_POST
@gateway_endpoint(Surface.TASK)
def video_generations(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/video/generations`: submit a Veo3 task (16:9 or 9:16, first frames, enhance, upsample)."""
    version = _api_version(request)
    task = videos.create_veo_task(
        owner=call.owner, body=call.read_json(request), faults=call.faults, api_version=version
    )
    return json_response(videos.create_payload(task, api_version=version))


@require_GET
@gateway_endpoint(Surface.TASK)
def video_generation_detail(request: HttpRequest, call: GatewayCall, task_id: str) -> HttpResponseBase:
    """`GET /v1/video/generations/{task_id}`: the task in the shape of the gateway's own page."""
    task = videos.find_task(call.owner, task_id, SORA_KINDS)
    view = videos.view_task(request, task)
    return json_response(videos.task_payload(view, api_version=_api_version(request)))


def _sora_body(request: HttpRequest, call: GatewayCall) -> tuple[dict[str, Any], Any, bytes | None]:
    """The fields of a `/v1/videos` create, JSON or multipart, an uploaded reference image, and an
    uploaded character clip (`video`)."""
    if request.content_type == "multipart/form-data":
        body: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
        if isinstance(body.get("characters"), str):
            try:
                body["characters"] = json.loads(body["characters"])
            except ValueError:
                raise invalid_request("characters must be JSON", param="characters") from None
        clip_upload = request.FILES.get("video")
        clip = clip_upload.read() if clip_upload is not None else None
        upload = request.FILES.get("input_reference")
        if upload is None:
            return body, None, clip
        try:
            return body, media.decode_image(upload.read()), clip
        except media.MediaError:
            raise invalid_request("input_reference must be an image", param="input_reference") from None
    return call.read_json(request), None, None


@require_POST
@gateway_endpoint(Surface.TASK)
def videos_create(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/videos`: a Sora2 video, or a (real-person) character with a character model."""
    body, reference, clip = _sora_body(request, call)
    task = videos.create_sora_task(
        owner=call.owner, body=body, reference=reference, faults=call.faults, clip=clip
    )
    return _with_other_ratios(
        json_response(videos.sora_object(videos.view_task(request, task, is_new=True))), task
    )


@require_GET
@gateway_endpoint(Surface.TASK)
def video_detail(request: HttpRequest, call: GatewayCall, video_id: str) -> HttpResponseBase:
    """`GET /v1/videos/{id}`: a video, remix or character object, as it stands now."""
    task = videos.find_task(call.owner, video_id, SORA_KINDS)
    return json_response(videos.sora_object(videos.view_task(request, task)))


@require_POST
@gateway_endpoint(Surface.TASK)
def video_remix(request: HttpRequest, call: GatewayCall, video_id: str) -> HttpResponseBase:
    """`POST /v1/videos/{id}/remix`: a new video re-editing an earlier one."""
    body = call.read_json(request)
    original = videos.find_task(call.owner, video_id, VIDEO_KINDS)
    task = videos.remix_sora_task(owner=call.owner, original=original, body=body, faults=call.faults)
    return _with_other_ratios(
        json_response(videos.sora_object(videos.view_task(request, task, is_new=True))), task
    )


def _with_other_ratios(response: HttpResponseBase, task: SandboxTask) -> HttpResponseBase:
    """Newer new-api says what it multiplied the price by (seconds, size) in a header of the create answer."""
    ratios = pricing.other_ratios(task.model, task.params)
    if ratios:
        response["X-New-Api-Other-Ratios"] = json.dumps(ratios)
    return response


@require_GET
@gateway_endpoint(Surface.CONTENT)
def video_content(request: HttpRequest, call: GatewayCall, video_id: str) -> HttpResponseBase:
    """`GET /v1/videos/{id}/content`: the MP4 bytes (or the thumbnail), once the video is done."""
    task = (
        SandboxTask.objects.for_owner(call.owner)
        .of_kinds(*VIDEO_KINDS)
        .filter(public_id=video_id)
        .select_related("media", "thumbnail")
        .first()
    )
    if task is None:
        raise GatewayError(404, "Task not found", error_type="invalid_request_error")
    view = videos.view_task(request, task)
    if view.seen.stage is not Stage.SUCCESS:
        raise GatewayError(
            400,
            f"Task is not completed yet, current status: {view.seen.stage.value}",
            error_type="invalid_request_error",
        )
    if config.sora_content_is_json():
        return json_response(
            {
                "id": task.public_id,
                "status": "completed",
                "video_url": view.video_url,
                "url": view.download_url,
            }
        )
    variant = request.GET.get("variant", "video")
    file = task.thumbnail if variant in {"thumbnail", "spritesheet"} else task.media
    if file is None or file.is_expired(timezone.now()):
        raise GatewayError(502, "Failed to fetch video content from upstream", error_type="server_error")
    name = file.name
    return files.file_response(request, name, is_download=False)
