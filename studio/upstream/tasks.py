"""One normalised view of every asynchronous gateway task: video, Sora2 and Midjourney."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import (
    as_int,
    as_mapping,
    as_text,
    first_text,
    parse_progress,
    parse_timestamp,
    unique,
    url_strings,
)


class TaskStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


# Every status word seen across new-api tasks, the OpenAI video object, Midjourney and sister
# relays. An empty status is what new-api shows before its first poll of the upstream.
_STATUS_WORDS: dict[str, TaskStatus] = {
    "": TaskStatus.QUEUED,
    "not_start": TaskStatus.QUEUED,
    "submitted": TaskStatus.QUEUED,
    "queued": TaskStatus.QUEUED,
    "pending": TaskStatus.QUEUED,
    "waiting": TaskStatus.QUEUED,
    "created": TaskStatus.QUEUED,
    "modal": TaskStatus.QUEUED,
    "in_progress": TaskStatus.RUNNING,
    "processing": TaskStatus.RUNNING,
    "running": TaskStatus.RUNNING,
    "generating": TaskStatus.RUNNING,
    "video_generating": TaskStatus.RUNNING,
    "started": TaskStatus.RUNNING,
    "success": TaskStatus.SUCCEEDED,
    "succeeded": TaskStatus.SUCCEEDED,
    "succeed": TaskStatus.SUCCEEDED,
    "completed": TaskStatus.SUCCEEDED,
    "complete": TaskStatus.SUCCEEDED,
    "finished": TaskStatus.SUCCEEDED,
    "done": TaskStatus.SUCCEEDED,
    "failure": TaskStatus.FAILED,
    "failed": TaskStatus.FAILED,
    "fail": TaskStatus.FAILED,
    "error": TaskStatus.FAILED,
    "cancelled": TaskStatus.FAILED,
    "canceled": TaskStatus.FAILED,
    "expired": TaskStatus.FAILED,
}


def normalise_status(value: object, *, unknown_is_queued: bool = False) -> TaskStatus:
    """Map any gateway status word to a `TaskStatus`."""
    word = as_text(value).lower().replace("-", "_").replace(" ", "_")
    if word == "unknown" and unknown_is_queued:
        return TaskStatus.QUEUED
    return _STATUS_WORDS.get(word, TaskStatus.UNKNOWN)


@dataclass(frozen=True)
class MidjourneyButton:
    custom_id: str
    label: str
    emoji: str
    style: int | None = None


@dataclass(frozen=True)
class TaskView:
    """The state of one gateway task, whatever family it belongs to."""

    task_id: str
    status: TaskStatus
    progress: int
    gateway_status: str
    display_url: str | None = None
    download_url: str | None = None
    result_urls: tuple[str, ...] = ()
    preview_url: str | None = None
    thumbnail_url: str | None = None
    failure_reason: str | None = None
    submitted_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    action: str | None = None
    model: str | None = None
    buttons: tuple[MidjourneyButton, ...] = ()
    width: int | None = None
    height: int | None = None
    text_result: str | None = None
    character_username: str | None = None
    request_id: str | None = None
    raw: Mapping[str, Any] | None = None
    # The HTTP status of the answer this view was read from, when the reader kept it (submits do).
    status_code: int | None = None
    # The create answer's billing ratios (`X-New-Api-Other-Ratios`), when the gateway sent them.
    other_ratios: Mapping[str, float] | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)

    @property
    def is_waiting_for_modal(self) -> bool:
        """A Midjourney inpaint or custom zoom waits for `/mj/submit/modal`."""
        return self.gateway_status.upper() == "MODAL"


def _is_download_url(url: str) -> bool:
    return "/download/" in url


def _split_display_and_download(urls: tuple[str, ...]) -> tuple[str | None, str | None]:
    display = next((url for url in urls if not _is_download_url(url)), None)
    download = next((url for url in urls if _is_download_url(url)), None)
    return display or download, download or display


def _final_progress(value: object, status: TaskStatus) -> int:
    if status is TaskStatus.SUCCEEDED:
        return 100
    return parse_progress(value) or 0


def _error_text(value: object) -> str:
    if isinstance(value, Mapping):
        return first_text(value, "message", "msg", "code")
    return as_text(value)


def _unwrap_envelope(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return the task inside `{"code": "success", "data": {...}}`; a bare task stays as it is."""
    inner = payload.get("data")
    is_envelope = "code" in payload and not any(key in payload for key in ("task_id", "status", "id"))
    if is_envelope and isinstance(inner, Mapping):
        return inner
    return payload


def task_id_from(payload: Mapping[str, Any]) -> str:
    """Find a task id: `task_id`, else `id`, else `taskId`, else `data.task_id`, else `data`."""
    found = first_text(payload, "task_id", "id", "taskId")
    if found:
        return found
    inner = payload.get("data")
    if isinstance(inner, str):
        return inner.strip()
    return first_text(as_mapping(inner), "task_id", "id", "taskId")


def parse_video_task(payload: Mapping[str, Any], *, request_id: str | None = None) -> TaskView:
    """Normalise a `/v1/video/generations` task (2025 TaskDto, newer shapes, or a create reply)."""
    task = _unwrap_envelope(payload)
    upstream = as_mapping(task.get("data"))
    task_id = task_id_from(task) or first_text(upstream, "taskId", "task_id", "id")
    if not task_id:
        raise MalformedResponse("The gateway's task has no id.", request_id=request_id)
    gateway_status = as_text(task.get("status")) or as_text(upstream.get("status"))
    status = normalise_status(gateway_status)
    fail_reason = as_text(task.get("fail_reason")) or as_text(task.get("failReason"))
    candidates: list[str] = url_strings(task.get("result_url"))
    # The 2025 gateway stores the finished video's URL in `fail_reason`.
    if status is TaskStatus.SUCCEEDED and fail_reason.startswith(("http://", "https://")):
        candidates.append(fail_reason)
    for record in (task, upstream):
        for key in ("videoUrl", "video_url", "url", "output", "videoUrls", "video_urls", "urls"):
            candidates.extend(url_strings(record.get(key)))
    urls = unique(candidates)
    display_url, download_url = _split_display_and_download(urls)
    failure_reason = None
    if status is TaskStatus.FAILED:
        failure_reason = (
            fail_reason
            or _error_text(task.get("error"))
            or first_text(upstream, "failReason", "fail_reason", "message")
            or _error_text(upstream.get("error"))
            or None
        )
    return TaskView(
        task_id=task_id,
        status=status,
        progress=_final_progress(task.get("progress", upstream.get("progress")), status),
        gateway_status=gateway_status,
        display_url=display_url,
        download_url=download_url,
        result_urls=urls,
        thumbnail_url=first_text(task, "thumbnail_url") or None,
        failure_reason=failure_reason,
        submitted_at=parse_timestamp(task.get("submit_time") or task.get("created_at")),
        started_at=parse_timestamp(task.get("start_time") or upstream.get("startTime")),
        finished_at=parse_timestamp(
            task.get("finish_time") or task.get("completed_at") or upstream.get("finishTime")
        ),
        action=first_text(task, "action") or None,
        model=first_text(task, "model") or None,
        request_id=request_id,
        raw=payload,
    )


def parse_sora_object(payload: Mapping[str, Any], *, request_id: str | None = None) -> TaskView:
    """Normalise a Sora2 video, remix or character object from `/v1/videos`."""
    record = _unwrap_envelope(payload)
    task_id = task_id_from(record)
    if not task_id:
        raise MalformedResponse("The gateway's video object has no id.", request_id=request_id)
    gateway_status = as_text(record.get("status"))
    # Some gateway versions show a task that has not started as "unknown".
    status = normalise_status(gateway_status, unknown_is_queued=True)
    candidates = list(url_strings(record.get("result_url")))
    for key in ("video_url", "url", "download_url", "videoUrl", "output"):
        candidates.extend(url_strings(record.get(key)))
    fail_reason = as_text(record.get("fail_reason"))
    if status is TaskStatus.SUCCEEDED and fail_reason.startswith(("http://", "https://")):
        candidates.append(fail_reason)
    urls = unique(candidates)
    display_url, download_url = _split_display_and_download(urls)
    failure_reason = None
    if status is TaskStatus.FAILED:
        failure_reason = _error_text(record.get("error")) or fail_reason or None
    avatar_url = first_text(record, "avatar_url", "profile_picture_url") or None
    return TaskView(
        task_id=task_id,
        status=status,
        progress=_final_progress(record.get("progress"), status),
        gateway_status=gateway_status,
        display_url=display_url,
        download_url=download_url,
        result_urls=urls,
        thumbnail_url=first_text(record, "thumbnail_url") or avatar_url,
        failure_reason=failure_reason,
        submitted_at=parse_timestamp(record.get("created_at") or record.get("submit_time")),
        started_at=parse_timestamp(record.get("started_at") or record.get("start_time")),
        finished_at=parse_timestamp(record.get("completed_at") or record.get("finish_time")),
        action=first_text(record, "object") or None,
        model=first_text(record, "model") or None,
        character_username=first_text(record, "username") or None,
        request_id=request_id,
        raw=payload,
    )


def _parse_buttons(value: object) -> tuple[MidjourneyButton, ...]:
    if not isinstance(value, list):
        return ()
    buttons = []
    for item in value:
        record = as_mapping(item)
        custom_id = as_text(record.get("customId"))
        if custom_id:
            buttons.append(
                MidjourneyButton(
                    custom_id=custom_id,
                    label=as_text(record.get("label")),
                    emoji=as_text(record.get("emoji")),
                    style=as_int(record.get("style")),
                )
            )
    return tuple(buttons)


def _dimension(records: tuple[Mapping[str, Any], ...], *keys: str) -> int | None:
    for record in records:
        for key in keys:
            value = as_int(record.get(key))
            if value:
                return value
    return None


def parse_midjourney_task(payload: Mapping[str, Any], *, request_id: str | None = None) -> TaskView:
    """Normalise a Midjourney task from `/mj/task/{id}/fetch` or `list-by-condition`."""
    task_id = first_text(payload, "id", "taskId", "task_id")
    if not task_id:
        raise MalformedResponse("The gateway's Midjourney task has no id.", request_id=request_id)
    gateway_status = as_text(payload.get("status"))
    status = normalise_status(gateway_status)
    properties = as_mapping(payload.get("properties"))
    image_urls = url_strings(payload.get("imageUrl")) + url_strings(payload.get("imageUrls"))
    video_urls = url_strings(payload.get("videoUrl")) + url_strings(payload.get("videoUrls"))
    urls = unique(image_urls + video_urls)
    is_success = status is TaskStatus.SUCCEEDED
    # While running, `imageUrl` may hold a blurry preview rather than the result.
    preview_url = urls[0] if urls and not is_success else None
    failure_reason = None
    if status is TaskStatus.FAILED:
        failure_reason = first_text(payload, "failReason", "description") or None
    dimension_sources = (payload, properties)
    return TaskView(
        task_id=task_id,
        status=status,
        progress=_final_progress(payload.get("progress"), status),
        gateway_status=gateway_status,
        display_url=urls[0] if is_success and urls else None,
        download_url=urls[0] if is_success and urls else None,
        result_urls=urls if is_success else (),
        preview_url=preview_url,
        failure_reason=failure_reason,
        submitted_at=parse_timestamp(payload.get("submitTime")),
        started_at=parse_timestamp(payload.get("startTime")),
        finished_at=parse_timestamp(payload.get("finishTime")),
        action=first_text(payload, "action") or None,
        buttons=_parse_buttons(payload.get("buttons")),
        width=_dimension(dimension_sources, "imageWidth", "width"),
        height=_dimension(dimension_sources, "imageHeight", "height"),
        text_result=first_text(properties, "finalPrompt") or None,
        request_id=request_id,
        raw=payload,
    )
