"""Kinds the gateway answers within one request: chat-format media, the Images API, audio, text, embeddings.

These kinds are never polled: the submit task makes the whole call. It claims the generation as
`submit.py` does (queued → submitting, with a lease), writes `sent_at` and the redacted request before
anything leaves, and moves to running once the gateway starts answering. A streamed answer is saved as it
arrives — partial text and progress, at most every half second — with a compare-and-set on the status and
the claim, so a cancel wins, each save renews the lease, and the page's single poller (which compares
`updated_at`) shows the card growing. At the end every result is stored as an Asset, checked like any
download, with the usage the gateway reported, and the generation succeeds.

A worker killed mid-answer stops renewing its lease; the poller's sweep then fails the generation with a
clear reason (see `recovery.recover_stale_submits`), so no card stays "running".
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.gateway import client_for
from studio.generations import gateway
from studio.generations.engine.storage import store_result_bytes, store_result_url
from studio.generations.engine.submit import adopt_claim, claim_submit, load_inputs, settle_submit_error
from studio.generations.kinds import KINDS
from studio.generations.kinds._payload import asset_data_url, redact
from studio.generations.models import Asset, Generation, GenerationEvent, Status
from studio.lib.downloads import DownloadError
from studio.lib.media import MediaError, MediaKind
from studio.upstream import (
    ChatCompletion,
    ChatStream,
    FileUpload,
    GatewayClient,
    GenerationFailed,
    MediaDone,
    MediaFile,
    MediaStream,
    ProgressUpdate,
    TextDelta,
    UpstreamError,
    Usage,
    UsageReport,
    user_message,
)
from studio.upstream.chat_media import ChatMediaResult
from studio.upstream.images import ImageResult

logger = logging.getLogger(__name__)

# Partial answers are written at most this often (seconds): enough for a live card, not a write per token.
STREAM_SAVE_EVERY = 0.5
# A call that answers only when it is done holds its claim this long (seconds): the client's read time-out
# for that kind of call, plus a margin.
CALL_LEASES = {"image": 240.0, "upload": 360.0, "chat": 180.0, "long": 660.0}
# Lines of a streamed answer may carry megabytes of base64 image; the card and the record keep the header.
_DATA_URL_BODY = re.compile(r"(data:[\w/.+-]+;base64,)[A-Za-z0-9+/=]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SUBTITLE_TIMING = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?[,.]\d{3} --> ")
_PREVIEW_VECTORS = 3
_PREVIEW_VALUES = 4


class Abandoned(Exception):
    """The generation is no longer this run's: canceled, or failed by the sweep after its lease lapsed."""


class Refused(Exception):
    """Something the run cannot do before calling the gateway; the message is shown on the card."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Answer:
    """What a finished call leaves on the generation besides its assets."""

    text: str = ""
    usage: Mapping[str, Any] | None = None
    result_urls: list[str] = field(default_factory=list)
    request_id: str | None = None
    # A short record of the response (never megabytes of base64) for the event log.
    record: Mapping[str, Any] | None = None
    # Whether `text` joins the gallery search (an answer does; numbers of an embeddings preview do not).
    is_searchable: bool = True


def readable(text: str) -> str:
    """The answer as it is kept and shown: data URLs shortened to their header."""
    return _DATA_URL_BODY.sub(r"\1…", text)


def subtitle_text(subtitles: str) -> str:
    """The spoken words of SubRip or WebVTT subtitles, one cue a line."""
    lines = []
    for line in subtitles.splitlines():
        stripped = line.strip()
        if not stripped or stripped.isdigit() or stripped.startswith("WEBVTT"):
            continue
        if _SUBTITLE_TIMING.match(stripped):
            continue
        lines.append(stripped)
    return "\n".join(lines)


def _usage(value: Usage | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    raw = value.raw if isinstance(value, Usage) else value
    return dict(raw) if raw else None


class Run:
    """One claimed run of a sync generation: its record, its live saves and its stored results."""

    def __init__(self, generation: Generation, token: Any, client: GatewayClient) -> None:
        self.generation = generation
        self.token = token
        self.client = client
        self.inputs = load_inputs(generation)
        self.progress = 0
        self.text = ""
        self._recorded: list[dict[str, Any]] = []
        self._saved_at = 0.0
        self._next_position = 0

    @property
    def params(self) -> Mapping[str, Any]:
        params: Mapping[str, Any] = self.generation.params
        return params

    def _ours(self) -> Any:
        return Generation.objects.filter(pk=self.generation.pk, claim_token=self.token)

    def record(self, request: dict[str, Any]) -> None:
        """Writes `sent_at` and the redacted request before the call: from here on it may have been sent."""
        self._recorded.append(request)
        payload = self._recorded if len(self._recorded) > 1 else request
        self._ours().update(sent_at=timezone.now(), request_payload=payload)
        self.generation.log(GenerationEvent.Kind.REQUEST, payload=request)

    def hold(self, seconds: float) -> None:
        """Keeps the claim for a call or download that gives no sign of life until it is done."""
        lease = max(seconds, settings.GENERATION_SUBMIT_LEASE)
        self._ours().update(claim_expires_at=timezone.now() + timedelta(seconds=lease))

    def answering(self, request_id: str | None = None) -> None:
        """The gateway has started to answer: the generation is running."""
        if self.generation.status == Status.RUNNING:
            return
        now = timezone.now()
        changed = self.generation.mark_running(
            submitted_at=now,
            last_progress_at=now,
            upstream_request_id=request_id or "",
            claim_expires_at=now + timedelta(seconds=settings.GENERATION_SUBMIT_LEASE),
        )
        if not changed:
            raise Abandoned

    def save(self, *, text: str | None = None, percent: int | None = None, force: bool = False) -> None:
        """Saves the partial answer and progress (throttled), renewing the lease; a cancel stops the run."""
        if text is not None:
            self.text = text
        if percent is not None:
            self.progress = max(self.progress, min(99, percent))
        moment = time.monotonic()
        if not force and moment - self._saved_at < STREAM_SAVE_EVERY:
            return
        self._saved_at = moment
        now = timezone.now()
        updated = (
            self._ours()
            .filter(status=Status.RUNNING)
            .update(
                result_text=readable(self.text),
                progress=self.progress,
                last_progress_at=now,
                updated_at=now,
                claim_expires_at=now + timedelta(seconds=settings.GENERATION_SUBMIT_LEASE),
            )
        )
        if not updated:
            raise Abandoned

    def store_bytes(self, content: bytes, *, expected: MediaKind, content_type: str = "") -> Asset | None:
        """Stores bytes of the answer as the next result asset (probed, with its preview)."""
        position = self._take_position()
        return store_result_bytes(
            self.generation, content, position=position, expected=expected, content_type=content_type
        )

    def store_text(self, text: str, *, expected: MediaKind = MediaKind.TEXT) -> Asset | None:
        cleaned = _CONTROL_CHARACTERS.sub("", text)
        if not cleaned.strip():
            return None
        return self.store_bytes(cleaned.encode(), expected=expected, content_type="text/plain")

    def store_link(self, urls: Iterable[str], *, expected: MediaKind) -> str:
        """Downloads one result from the first of its addresses that works; returns that address."""
        if expected == MediaKind.VIDEO:
            max_bytes, deadline = settings.DOWNLOAD_MAX_VIDEO_BYTES, settings.DOWNLOAD_VIDEO_DEADLINE
        else:
            max_bytes, deadline = settings.DOWNLOAD_MAX_IMAGE_BYTES, settings.DOWNLOAD_IMAGE_DEADLINE
        position = self._take_position()
        failure: DownloadError | None = None
        for url in dict.fromkeys(urls):
            self.hold(deadline + 60)
            try:
                store_result_url(
                    self.generation,
                    url,
                    position=position,
                    max_bytes=max_bytes,
                    deadline=deadline,
                    expected=expected,
                )
            except DownloadError as exc:
                # Display and download links are the same file; the next one may still work.
                failure = exc
                continue
            return url
        assert failure is not None
        raise failure

    def _take_position(self) -> int:
        position = self._next_position
        self._next_position += 1
        return position

    def finish(self, answer: Answer) -> Status:
        """Moves to succeeded with the answer's text, usage and links (compare-and-set: a cancel wins)."""
        gateway.record_response(self.generation, answer.record, request_id=answer.request_id)
        now = timezone.now()
        fields: dict[str, Any] = {
            "progress": 100,
            "usage": dict(answer.usage or {}),
            "result_urls": answer.result_urls,
            "succeeded_at": now,
            "last_progress_at": now,
            "claim_token": None,
            "claim_expires_at": None,
            "error_code": "",
            "error_message": "",
        }
        if answer.is_searchable:
            fields["result_text"] = answer.text
        else:
            self._ours().update(result_text=answer.text)
        if answer.request_id:
            fields["upstream_request_id"] = answer.request_id
        self.generation.mark_succeeded(**fields)
        return Status(self.generation.status)

    def flush(self) -> None:
        """Saves the last partial text, so a failed card still shows what the model said."""
        if self.generation.status == Status.RUNNING and self.text:
            with contextlib.suppress(Abandoned):
                self.save(force=True)


def run_generation(generation_id: int, slot_token: str | None = None) -> Status | None:
    """Claims a queued sync generation, makes its gateway call and stores its results; returns the status.

    With `slot_token`, it waited after a capacity answer and `capacity.take_slots` claimed it to try again.

    Side effects: one gateway call at most, live saves of a streamed answer, files in storage and Asset
    rows, the generation's status, usage and event log.
    """
    generation = Generation.objects.select_related("team", "project").filter(pk=generation_id).first()
    if generation is None or not KINDS[generation.kind].is_sync:
        return None
    token = adopt_claim(generation, slot_token) if slot_token else claim_submit(generation)
    if token is None:
        return None  # Someone else runs it, or it was canceled meanwhile.
    run = Run(generation, token, client_for(generation.team))
    try:
        answer = RUNNERS[generation.spec.runner](run)
    except Abandoned:
        generation.refresh_from_db(fields=["status"])
        return Status(generation.status)
    except GenerationFailed as exc:
        run.flush()
        # With the model's words beside it, a short heading will do; without them, say what went wrong.
        message = _("The model could not make this.") if exc.gateway_message else exc.message
        return settle_submit_error(generation, exc, message=message)
    except UpstreamError as exc:
        run.flush()
        return settle_submit_error(generation, exc)
    except DownloadError as exc:
        return _fail(run, exc.code, _("The result could not be downloaded: %(reason)s") % {"reason": exc})
    except MediaError as exc:
        return _fail(run, "bad_result", _("The result file could not be read: %(reason)s") % {"reason": exc})
    except Refused as exc:
        return _fail(run, exc.code, exc.message)
    return run.finish(answer)


def _fail(run: Run, code: str, message: str) -> Status:
    generation = run.generation
    generation.log(GenerationEvent.Kind.ERROR, message=message, payload={"code": code})
    generation.mark_failed(
        code, message, allowed_from=generation.sending_statuses, claim_token=None, claim_expires_at=None
    )
    return Status(generation.status)


# Chat-format media: gpt-4o-image, Gemini image models, Veo3 and Sora2 chat, sora_remover.


def _images(run: Run, role: str) -> list[str]:
    return [asset_data_url(asset) for asset in run.inputs.get(role, ())]


def _chat_request(model: str, messages: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    body = {"model": model, "messages": messages, **{k: v for k, v in options.items() if v is not None}}
    return {"method": "POST", "path": "/v1/chat/completions", "body": redact(body)}


def run_chat_image(run: Run) -> Answer:
    generation = run.generation
    images = _images(run, "image")
    run.record(_chat_request(generation.model, [user_message(generation.prompt, images)], stream=True))
    stream = run.client.chat_media.stream(model=generation.model, prompt=generation.prompt, images=images)
    return _stream_media(run, stream, expected=MediaKind.IMAGE)


def run_chat_video(run: Run) -> Answer:
    generation = run.generation
    images = _images(run, "first_frame")
    is_streamed = bool(run.params.get("stream", True))
    message = user_message(generation.prompt, images)
    run.record(_chat_request(generation.model, [message], stream=is_streamed))
    if is_streamed:
        stream = run.client.chat_media.stream(model=generation.model, prompt=generation.prompt, images=images)
        return _stream_media(run, stream, expected=MediaKind.VIDEO)
    run.hold(CALL_LEASES["long"])
    result = run.client.chat_media.generate(model=generation.model, prompt=generation.prompt, images=images)
    run.answering(result.request_id)
    run.save(text=result.text, percent=100, force=True)
    return _media_answer(run, result, expected=MediaKind.VIDEO, usage=result.completion.usage)


def run_watermark_removal(run: Run) -> Answer:
    generation = run.generation
    sources = run.inputs.get("source", ())
    link = run.params.get("video_url") or (sources[0].source_url if sources else "")
    if not link:
        raise Refused(
            _("This video has no link the gateway can fetch. Paste its Sora share link instead."),
            code="no_video_link",
        )
    run.record(_chat_request(generation.model, [user_message(link)], stream=True))
    stream = run.client.chat_media.stream(model=generation.model, prompt=link)
    return _stream_media(run, stream, expected=MediaKind.VIDEO)


# Progress lines without a percentage ("> 排队中.", "> 🎬 开始生成视频" and Veo3's trailing dots) still
# show the job moving: each advances the bar a little, never past ESTIMATE_CAP, so a reported percentage
# (always taken, as it only moves forward) stays the truth.
LINE_STEP = 5
DOT_STEP = 3
ESTIMATE_CAP = 90


def _estimated_percent(current: int, event: TextDelta | ProgressUpdate) -> int | None:
    """Where a progress event puts the bar: its own percentage, or a small step for a line or a dot."""
    if isinstance(event, ProgressUpdate):
        if event.percent is not None:
            return event.percent
        return max(current, min(ESTIMATE_CAP, current + LINE_STEP))
    dots = event.text.strip()
    if dots and set(dots) == {"."}:
        return max(current, min(ESTIMATE_CAP, current + DOT_STEP * len(dots)))
    return None


def _follow(run: Run, stream: ChatStream | MediaStream) -> tuple[object, Usage | None]:
    """Saves a streamed answer as it arrives; returns its last event (the result) and the usage reported."""
    last: object = None
    usage: Usage | None = None
    with stream:
        for event in stream:
            run.answering(stream.request_id)
            if isinstance(event, TextDelta | ProgressUpdate):
                run.save(text=stream.text, percent=_estimated_percent(run.progress, event))
            elif isinstance(event, UsageReport):
                usage = event.usage
            else:
                last = event
    run.save(text=stream.text, force=True)
    return last, usage


def _stream_media(run: Run, stream: MediaStream, *, expected: MediaKind) -> Answer:
    done, usage = _follow(run, stream)
    if not isinstance(done, MediaDone):
        raise GenerationFailed(_("The model's answer ended without a result."), code="no_media_in_answer")
    result = done.result
    return _media_answer(run, result, expected=expected, usage=usage or result.completion.usage)


def _media_answer(run: Run, result: ChatMediaResult, *, expected: MediaKind, usage: Usage | None) -> Answer:
    """Stores every file of the wanted kind in a chat-format answer: data URLs decoded, links downloaded."""
    wanted = [file for file in result.files if file.kind in (expected.value, "unknown")]
    if not wanted:
        raise GenerationFailed(
            _("The model's answer contains no %(kind)s.") % {"kind": expected.value},
            gateway_message=readable(result.text)[-500:],
            request_id=result.request_id,
            code="no_media_in_answer",
        )
    links: list[str] = []
    failure: Exception | None = None
    stored = 0
    for file in wanted:
        try:
            links.extend(_store_media_file(run, file, expected=expected))
            stored += 1
        except (DownloadError, MediaError) as exc:
            # A link of unknown kind may be a page rather than the file; another one may be the result.
            if file.kind != "unknown":
                raise
            failure = exc
    if not stored and failure is not None:
        raise failure
    return Answer(
        text=readable(result.text),
        usage=_usage(usage),
        result_urls=links,
        request_id=result.request_id,
        record={
            **_completion_record(result.completion, usage),
            "gateway_task_id": result.gateway_task_id,
            "files": [readable(file.download_url) for file in result.files],
        },
    )


def _store_media_file(run: Run, file: MediaFile, *, expected: MediaKind) -> list[str]:
    if file.display_url.startswith("data:"):
        run.store_bytes(_decode_data_url(file.display_url), expected=expected)
        return []
    return [run.store_link([file.download_url, file.display_url], expected=expected)]


def _decode_data_url(url: str) -> bytes:
    payload = url.partition(",")[2]
    if len(payload) * 3 // 4 > settings.DOWNLOAD_MAX_IMAGE_BYTES:
        raise DownloadError(_("The image in the answer is too large."), code="too_large")
    try:
        return base64.b64decode(payload)
    except (binascii.Error, ValueError) as exc:
        raise MediaError(_("The image in the answer is not valid base64."), code="corrupt") from exc


# The Images API: generations and edits.

_IMAGE_OPTIONS = ("size", "quality", "style", "background", "aspect_ratio")


def _image_options(run: Run) -> dict[str, Any]:
    return {name: run.params[name] for name in _IMAGE_OPTIONS if run.params.get(name)}


def run_images_generate(run: Run) -> Answer:
    generation = run.generation
    options = _image_options(run)
    count = run.params.get("n")
    body = {"model": generation.model, "prompt": generation.prompt, "n": count, **options}
    run.record({"method": "POST", "path": "/v1/images/generations", "body": body})
    run.hold(CALL_LEASES["image"])
    size, quality = options.pop("size", None), options.pop("quality", None)
    result = run.client.images.generate(
        model=generation.model, prompt=generation.prompt, n=count, size=size, quality=quality, **options
    )
    return _images_answer(run, result)


def _describe(asset: Asset) -> str:
    return f"<{asset.mime_type}, {asset.size} bytes, sha256 {asset.sha256[:16]}…>"


def _file_upload(asset: Asset, name: str) -> FileUpload:
    with asset.file.open("rb") as handle:
        content = handle.read()
    name_in_storage = asset.file.name or ""
    extension = name_in_storage.rsplit(".", 1)[-1] if "." in name_in_storage else "bin"
    return FileUpload(f"{name}.{extension}", content, asset.mime_type)


def run_images_edit(run: Run) -> Answer:
    generation = run.generation
    images = run.inputs.get("image", [])
    masks = run.inputs.get("mask", [])
    options = _image_options(run)
    count = run.params.get("n")
    body = {
        "model": generation.model,
        "prompt": generation.prompt,
        "n": count,
        "image": [_describe(asset) for asset in images],
        "mask": _describe(masks[0]) if masks else None,
        **options,
    }
    run.record({"method": "POST", "path": "/v1/images/edits", "body": body})
    run.hold(CALL_LEASES["upload"])
    size, quality = options.pop("size", None), options.pop("quality", None)
    result = run.client.images.edit(
        model=generation.model,
        prompt=generation.prompt,
        images=[_file_upload(asset, f"image-{index}") for index, asset in enumerate(images, 1)],
        mask=_file_upload(masks[0], "mask") if masks else None,
        n=count,
        size=size,
        quality=quality,
        **{name: str(value) for name, value in options.items()},
    )
    return _images_answer(run, result)


def _images_answer(run: Run, result: ImageResult) -> Answer:
    run.answering(result.request_id)
    links = []
    for image in result.images:
        # The parsed answer has a URL or base64 (or both) for every image; base64 needs no download.
        if image.b64_json is not None or image.url is None:
            run.store_bytes(image.decode(), expected=MediaKind.IMAGE)
        else:
            links.append(run.store_link([image.url], expected=MediaKind.IMAGE))
    revised = dict.fromkeys(image.revised_prompt for image in result.images if image.revised_prompt)
    return Answer(
        text="\n\n".join(revised),
        usage=_usage(result.usage),
        result_urls=links,
        request_id=result.request_id,
        record={
            "created": result.raw.get("created"),
            "images": len(result.images),
            "usage": _usage(result.usage),
            "revised_prompts": list(revised),
        },
    )


# Audio: speech, transcription, translation.


def run_speech(run: Run) -> Answer:
    generation = run.generation
    body = {
        "model": generation.model,
        "input": generation.prompt,
        "voice": run.params.get("voice", "alloy"),
        "response_format": run.params.get("response_format", "mp3"),
        "speed": run.params.get("speed"),
    }
    run.record({"method": "POST", "path": "/v1/audio/speech", "body": body})
    run.hold(CALL_LEASES["chat"])
    audio = run.client.audio.speech(
        input=generation.prompt,
        model=generation.model,
        voice=body["voice"],
        response_format=body["response_format"],
        speed=body["speed"],
    )
    run.answering(audio.request_id)
    run.store_bytes(audio.content, expected=MediaKind.AUDIO, content_type=audio.content_type)
    return Answer(
        request_id=audio.request_id,
        record={"content_type": audio.content_type, "bytes": len(audio.content)},
        is_searchable=False,
    )


def run_transcription(run: Run) -> Answer:
    return _listen(run, is_translation=False)


def run_translation(run: Run) -> Answer:
    return _listen(run, is_translation=True)


def _listen(run: Run, *, is_translation: bool) -> Answer:
    """Speech to text in the spoken language, or translated into English (which takes no language)."""
    generation = run.generation
    source = run.inputs["source"][0]
    response_format = run.params.get("response_format", "json")
    language = run.params.get("language") or None
    path = "/v1/audio/translations" if is_translation else "/v1/audio/transcriptions"
    body = {
        "model": generation.model,
        "file": _describe(source),
        "response_format": response_format,
        "language": None if is_translation else language,
        "prompt": generation.prompt or None,
    }
    run.record({"method": "POST", "path": path, "body": body})
    run.hold(CALL_LEASES["upload"])
    upload = _file_upload(source, "audio")
    if is_translation:
        transcript = run.client.audio.translate(
            file=upload, model=generation.model, prompt=body["prompt"], response_format=response_format
        )
    else:
        transcript = run.client.audio.transcribe(
            file=upload,
            model=generation.model,
            language=language,
            prompt=body["prompt"],
            response_format=response_format,
        )
    run.answering(transcript.request_id)
    is_subtitles = response_format in {"srt", "vtt"}
    text = subtitle_text(transcript.text) if is_subtitles else transcript.text.strip()
    run.store_text(text)
    if is_subtitles:
        run.store_text(transcript.text)
    raw = transcript.raw or {}
    usage = raw.get("usage")
    return Answer(
        text=text,
        usage=usage if isinstance(usage, Mapping) else None,
        request_id=transcript.request_id,
        record={"response_format": response_format, "language": transcript.language, "usage": usage},
    )


# Text: chat and legacy completions, both streamed; embeddings.


def run_chat(run: Run) -> Answer:
    generation = run.generation
    messages: list[dict[str, Any]] = []
    if run.params.get("system"):
        messages.append({"role": "system", "content": run.params["system"]})
    messages.append(user_message(generation.prompt, _images(run, "image")))
    temperature, max_tokens = run.params.get("temperature"), run.params.get("max_tokens")
    run.record(
        _chat_request(generation.model, messages, temperature=temperature, max_tokens=max_tokens, stream=True)
    )
    stream = run.client.chat.stream(
        model=generation.model, messages=messages, temperature=temperature, max_tokens=max_tokens
    )
    return _stream_text(run, stream)


def run_completion(run: Run) -> Answer:
    generation = run.generation
    temperature, max_tokens = run.params.get("temperature"), run.params.get("max_tokens")
    body = {
        "model": generation.model,
        "prompt": generation.prompt,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "stream": True,
    }
    run.record({"method": "POST", "path": "/v1/completions", "body": body})
    stream = run.client.completions.stream(
        model=generation.model, prompt=generation.prompt, max_tokens=max_tokens, temperature=temperature
    )
    return _stream_text(run, stream)


def _stream_text(run: Run, stream: ChatStream) -> Answer:
    _done, usage = _follow(run, stream)
    completion = stream.completion
    if completion is None or not completion.text.strip():
        raise GenerationFailed(_("The model gave an empty answer."), code="empty_answer")
    usage = usage or completion.usage
    run.store_text(completion.text)
    return Answer(
        text=completion.text,
        usage=_usage(usage),
        request_id=completion.request_id,
        record=_completion_record(completion, usage),
    )


def _completion_record(completion: ChatCompletion, usage: Usage | None) -> dict[str, Any]:
    """What the event log keeps of a (streamed) completion: never its text, which the generation holds."""
    return {
        "id": completion.id,
        "model": completion.model,
        "finish_reason": completion.finish_reason,
        "usage": _usage(usage),
    }


def run_embeddings(run: Run) -> Answer:
    generation = run.generation
    texts = [line for line in generation.prompt.splitlines() if line.strip()]
    dimensions = run.params.get("dimensions")
    body = {"model": generation.model, "input": texts, "dimensions": dimensions}
    run.record({"method": "POST", "path": "/v1/embeddings", "body": body})
    run.hold(CALL_LEASES["chat"])
    result = run.client.embeddings.create(input=texts, model=generation.model, dimensions=dimensions)
    run.answering(result.request_id)
    size = len(result.vectors[0])
    document = {
        "model": result.model,
        "dimensions": size,
        "data": [
            {"index": index, "input": text, "embedding": list(vector)}
            for index, (text, vector) in enumerate(zip(texts, result.vectors, strict=False))
        ],
    }
    run.store_bytes(json.dumps(document).encode(), expected=MediaKind.JSON, content_type="application/json")
    summary = {
        "count": len(result.vectors),
        "dimensions": size,
        "preview": [
            [round(value, 4) for value in vector[:_PREVIEW_VALUES]]
            for vector in result.vectors[:_PREVIEW_VECTORS]
        ],
    }
    return Answer(
        text=json.dumps(summary),
        usage=_usage(result.usage),
        request_id=result.request_id,
        record={"model": result.model, "count": len(result.vectors), "dimensions": size},
        is_searchable=False,
    )


# A sync kind's spec names its runner (`KindSpec.runner`); a test checks every sync kind has one here.
RUNNERS: dict[str, Callable[[Run], Answer]] = {
    "chat_image": run_chat_image,
    "images_generate": run_images_generate,
    "images_edit": run_images_edit,
    "chat_video": run_chat_video,
    "watermark_removal": run_watermark_removal,
    "speech": run_speech,
    "transcription": run_transcription,
    "translation": run_translation,
    "chat": run_chat,
    "completion": run_completion,
    "embeddings": run_embeddings,
}
