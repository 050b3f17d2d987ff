"""Real media made from the request: Pillow images, PyAV H.264 videos and PyAV speech audio.

Everything is deterministic in its inputs (a prompt and a seed give the same picture), visibly different
per prompt (colours and shapes come from a hash of it, and its text is drawn on), and small enough to
render in a few milliseconds to a few tenths of a second.
"""

from __future__ import annotations

import base64
import binascii
import colorsys
import hashlib
import io
import math
import random
import re
import textwrap
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import av
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps, UnidentifiedImageError

Color = tuple[int, int, int]

SPEECH_SAMPLE_RATE = 24_000
VIDEO_FPS = 12
_DATA_URL = re.compile(r"^data:(?P<mime>[\w/+.-]+)?(?:;[\w=-]+)*;base64,(?P<data>.*)$", re.S)
_ASPECT = re.compile(r"(?<![\d.])(\d{1,2})\s*[:：]\s*(\d{1,2})(?![\d.])")


class MediaError(ValueError):
    """Input media the sandbox cannot read."""


@dataclass(frozen=True)
class AudioFormat:
    """How one `response_format` of the speech endpoint is encoded and served."""

    container: str
    codec: str
    content_type: str
    extension: str


AUDIO_FORMATS = {
    "mp3": AudioFormat("mp3", "libmp3lame", "audio/mpeg", "mp3"),
    "wav": AudioFormat("wav", "pcm_s16le", "audio/wav", "wav"),
    "opus": AudioFormat("ogg", "libopus", "audio/ogg", "opus"),
    "aac": AudioFormat("adts", "aac", "audio/aac", "aac"),
    "flac": AudioFormat("flac", "flac", "audio/flac", "flac"),
    "pcm": AudioFormat("", "", "audio/pcm", "pcm"),
}


def digest_number(*parts: object) -> int:
    """A stable 64-bit number from the parts (Python's own hash() changes between processes)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def color_for(*parts: object) -> Color:
    """A saturated, stable colour for the parts."""
    number = digest_number(*parts)
    hue = (number % 360) / 360
    saturation = 0.55 + (number >> 9) % 30 / 100
    red, green, blue = colorsys.hsv_to_rgb(hue, saturation, 0.85)
    return int(red * 255), int(green * 255), int(blue * 255)


def aspect_from_text(text: str, default: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """The aspect ratio named in a prompt (`--ar 16:9`, `9:16`, `竖屏`), else `default`."""
    match = _ASPECT.search(text)
    if match and int(match.group(1)) > 0 and int(match.group(2)) > 0:
        return int(match.group(1)), int(match.group(2))
    lowered = text.lower()
    if "竖屏" in text or "portrait" in lowered or "vertical" in lowered:
        return 9, 16
    if "横屏" in text or "landscape" in lowered:
        return 16, 9
    return default


def size_for_aspect(aspect: tuple[int, int], long_side: int = 1024) -> tuple[int, int]:
    """Pixel dimensions (multiples of 8) for an aspect ratio, the longer side `long_side`."""
    width, height = aspect
    if width >= height:
        return long_side, max(8, round(long_side * height / width / 8) * 8)
    return max(8, round(long_side * width / height / 8) * 8), long_side


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def render_image(
    prompt: str,
    width: int,
    height: int,
    *,
    seed: int = 0,
    sources: Sequence[Image.Image] = (),
    label: str = "AITRE SANDBOX",
) -> Image.Image:
    """A picture for `prompt`: hashed colours and shapes, the prompt drawn on, tinted `sources` under it."""
    top = color_for(prompt, seed, "top")
    bottom = color_for(prompt, seed, "bottom")
    mask = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )
    if sources:
        base = blend_sources(sources, width, height)
        image = Image.blend(base, image, 0.35)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    generator = random.Random(digest_number(prompt, seed, "shapes"))
    shapes = 3 if sources else 7
    for _ in range(shapes):
        radius = generator.randint(min(width, height) // 12, min(width, height) // 4)
        x, y = generator.randint(0, width), generator.randint(0, height)
        fill = (*color_for(prompt, seed, generator.random()), 150)
        if generator.random() < 0.5:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        else:
            draw.rectangle((x - radius, y - radius // 2, x + radius, y + radius // 2), fill=fill)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    _draw_caption(image, prompt, label)
    return image


def _draw_caption(image: Image.Image, prompt: str, label: str) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    size = max(10, min(width, height) // 18)
    font = _font(size)
    columns = max(8, int(width / (size * 0.55)))
    lines = textwrap.wrap(prompt, width=columns)[:4] or [""]
    box_height = (len(lines) + 1) * (size + 4) + 8
    draw.rectangle((0, height - box_height, width, height), fill=(0, 0, 0))
    for number, line in enumerate(lines):
        draw.text((8, height - box_height + 6 + number * (size + 4)), line, fill=(255, 255, 255), font=font)
    draw.text((8, height - size - 8), label, fill=(255, 220, 90), font=_font(max(8, size * 2 // 3)))


def blend_sources(sources: Sequence[Image.Image], width: int, height: int) -> Image.Image:
    """The input images cropped to `width`x`height` and averaged into one."""
    fitted = [ImageOps.fit(source.convert("RGB"), (width, height)) for source in sources]
    result = fitted[0]
    for count, other in enumerate(fitted[1:], start=2):
        result = Image.blend(result, other, 1 / count)
    return result


def tint(image: Image.Image, color: Color, strength: float) -> Image.Image:
    """`image` washed with `color` (0 = unchanged, 1 = flat colour)."""
    rgb = image.convert("RGB")
    return Image.blend(rgb, Image.new("RGB", rgb.size, color), strength)


def variant(image: Image.Image, *, prompt: str, seed: int, strength: float) -> Image.Image:
    """A visible variation of `image`: tinted, with new shapes and the prompt redrawn."""
    width, height = image.size
    varied = tint(image, color_for(prompt, seed, "variant"), strength)
    return render_image(prompt, width, height, seed=seed, sources=[varied])


def grid(tiles: Sequence[Image.Image]) -> Image.Image:
    """Four images as the 2x2 grid Midjourney answers with (1 2 / 3 4)."""
    width, height = tiles[0].size
    sheet = Image.new("RGB", (width * 2, height * 2))
    for index, tile in enumerate(tiles[:4]):
        sheet.paste(tile.resize((width, height)), ((index % 2) * width, (index // 2) * height))
    return sheet


def grid_tile(sheet: Image.Image, index: int) -> Image.Image:
    """Tile `index` (1..4) of a 2x2 grid."""
    width, height = sheet.width // 2, sheet.height // 2
    left, top = ((index - 1) % 2) * width, ((index - 1) // 2) * height
    return sheet.crop((left, top, left + width, top + height))


def zoom_out(
    image: Image.Image, factor: float, *, prompt: str, seed: int, size: tuple[int, int] | None = None
) -> Image.Image:
    """`image` shrunk by `factor` into the middle of a new scene of `size` (default its own)."""
    width, height = size or image.size
    canvas = render_image(prompt, width, height, seed=seed, label="")
    inner = ImageOps.contain(
        image.convert("RGB"), (max(1, int(width / factor)), max(1, int(height / factor)))
    )
    canvas.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2))
    return canvas


def pan(image: Image.Image, direction: str, *, prompt: str, seed: int) -> Image.Image:
    """`image` extended by half its size towards `direction` (left, right, up or down)."""
    width, height = image.size
    horizontal = direction in {"left", "right"}
    size = (width + width // 2, height) if horizontal else (width, height + height // 2)
    canvas = render_image(prompt, *size, seed=seed, label="")
    offset = {"left": (width // 2, 0), "up": (0, height // 2)}.get(direction, (0, 0))
    canvas.paste(image.convert("RGB"), offset)
    return canvas


def inpaint(image: Image.Image, mask: Image.Image, *, prompt: str, seed: int) -> Image.Image:
    """`image` with the white (or opaque) part of `mask` repainted from `prompt`."""
    base = image.convert("RGB")
    fresh = render_image(prompt, base.width, base.height, seed=seed, label="")
    selection = mask.getchannel("A") if mask.mode in {"RGBA", "LA"} else mask.convert("L")
    selection = selection.resize(base.size).point(lambda value: 255 if value > 127 else 0)
    return Image.composite(fresh, base, selection)


def swap_face(source: Image.Image, target: Image.Image) -> Image.Image:
    """`target` with the middle of `source` pasted into an oval in its upper middle (a fake face swap)."""
    result = target.convert("RGB").copy()
    width, height = result.size
    face_size = (max(2, width // 3), max(2, height // 3))
    face = ImageOps.fit(source.convert("RGB"), face_size)
    oval = Image.new("L", face_size, 0)
    ImageDraw.Draw(oval).ellipse((0, 0, face_size[0] - 1, face_size[1] - 1), fill=255)
    result.paste(face, ((width - face_size[0]) // 2, height // 6), oval)
    return result


def sharpen(image: Image.Image, factor: float = 1.6) -> Image.Image:
    """A crisper copy, for the 2x upscales."""
    return ImageEnhance.Sharpness(image).enhance(factor)


def encode_image(image: Image.Image, image_format: str = "PNG") -> bytes:
    """The image encoded as PNG, JPEG or WEBP."""
    buffer = io.BytesIO()
    pillow_format = image_format.upper().replace("JPG", "JPEG")
    output = image.convert("RGB") if pillow_format == "JPEG" else image
    output.save(buffer, format=pillow_format)
    return buffer.getvalue()


def decode_image(data: bytes) -> Image.Image:
    """An image from its bytes; raises MediaError if Pillow cannot read it."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise MediaError(f"not an image: {error}") from None
    return image


def decode_data_url(url: str) -> tuple[str, bytes]:
    """The MIME type and bytes of a `data:...;base64,...` URL (or of bare base64)."""
    match = _DATA_URL.match(url.strip())
    mime, payload = (match.group("mime") or "", match.group("data")) if match else ("", url.strip())
    try:
        return mime, base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as error:
        raise MediaError(f"bad base64: {error}") from None


def stand_in_image(reference: str, width: int = 512, height: int = 512) -> Image.Image:
    """A picture standing for a remote image the sandbox will not fetch (it stays off the network)."""
    return render_image(f"reference {reference}", width, height, label="REMOTE IMAGE")


def render_video(
    prompt: str,
    width: int,
    height: int,
    *,
    seconds: float,
    seed: int = 0,
    first_frame: Image.Image | None = None,
) -> bytes:
    """An H.264 MP4 of `seconds` at 12 fps: the prompt's picture with a moving ball and a timecode."""
    sources = [first_frame] if first_frame is not None else []
    base = render_image(prompt, width, height, seed=seed, sources=sources)
    opening = ImageOps.fit(first_frame.convert("RGB"), (width, height)) if first_frame else None
    frames = max(2, round(seconds * VIDEO_FPS))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "stillimage", "crf": "30"}
        ball = color_for(prompt, seed, "ball")
        radius = max(4, min(width, height) // 10)
        font = _font(max(8, min(width, height) // 14))
        for index in range(frames):
            frame_image = base.copy()
            if opening is not None and index < frames // 3:
                frame_image = Image.blend(opening, frame_image, index / max(1, frames // 3))
            draw = ImageDraw.Draw(frame_image)
            x = radius + (width - 2 * radius) * index / (frames - 1)
            y = height / 2 + math.sin(index / 3) * height / 5
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ball, outline=(255, 255, 255))
            draw.text((6, 4), f"{index / VIDEO_FPS:05.2f}s", fill=(255, 255, 255), font=font)
            frame = av.VideoFrame.from_image(frame_image)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def _tone_samples(text: str, speed: float) -> array[int]:
    samples = array("h")
    step = 0.07 / max(0.25, min(speed, 4.0))
    for character in text or " ":
        count = int(SPEECH_SAMPLE_RATE * step)
        if character.isspace():
            samples.extend([0] * count)
            continue
        frequency = 220 + (ord(character) % 24) * 22
        for sample in range(count):
            envelope = min(1.0, sample / 200, (count - sample) / 200)
            samples.append(
                int(9000 * envelope * math.sin(2 * math.pi * frequency * sample / SPEECH_SAMPLE_RATE))
            )
    return samples


def render_speech(text: str, *, response_format: str, speed: float = 1.0) -> bytes:
    """Audio whose length follows the text: one short tone per character, in `response_format`."""
    samples = _tone_samples(text, speed)
    audio_format = AUDIO_FORMATS[response_format]
    if not audio_format.container:
        return samples.tobytes()
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=audio_format.container) as container:
        rate = 48_000 if audio_format.codec == "libopus" else SPEECH_SAMPLE_RATE
        stream = container.add_stream(audio_format.codec, rate=rate)
        if not isinstance(stream, av.AudioStream):
            raise MediaError(f"{audio_format.codec} is not an audio codec")
        stream.layout = "mono"
        chunk = 4096
        for start in range(0, len(samples), chunk):
            piece = samples[start : start + chunk]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(piece))
            frame.planes[0].update(piece.tobytes())
            frame.sample_rate = SPEECH_SAMPLE_RATE
            frame.pts = start
            frame.time_base = Fraction(1, SPEECH_SAMPLE_RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def media_duration(data: bytes) -> float:
    """The duration in seconds of an audio or video file; raises MediaError if PyAV cannot read it."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if container.duration:
                return float(container.duration / av.time_base)
            total = 0.0
            for frame in container.decode(audio=0):
                total += frame.samples / frame.sample_rate
            return total
    except (av.FFmpegError, ValueError, IndexError) as error:
        raise MediaError(f"not a media file: {error}") from None
