"""Small helpers for the sandbox tests: sample images, decoding, URL paths and waiting."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import av
from PIL import Image, ImageStat


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(size, color)).decode()


def decode_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def cdn_path(url: str) -> str:
    """The path of an absolute sandbox URL, for the test client."""
    return "/sandbox/" + url.split("/sandbox/", 1)[1]


def wait_until(probe: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Call `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@dataclass(frozen=True)
class VideoFacts:
    codec: str
    width: int
    height: int
    frames: int


def video_facts(content: bytes) -> VideoFacts:
    """Decode an MP4 with PyAV: its codec, size and the number of frames that actually decode."""
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _frame in container.decode(stream))
        return VideoFacts(stream.codec_context.name, stream.width, stream.height, frames)


def first_frame_colour(content: bytes) -> tuple[int, ...]:
    """The mean RGB colour of a video's first frame."""
    with av.open(io.BytesIO(content)) as container:
        frame = next(container.decode(video=0)).to_image().convert("RGB")
    return tuple(round(mean) for mean in ImageStat.Stat(frame).mean)


def distinct(values: Iterable[Any]) -> list[Any]:
    """The values without consecutive repeats: the statuses a task went through, in order."""
    seen: list[Any] = []
    for value in values:
        if not seen or seen[-1] != value:
            seen.append(value)
    return seen
