"""Chat completions, plain and streamed (server-sent events), and the legacy completions API."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from studio.upstream.errors import GenerationFailed, MalformedResponse, OutcomeUnknown
from studio.upstream.media import ProgressUpdate, parse_progress_line
from studio.upstream.payloads import as_int, as_mapping, as_text, parse_timestamp
from studio.upstream.transport import (
    REQUEST_ID_HEADER,
    CallKind,
    GatewayHttp,
    error_from_payload,
    translate_transport_errors,
)

logger = logging.getLogger("studio.upstream")

Message = Mapping[str, Any]


def user_message(text: str, images: Sequence[str] = ()) -> dict[str, Any]:
    """Build a user message; with images (URLs or data URLs) it becomes a content array."""
    if not images:
        return {"role": "user", "content": text}
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    parts.extend({"type": "image_url", "image_url": {"url": url}} for url in images)
    return {"role": "user", "content": parts}


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    raw: Mapping[str, Any]


def parse_usage(value: object) -> Usage | None:
    record = as_mapping(value)
    if not record:
        return None
    prompt = as_int(record.get("prompt_tokens", record.get("input_tokens"))) or 0
    completion = as_int(record.get("completion_tokens", record.get("output_tokens"))) or 0
    total = as_int(record.get("total_tokens")) or prompt + completion
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total, raw=record)


@dataclass(frozen=True)
class ChatCompletion:
    """A finished chat (or legacy text) completion; `raw` is the gateway's JSON."""

    id: str
    model: str
    text: str
    finish_reason: str | None
    usage: Usage | None
    created_at: datetime | None
    request_id: str | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class UsageReport:
    usage: Usage


@dataclass(frozen=True)
class StreamDone:
    completion: ChatCompletion


StreamEvent = TextDelta | ProgressUpdate | UsageReport | StreamDone


def _choice_text(choice: Mapping[str, Any]) -> str:
    """Text of a chat choice (`message.content` or `delta.content`) or a completion (`text`)."""
    for key in ("delta", "message"):
        content = as_mapping(choice.get(key)).get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "".join(as_text(as_mapping(part).get("text")) for part in content)
    text = choice.get("text")
    return text if isinstance(text, str) else ""


def parse_completion(payload: Mapping[str, Any], *, request_id: str | None) -> ChatCompletion:
    """Read a non-streamed chat or text completion."""
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices:
        raise MalformedResponse("The gateway's completion has no choices.", request_id=request_id)
    first = as_mapping(choices[0])
    return ChatCompletion(
        id=as_text(payload.get("id")),
        model=as_text(payload.get("model")),
        text=_choice_text(first),
        finish_reason=as_text(first.get("finish_reason")) or None,
        usage=parse_usage(payload.get("usage")),
        created_at=parse_timestamp(payload.get("created")),
        request_id=request_id,
        raw=payload,
    )


class ServerSentEvents:
    """Decode `data:` payloads from SSE lines, ignoring comments, other fields and keep-alives.

    A payload is dispatched at a blank line, or as soon as one `data:` line holds complete JSON,
    so gateways that omit the blank separator still work.
    """

    def __init__(self) -> None:
        self._buffer: list[str] = []

    def feed(self, line: str) -> list[str]:
        line = line.rstrip("\r\n")
        if not line:
            return self.flush()
        if line.startswith(":") or not line.startswith("data:"):
            return []
        data = line[5:].removeprefix(" ")
        if not self._buffer and _is_complete(data):
            return [data]
        self._buffer.append(data)
        return []

    def flush(self) -> list[str]:
        if not self._buffer:
            return []
        data = "\n".join(self._buffer)
        self._buffer = []
        return [data]


def _is_complete(data: str) -> bool:
    if data.strip() == "[DONE]":
        return True
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


class ChatStream:
    """Iterate over the events of a streamed completion; `text` holds the partial text so far.

    Use as a context manager (or iterate to the end) so the connection is released.
    """

    def __init__(
        self,
        opener: Callable[[], AbstractContextManager[httpx.Response]],
        *,
        method: str = "POST",
        reports_progress: bool = False,
    ) -> None:
        self._opener = opener
        self._method = method
        self._reports_progress = reports_progress
        self._parts: list[str] = []
        self._line_buffer = ""
        self._events: Iterator[StreamEvent] | None = None
        self.completion: ChatCompletion | None = None
        self.request_id: str | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._events is None:
            self._events = self._run()
        return self._events

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._events is not None and hasattr(self._events, "close"):
            self._events.close()

    def _run(self) -> Iterator[StreamEvent]:
        with self._opener() as response:
            self.request_id = response.headers.get(REQUEST_ID_HEADER)
            content_type = response.headers.get("content-type", "").lower()
            with translate_transport_errors(self._method, self.request_id):
                if "json" in content_type:
                    # Some upstreams ignore `stream: true` and answer with one JSON completion.
                    yield from self._from_whole_answer(response.read())
                    return
                yield from self._from_events(response.iter_lines())

    def _from_whole_answer(self, content: bytes) -> Iterator[StreamEvent]:
        try:
            payload = as_mapping(json.loads(content))
        except ValueError as error:
            raise MalformedResponse(request_id=self.request_id) from error
        self._raise_in_band_error(payload)
        completion = parse_completion(payload, request_id=self.request_id)
        yield from self._text_events(completion.text)
        yield from self._text_events("\n", emit_delta=False)
        if completion.usage:
            yield UsageReport(completion.usage)
        self.completion = completion
        yield StreamDone(completion)

    def _from_events(self, lines: Iterator[str]) -> Iterator[StreamEvent]:
        decoder = ServerSentEvents()
        header: dict[str, Any] = {}
        finish_reason: str | None = None
        usage: Usage | None = None
        is_done = False
        for line in lines:
            for data in decoder.feed(line):
                if data.strip() == "[DONE]":
                    is_done = True
                    break
                chunk = self._decode_chunk(data)
                if chunk is None:
                    continue
                self._raise_in_band_error(chunk)
                for key in ("id", "model", "created"):
                    if chunk.get(key) and key not in header:
                        header[key] = chunk[key]
                chunk_usage = parse_usage(chunk.get("usage"))
                choices = chunk.get("choices")
                if isinstance(choices, list) and choices:
                    choice = as_mapping(choices[0])
                    yield from self._text_events(_choice_text(choice))
                    finish_reason = as_text(choice.get("finish_reason")) or finish_reason
                if chunk_usage:
                    usage = chunk_usage
                    yield UsageReport(chunk_usage)
            if is_done:
                break
        yield from self._text_events("\n", emit_delta=False)
        if not is_done and finish_reason is None:
            raise OutcomeUnknown(
                "The gateway's stream ended before the answer was complete.",
                request_id=self.request_id,
                code="stream_incomplete",
            )
        completion = ChatCompletion(
            id=as_text(header.get("id")),
            model=as_text(header.get("model")),
            text=self.text,
            finish_reason=finish_reason,
            usage=usage,
            created_at=parse_timestamp(header.get("created")),
            request_id=self.request_id,
            raw={
                "id": header.get("id", ""),
                "object": "chat.completion",
                "created": header.get("created"),
                "model": header.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.text},
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": usage.raw if usage else None,
            },
        )
        self.completion = completion
        yield StreamDone(completion)

    def _decode_chunk(self, data: str) -> Mapping[str, Any] | None:
        try:
            chunk = json.loads(data)
        except ValueError:
            logger.debug("ignored a non-JSON stream line (request id %s)", self.request_id)
            return None
        return chunk if isinstance(chunk, Mapping) else None

    def _raise_in_band_error(self, payload: Mapping[str, Any]) -> None:
        error = error_from_payload(payload, status_code=200, request_id=self.request_id)
        if error is not None:
            raise GenerationFailed(
                error.message,
                gateway_message=error.gateway_message,
                request_id=self.request_id,
                code="stream_error",
            ) from error

    def _text_events(self, text: str, *, emit_delta: bool = True) -> Iterator[StreamEvent]:
        if not text:
            return
        if emit_delta:
            self._parts.append(text)
            yield TextDelta(text)
        if not self._reports_progress:
            return
        *complete_lines, self._line_buffer = (self._line_buffer + text).split("\n")
        for line in complete_lines:
            update = parse_progress_line(line)
            if update is not None:
                yield update


class ChatAPI:
    """`POST /v1/chat/completions`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        temperature: float | None = None,
        max_tokens: int | None = None,
        kind: CallKind = CallKind.CHAT,
        **extra: Any,
    ) -> ChatCompletion:
        """Ask for one completion (billed by the gateway); no other side effects."""
        body = _chat_body(model, messages, temperature, max_tokens, extra, stream=False)
        response = self._http.request("POST", "/v1/chat/completions", kind=kind, json_body=body)
        payload = response.json_object()
        error = error_from_payload(payload, status_code=200, request_id=response.request_id)
        if error is not None:
            raise error
        return parse_completion(payload, request_id=response.request_id)

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        temperature: float | None = None,
        max_tokens: int | None = None,
        include_usage: bool = True,
        reports_progress: bool = False,
        **extra: Any,
    ) -> ChatStream:
        """Stream one completion (billed by the gateway); the request is sent on first iteration."""
        body = _chat_body(model, messages, temperature, max_tokens, extra, stream=True)
        if include_usage:
            body.setdefault("stream_options", {"include_usage": True})
        return ChatStream(
            lambda: self._http.stream("POST", "/v1/chat/completions", kind=CallKind.LONG, json_body=body),
            reports_progress=reports_progress,
        )


def _chat_body(
    model: str,
    messages: Sequence[Message],
    temperature: float | None,
    max_tokens: int | None,
    extra: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [dict(m) for m in messages]}
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    body.update(extra)
    body["stream"] = stream
    return body


class CompletionsAPI:
    """`POST /v1/completions` (legacy text completions)."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def create(
        self,
        *,
        model: str,
        prompt: str,
        max_tokens: int | None = None,
        temperature: float | None = None,
        **extra: Any,
    ) -> ChatCompletion:
        """Ask for one text completion (billed by the gateway); no other side effects."""
        body = _completion_body(model, prompt, max_tokens, temperature, extra, stream=False)
        response = self._http.request("POST", "/v1/completions", kind=CallKind.CHAT, json_body=body)
        return parse_completion(response.json_object(), request_id=response.request_id)

    def stream(
        self,
        *,
        model: str,
        prompt: str,
        max_tokens: int | None = None,
        temperature: float | None = None,
        **extra: Any,
    ) -> ChatStream:
        """Stream one text completion (billed by the gateway); sent on first iteration."""
        body = _completion_body(model, prompt, max_tokens, temperature, extra, stream=True)
        return ChatStream(
            lambda: self._http.stream("POST", "/v1/completions", kind=CallKind.LONG, json_body=body)
        )


def _completion_body(
    model: str,
    prompt: str,
    max_tokens: int | None,
    temperature: float | None,
    extra: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if temperature is not None:
        body["temperature"] = temperature
    body.update(extra)
    body["stream"] = stream
    return body
