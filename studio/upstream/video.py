"""Veo3 asynchronous video tasks: `POST /v1/video/generations` and the task query."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_text
from studio.upstream.tasks import TaskStatus, TaskView, parse_video_task, task_id_from
from studio.upstream.transport import (
    CallKind,
    GatewayHttp,
    GatewayResponse,
    classify_error,
    error_from_payload,
    path_segment,
)


def task_from_create_response(
    response: GatewayResponse, *, parse: Callable[..., TaskView] = parse_video_task
) -> TaskView:
    """Read a create reply: `{"task_id"}` (2025) or a whole task object (newer gateways), with the billing
    ratios of its `X-New-Api-Other-Ratios` header."""
    payload = response.json_object()
    error = error_from_payload(payload, status_code=response.status_code, request_id=response.request_id)
    if error is not None:
        raise error
    task_id = task_id_from(payload)
    if not task_id:
        message = as_text(payload.get("message")) or as_text(payload.get("msg"))
        if message:
            raise classify_error(
                status_code=response.status_code,
                gateway_message=message,
                error_code=as_text(payload.get("code")),
                request_id=response.request_id,
            )
        raise MalformedResponse(
            "The gateway accepted the request but sent no task id.",
            status_code=response.status_code,
            request_id=response.request_id,
        )
    if "status" in payload or "progress" in payload:
        view = replace(parse(payload, request_id=response.request_id), status_code=response.status_code)
        return replace(view, other_ratios=response.other_ratios) if response.other_ratios else view
    return TaskView(
        status_code=response.status_code,
        task_id=task_id,
        status=TaskStatus.QUEUED,
        progress=0,
        gateway_status="",
        request_id=response.request_id,
        raw=payload,
        other_ratios=response.other_ratios,
    )


def _task_query_payload(response: GatewayResponse) -> Mapping[str, Any]:
    payload = response.json_object()
    code = as_text(payload.get("code")).lower()
    if "data" in payload and payload.get("data") is None and code not in ("", "success"):
        raise classify_error(
            status_code=response.status_code,
            gateway_message=as_text(payload.get("message")) or code,
            error_code=code,
            request_id=response.request_id,
        )
    return payload


VIDEO_CREATE_PATH = "/v1/video/generations"


def video_create_body(
    *,
    model: str,
    prompt: str,
    aspect_ratio: str | None = None,
    images: Sequence[str] = (),
    enhance_prompt: bool | None = None,
    enable_upsample: bool | None = None,
    seed: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of a video task create: unset options are left out, so the gateway's defaults apply."""
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    optional = {
        "aspect_ratio": aspect_ratio,
        "enhance_prompt": enhance_prompt,
        "enable_upsample": enable_upsample,
        "seed": seed,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if images:
        body["images"] = list(images)
    body.update(extra)
    return body


class VideoAPI:
    """Veo3 async tasks on `/v1/video/generations`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def create(
        self,
        *,
        model: str,
        prompt: str,
        aspect_ratio: str | None = None,
        images: Sequence[str] = (),
        enhance_prompt: bool | None = None,
        enable_upsample: bool | None = None,
        seed: int | None = None,
        **extra: Any,
    ) -> TaskView:
        """Submit a video task (billed by the gateway); poll it with `get`."""
        body = video_create_body(
            model=model,
            prompt=prompt,
            aspect_ratio=aspect_ratio,
            images=images,
            enhance_prompt=enhance_prompt,
            enable_upsample=enable_upsample,
            seed=seed,
            **extra,
        )
        return self.submit(body)

    def submit(self, body: Mapping[str, Any]) -> TaskView:
        """Send a create body exactly as given (billed by the gateway); poll the task with `get`."""
        response = self._http.request("POST", VIDEO_CREATE_PATH, kind=CallKind.SUBMIT, json_body=dict(body))
        return task_from_create_response(response)

    def get(self, task_id: str) -> TaskView:
        """Read a task's state from the gateway; no side effects."""
        response = self._http.request("GET", f"/v1/video/generations/{path_segment(task_id)}")
        return parse_video_task(_task_query_payload(response), request_id=response.request_id)
