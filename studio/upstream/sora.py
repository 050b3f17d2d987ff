"""Sora2 through the gateway's OpenAI-style Videos API (`/v1/videos`).

Character creation follows the same-family relays' variant: `POST /v1/videos` with a character
model, polled like a video. The real-person model id is not published; pass `model` to override.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from studio.upstream.errors import ContentNotReady, MalformedResponse
from studio.upstream.payloads import as_mapping, first_text
from studio.upstream.tasks import TaskStatus, TaskView, normalise_status, parse_sora_object
from studio.upstream.transport import CallKind, GatewayHttp, GatewayResponse, path_segment
from studio.upstream.uploads import FileUpload
from studio.upstream.video import task_from_create_response

CHARACTER_MODEL = "sora-2-character"
REAL_PERSON_CHARACTER_MODEL = "sora-2-character-real"
MAX_VIDEO_BYTES = 500 * 1024 * 1024


SORA_CREATE_PATH = "/v1/videos"


def sora_video_body(
    *,
    prompt: str,
    model: str = "sora-2",
    seconds: str | int | None = None,
    size: str | None = None,
    input_reference: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of a Sora video create; `seconds` goes as a string, as the Videos API types it."""
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    if seconds is not None:
        body["seconds"] = str(seconds)
    if size is not None:
        body["size"] = size
    body.update(extra)
    if input_reference is not None:
        body["input_reference"] = input_reference
    return body


def character_body(
    *,
    source_url: str | None = None,
    from_task: str | None = None,
    timestamps: str = "1,3",
    model: str = CHARACTER_MODEL,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of a character create: from a clip's URL or from an earlier Sora task, not both."""
    if (source_url is None) == (from_task is None):
        raise ValueError("Give exactly one of source_url and from_task.")
    body: dict[str, Any] = {"model": model, "timestamps": timestamps}
    if source_url is not None:
        body["url"] = source_url
    else:
        body["from_task"] = from_task
    body.update(extra)
    return body


@dataclass(frozen=True)
class VideoContent:
    """A downloaded video: the bytes, or (from relays that answer with JSON) a URL to fetch."""

    content: bytes | None = field(repr=False)
    content_type: str
    video_url: str | None
    request_id: str | None
    raw: Mapping[str, Any] | None = field(default=None, repr=False)


def _parse_video_object(response: GatewayResponse) -> TaskView:
    return parse_sora_object(response.json_object(), request_id=response.request_id)


class SoraAPI:
    """Sora2 videos, remixes and characters on `/v1/videos`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def create_video(
        self,
        *,
        prompt: str,
        model: str = "sora-2",
        seconds: str | int | None = None,
        size: str | None = None,
        input_reference: str | FileUpload | None = None,
        **extra: Any,
    ) -> TaskView:
        """Submit a video task (billed by the gateway); an uploaded reference goes as multipart."""
        reference = input_reference if isinstance(input_reference, str) else None
        body = sora_video_body(
            prompt=prompt, model=model, seconds=seconds, size=size, input_reference=reference, **extra
        )
        if isinstance(input_reference, FileUpload):
            fields = {key: str(value) for key, value in body.items()}
            response = self._http.request(
                "POST",
                SORA_CREATE_PATH,
                kind=CallKind.UPLOAD,
                data=fields,
                files=[("input_reference", input_reference.as_multipart())],
            )
            return task_from_create_response(response, parse=parse_sora_object)
        return self.submit(body)

    def submit(self, body: Mapping[str, Any]) -> TaskView:
        """Send a `/v1/videos` JSON body exactly as given (a video or a character; billed)."""
        response = self._http.request("POST", SORA_CREATE_PATH, kind=CallKind.SUBMIT, json_body=dict(body))
        return task_from_create_response(response, parse=parse_sora_object)

    def create_character(
        self,
        *,
        source_url: str | None = None,
        from_task: str | None = None,
        timestamps: str = "1,3",
        model: str = CHARACTER_MODEL,
        **extra: Any,
    ) -> TaskView:
        """Submit a character task from a clip URL or an earlier Sora task (billed)."""
        return self.submit(
            character_body(
                source_url=source_url, from_task=from_task, timestamps=timestamps, model=model, **extra
            )
        )

    def submit_character_clip(self, fields: Mapping[str, Any], clip: FileUpload) -> TaskView:
        """Send a character create as multipart: `fields` exactly as given, the clip as `video` (billed)."""
        response = self._http.request(
            "POST",
            SORA_CREATE_PATH,
            kind=CallKind.UPLOAD,
            data={key: str(value) for key, value in fields.items()},
            files=[("video", clip.as_multipart())],
        )
        return task_from_create_response(response, parse=parse_sora_object)

    def create_real_person_character(
        self,
        *,
        source_url: str,
        timestamps: str = "1,3",
        model: str = REAL_PERSON_CHARACTER_MODEL,
        **extra: Any,
    ) -> TaskView:
        """Submit a real-person (cameo) character task from a clip of the person (billed)."""
        return self.create_character(source_url=source_url, timestamps=timestamps, model=model, **extra)

    def get_video(self, video_id: str) -> TaskView:
        """Read a video task's state; no side effects."""
        response = self._http.request("GET", f"/v1/videos/{path_segment(video_id)}")
        return _parse_video_object(response)

    def remix(self, video_id: str, *, prompt: str, **extra: Any) -> TaskView:
        """Submit a remix of a finished video as a new task (billed by the gateway)."""
        body: dict[str, Any] = {"prompt": prompt, **extra}
        response = self._http.request(
            "POST",
            f"/v1/videos/{path_segment(video_id)}/remix",
            kind=CallKind.SUBMIT,
            json_body=body,
        )
        return task_from_create_response(response, parse=parse_sora_object)

    def get_remix(self, remix_id: str) -> TaskView:
        """Read a remix task's state (a remix is a video); no side effects."""
        return self.get_video(remix_id)

    def get_character(self, character_id: str) -> TaskView:
        """Read a character task's state; `character_username` is set once it is ready."""
        return self.get_video(character_id)

    def download(
        self, video_id: str, *, variant: str | None = None, max_bytes: int = MAX_VIDEO_BYTES
    ) -> VideoContent:
        """Download a finished video's bytes (or its URL, from relays that answer with JSON)."""
        params = {"variant": variant} if variant else None
        response = self._http.request(
            "GET",
            f"/v1/videos/{path_segment(video_id)}/content",
            kind=CallKind.DOWNLOAD,
            params=params,
            max_bytes=max_bytes,
        )
        if not response.is_json:
            return VideoContent(
                content=response.content,
                content_type=response.content_type or "application/octet-stream",
                video_url=None,
                request_id=response.request_id,
            )
        payload = response.json_object()
        record = as_mapping(payload.get("data")) or payload
        video_url = first_text(record, "video_url", "url", "result_url", "download_url") or None
        if video_url is None:
            status = normalise_status(first_text(record, "status"), unknown_is_queued=True)
            if status in (TaskStatus.QUEUED, TaskStatus.RUNNING):
                raise ContentNotReady(request_id=response.request_id, status_code=200)
            raise MalformedResponse(
                "The gateway's download answer has neither a video nor a URL.",
                status_code=response.status_code,
                request_id=response.request_id,
            )
        return VideoContent(
            content=None,
            content_type=response.content_type,
            video_url=video_url,
            request_id=response.request_id,
            raw=payload,
        )
