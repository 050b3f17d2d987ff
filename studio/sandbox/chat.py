"""Chat completions: plain replies and the chat-format media models, as scripts of timed text beats.

A script is a list of beats (wait this long in simulated time, then say this). A non-streaming answer waits
out the whole script and returns its text; a streaming one sends each beat as an SSE chunk when its time
comes, with `: keep-alive` comment lines while it waits, a final usage chunk and `[DONE]`. Media models
(gpt-4o-image, gemini image models, sora_remover, Veo3, Sora2) render their media first, then speak the
reseller templates of contract §3 ending in Markdown links to the fake CDN, or an in-band failure line.
"""

from __future__ import annotations

import base64
import enum
import json
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from PIL import Image

from studio.sandbox import config, files, lifecycle, media, texts
from studio.sandbox.faults import Faults
from studio.sandbox.files import Expiry
from studio.sandbox.models import SandboxFile

# How long (simulated seconds) a stuck media chat hangs before it gives up in-band.
STUCK_SECONDS = 600.0
# Waits at least this long (simulated seconds) are bridged with a keep-alive comment first.
KEEP_ALIVE_AFTER = 1.0
GEMINI_FAILURE = "抱歉，图片生成失败：模型未返回图片 (finish_reason: IMAGE_SAFETY)"
_URL = re.compile(r"https?://[^\s)\]>\"']+")


class MediaChat(enum.Enum):
    """The reseller templates chat-format media models answer with."""

    GPT_IMAGE = "gpt-image"
    GEMINI_IMAGE = "gemini-image"
    VEO = "veo"
    SORA = "sora"
    REMOVER = "remover"


@dataclass(frozen=True)
class Beat:
    """Wait `wait` simulated seconds, then send `text`."""

    wait: float
    text: str


@dataclass(frozen=True)
class Script:
    """The beats of one answer."""

    beats: tuple[Beat, ...]

    @property
    def text(self) -> str:
        return "".join(beat.text for beat in self.beats)

    @property
    def duration(self) -> float:
        return sum(beat.wait for beat in self.beats)


@dataclass(frozen=True)
class ChatRequest:
    """The parts of a chat request a script needs."""

    model: str
    prompt: str
    image_urls: tuple[str, ...]
    faults: Faults


def media_kind(model: str) -> MediaChat | None:
    """Which media template a chat model answers with; None for plain text models."""
    if model.startswith("gpt-4o-image"):
        return MediaChat.GPT_IMAGE
    if model.startswith("gemini") and "image" in model:
        return MediaChat.GEMINI_IMAGE
    if model in {"sora_remover", "sora-remover"}:
        return MediaChat.REMOVER
    if model.startswith("veo"):
        return MediaChat.VEO
    if model.startswith("sora"):
        return MediaChat.SORA
    return None


def plain_script(text: str) -> Script:
    """A plain reply, streamed a word at a time."""
    words = text.split(" ")
    return Script(tuple(Beat(0.05, word if index == 0 else f" {word}") for index, word in enumerate(words)))


def last_user_message(messages: Sequence[dict[str, Any]]) -> tuple[str, tuple[str, ...]]:
    """The text and image URLs of the last user message."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return texts.message_text(content), tuple(texts.message_images(content))
    return "", ()


def _expiry(chat: ChatRequest, duration: float) -> Expiry | None:
    if chat.faults.expire_after is None:
        return None
    delay = lifecycle.scaled(duration + chat.faults.expire_after)
    return Expiry(timezone.now() + timedelta(seconds=delay), chat.faults.expire_status)


def _sources(chat: ChatRequest) -> list[Image.Image]:
    return [files.resolve_image(url) for url in chat.image_urls]


def _failure_tail(chat: ChatRequest, line: str) -> tuple[Beat, ...]:
    if chat.faults.is_stuck:
        return (Beat(STUCK_SECONDS, "\n> ❌ 生成失败\n> 失败原因: 任务超时，请重试\n"),)
    return (Beat(4, line),)


def media_script(request: HttpRequest, chat: ChatRequest, kind: MediaChat) -> Script:
    """Render the media of a media chat and the script that reveals it (or fails in-band)."""
    builders = {
        MediaChat.GPT_IMAGE: _gpt_image_script,
        MediaChat.GEMINI_IMAGE: _gemini_image_script,
        MediaChat.VEO: _veo_script,
        MediaChat.SORA: _sora_script,
        MediaChat.REMOVER: _remover_script,
    }
    return builders[kind](request, chat)


def _is_failing(chat: ChatRequest) -> bool:
    return chat.faults.is_failing or chat.faults.is_stuck


def _gpt_image_script(request: HttpRequest, chat: ChatRequest) -> Script:
    width, height = media.aspect_from_text(chat.prompt)
    label, size = (
        ("3:2", (1536, 1024))
        if width > height
        else ("2:3", (1024, 1536))
        if height > width
        else ("1:1", (1024, 1024))
    )
    header = json.dumps({"prompt": chat.prompt, "size": label}, ensure_ascii=False, indent=2)
    beats = [
        Beat(0, f"```json\n{header}\n```\n\n"),
        Beat(2, "> 🕐 排队中.\n\n"),
        Beat(3, "> ⚡ 生成中...\n\n"),
    ]
    steps = (3, 11, 27, 41, 63, 88)
    if _is_failing(chat):
        beats += [Beat(5, f"> 进度 **{step}%**\n\n") for step in steps[:4]]
        beats += _failure_tail(chat, "> ❌ 生成失败\n> 失败原因: 内容审核未通过 (content policy violation)\n")
        return Script(tuple(beats))
    beats += [Beat(5, f"> 进度 **{step}%**\n\n") for step in steps]
    image = media.render_image(chat.prompt, *size, seed=len(chat.image_urls), sources=_sources(chat))
    file = files.save_image(image, expiry=_expiry(chat, 35))
    token = secrets.token_hex(8)
    beats.append(
        Beat(
            5,
            f"![file_{token}]({files.file_url(request, file)})\n"
            f"[下载⏬]({files.file_url(request, file, is_download=True)})",
        )
    )
    return Script(tuple(beats))


def _gemini_image_script(request: HttpRequest, chat: ChatRequest) -> Script:
    if _is_failing(chat):
        return Script(
            (
                Beat(1, ""),
                *_failure_tail(chat, GEMINI_FAILURE),
            )
        )
    sources = _sources(chat)
    if sources and media.aspect_from_text(chat.prompt, (0, 0)) == (0, 0):
        aspect = sources[0].size
    else:
        aspect = media.aspect_from_text(chat.prompt)
    image = media.render_image(chat.prompt, *media.size_for_aspect(aspect), sources=sources)
    if chat.model.startswith("gemini-2.5"):
        encoded = media.encode_image(image)
        link = "data:image/png;base64," + base64.b64encode(encoded).decode()
    else:
        link = files.file_url(request, files.save_image(image, expiry=_expiry(chat, 12)))
    return Script((Beat(12, "好的，这是根据你的描述生成的图片：\n\n"), Beat(0, f"![image]({link})")))


def _video_size(chat: ChatRequest, default: tuple[int, int]) -> tuple[int, int]:
    lowered = chat.model.lower()
    if "portrait" in lowered:
        return 180, 320
    if "landscape" in lowered:
        return 320, 180
    aspect = media.aspect_from_text(chat.prompt, (0, 0))
    if aspect == (0, 0) and chat.image_urls:
        first = files.resolve_image(chat.image_urls[0])
        aspect = first.size
    if aspect == (0, 0):
        return default
    return (180, 320) if aspect[1] > aspect[0] else (320, 180)


def _render_video_file(chat: ChatRequest, size: tuple[int, int], duration: float) -> SandboxFile:
    sources = _sources(chat)
    video = media.render_video(
        chat.prompt,
        *size,
        seconds=config.video_seconds(),
        first_frame=sources[0] if sources else None,
    )
    return files.save_file(video, extension="mp4", content_type="video/mp4", expiry=_expiry(chat, duration))


def _veo_script(request: HttpRequest, chat: ChatRequest) -> Script:
    task = f"{chat.model}:{uuid.uuid4()}"
    beats = [
        Beat(0, "> 视频生成任务已创建\n"),
        Beat(1, f"> 任务ID: `{task}`\n"),
        Beat(0, "> 为了防止任务中断，可以从以下链接持续获取任务进度:\n"),
        Beat(
            0,
            f"> [数据预览](https://asyncdata.net/web/{task}) | [原始数据](https://asyncdata.net/source/{task})\n",
        ),
        Beat(3, "> 等待处理中.\n"),
        Beat(5, f"> 类型: {'图片生成' if chat.image_urls else '文字生成'}\n"),
        Beat(5, "> 🎬 开始生成视频"),
    ]
    if _is_failing(chat):
        beats += [Beat(6, ".") for _ in range(4)]
        beats += _failure_tail(chat, "\n> ❌ 视频生成失败: 内容审核未通过，请修改提示词后重试\n")
        return Script(tuple(beats))
    beats += [Beat(6, ".") for _ in range(12)]
    file = _render_video_file(chat, _video_size(chat, (320, 180)), 90)
    beats += [
        Beat(0, "\n"),
        Beat(4, "> 🎉 高质量视频已生成\n\n"),
        Beat(
            0,
            f"[▶️ 在线观看]({files.file_url(request, file)}) | "
            f"[⏬ 下载视频]({files.file_url(request, file, is_download=True)})\n",
        ),
    ]
    return Script(tuple(beats))


def _sora_script(request: HttpRequest, chat: ChatRequest) -> Script:
    beats = [
        Beat(0, f"> 任务ID: `sora-2:task_{secrets.token_hex(13)}`\n"),
        Beat(3, "> 排队中..\n"),
        Beat(10, "> 生成中...\n"),
    ]
    steps = (9, 23, 37, 52, 68, 81, 94)
    if _is_failing(chat):
        beats += [Beat(12, f"> 进度 {step}%\n") for step in steps[:3]]
        beats += _failure_tail(chat, "> ❌ 生成失败: This content may violate our content policies.\n")
        return Script(tuple(beats))
    beats += [Beat(12, f"> 进度 {step}%\n") for step in steps]
    file = _render_video_file(chat, _video_size(chat, (180, 320)), 105)
    beats += [Beat(8, "> 生成完成 ✅\n\n"), Beat(0, f"[在线播放▶️]({files.file_url(request, file)})\n")]
    return Script(tuple(beats))


def _remover_script(request: HttpRequest, chat: ChatRequest) -> Script:
    match = _URL.search(chat.prompt)
    if match is None:
        return Script((Beat(1, "> ❌ 未找到有效的 Sora 视频链接，请发送分享链接或 mp4 地址\n"),))
    beats = [
        Beat(0, f"> 任务ID: `remover_{secrets.token_hex(8)}`\n"),
        Beat(3, "> 正在解析视频...\n"),
        Beat(8, "> 正在去除水印...\n"),
    ]
    if _is_failing(chat):
        return Script(tuple(beats) + _failure_tail(chat, "> ❌ 去除失败: 视频解析失败\n"))
    cleaned = ChatRequest(chat.model, f"watermark removed: {match.group(0)}", (), chat.faults)
    file = _render_video_file(cleaned, (180, 320), 20)
    beats += [
        Beat(8, "> ✅ 去除完成\n\n"),
        Beat(
            0,
            f"[▶️ 无水印视频]({files.file_url(request, file)}) | "
            f"[⏬ 下载视频]({files.file_url(request, file, is_download=True)})\n",
        ),
    ]
    return Script(tuple(beats))


def completion_payload(
    *, completion_id: str, model: str, created: int, text: str, finish_reason: str, prompt_tokens: int
) -> dict[str, Any]:
    """A non-streaming chat completion."""
    completion_tokens = texts.count_tokens(text)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": _usage(prompt_tokens, completion_tokens),
    }


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def stream_events(
    script: Script,
    *,
    completion_id: str,
    model: str,
    created: int,
    prompt_tokens: int,
    finish_reason: str = "stop",
    is_legacy: bool = False,
) -> Iterator[bytes]:
    """The SSE byte stream of a script: keep-alives, one chunk per beat, usage chunk, `[DONE]`."""
    object_name = "text_completion" if is_legacy else "chat.completion.chunk"

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        base = {"id": completion_id, "object": object_name, "created": created, "model": model}
        return _event(base | {"choices": choices} | extra)

    def choice(text: str, reason: str | None, *, is_first: bool = False) -> dict[str, Any]:
        if is_legacy:
            return {"text": text, "index": 0, "logprobs": None, "finish_reason": reason}
        delta: dict[str, Any] = {"role": "assistant", "content": text} if is_first else {"content": text}
        if reason is not None and not text:
            delta = {}
        return {"index": 0, "delta": delta, "finish_reason": reason}

    yield b": keep-alive\n\n"
    if not is_legacy:
        yield chunk([choice("", None, is_first=True)])
    for beat in script.beats:
        if beat.wait >= KEEP_ALIVE_AFTER:
            yield b": keep-alive\n\n"
        lifecycle.sleep_scaled(beat.wait)
        if beat.text:
            yield chunk([choice(beat.text, None)])
    yield chunk([choice("", finish_reason)])
    completion_tokens = texts.count_tokens(script.text)
    yield chunk([], usage=_usage(prompt_tokens, completion_tokens))
    yield b"data: [DONE]\n\n"
