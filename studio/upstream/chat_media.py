"""Image and video models that answer through `/v1/chat/completions` with Markdown media links.

Covers gpt-4o-image, gemini-2.5-flash-image and gemini-3-pro-image-preview (text-to-image and
image-to-image), sora_remover, Veo3 and Sora2 chat-format sync calls. A non-streamed call blocks
until the media is ready (minutes for video), so these calls use the long read timeout.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from studio.upstream.chat import (
    ChatAPI,
    ChatCompletion,
    ChatStream,
    StreamDone,
    StreamEvent,
    user_message,
)
from studio.upstream.errors import GenerationFailed
from studio.upstream.media import (
    MediaFile,
    MediaLink,
    extract_media,
    find_failure_reason,
    find_gateway_task_id,
    group_media,
)
from studio.upstream.transport import CallKind

_MAX_TEXT_IN_ERROR = 500


@dataclass(frozen=True)
class ChatMediaResult:
    """Media read from a chat-format model's final answer."""

    completion: ChatCompletion
    links: tuple[MediaLink, ...]
    files: tuple[MediaFile, ...]
    gateway_task_id: str | None

    @property
    def text(self) -> str:
        return self.completion.text

    @property
    def request_id(self) -> str | None:
        return self.completion.request_id

    @property
    def display_url(self) -> str:
        return self.files[0].display_url

    @property
    def download_url(self) -> str:
        return self.files[0].download_url


@dataclass(frozen=True)
class MediaDone:
    """The last event of a media stream."""

    result: ChatMediaResult


MediaStreamEvent = StreamEvent | MediaDone


def read_media_answer(completion: ChatCompletion) -> ChatMediaResult:
    """Extract media from a final answer; an in-band failure or an answer without media raises."""
    links = extract_media(completion.text)
    files = group_media(links)
    if not files:
        reason = find_failure_reason(completion.text)
        raise GenerationFailed(
            f"The model reported a failure: {reason}"
            if reason
            else "The model's answer contains no image or video.",
            gateway_message=reason or completion.text[-_MAX_TEXT_IN_ERROR:],
            request_id=completion.request_id,
            code="generation_failed" if reason else "no_media_in_answer",
        )
    return ChatMediaResult(
        completion=completion,
        links=links,
        files=files,
        gateway_task_id=find_gateway_task_id(completion.text),
    )


class MediaStream:
    """A chat stream with progress lines, ending in `MediaDone` (or `GenerationFailed`)."""

    def __init__(self, stream: ChatStream) -> None:
        self._stream = stream
        self.result: ChatMediaResult | None = None

    @property
    def text(self) -> str:
        return self._stream.text

    @property
    def request_id(self) -> str | None:
        return self._stream.request_id

    def __iter__(self) -> Iterator[MediaStreamEvent]:
        for event in self._stream:
            if isinstance(event, StreamDone):
                self.result = read_media_answer(event.completion)
                yield MediaDone(self.result)
            else:
                yield event

    def __enter__(self) -> MediaStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stream.close()


class ChatMediaAPI:
    """Chat-format media models (`POST /v1/chat/completions`)."""

    def __init__(self, chat: ChatAPI) -> None:
        self._chat = chat

    def generate(
        self, *, model: str, prompt: str, images: Sequence[str] = (), **extra: Any
    ) -> ChatMediaResult:
        """Generate media and wait for it (billed by the gateway; blocks up to the long timeout)."""
        completion = self._chat.create(
            model=model, messages=[user_message(prompt, images)], kind=CallKind.LONG, **extra
        )
        return read_media_answer(completion)

    def stream(self, *, model: str, prompt: str, images: Sequence[str] = (), **extra: Any) -> MediaStream:
        """Generate media as a stream of progress (billed by the gateway); sent on iteration."""
        chat_stream = self._chat.stream(
            model=model, messages=[user_message(prompt, images)], reports_progress=True, **extra
        )
        return MediaStream(chat_stream)

    def remove_watermark(self, *, video_url: str, model: str = "sora_remover") -> ChatMediaResult:
        """Ask for a watermark-free copy of a Sora video (billed by the gateway)."""
        return self.generate(model=model, prompt=video_url)
