"""Knowing what a media file really is, proving it decodes, and making its thumbnail or poster frame.

Nothing here trusts a file name or a Content-Type: the kind comes from the magic bytes, and a file only
counts as an image, video or audio file once it has been decoded (Pillow for images, PyAV for the rest).
Decoders are pinned to the format the magic bytes name, so a file cannot talk FFmpeg or Pillow into
trying some other, riskier parser.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import ExifTags, Image, ImageOps

DEFAULT_MAX_PIXELS = 50_000_000
THUMBNAIL_SIZE = 512
WEBP_QUALITY = 80
WEBP_METHOD = 4

_HEAD_BYTES = 512
_MEBIBYTE = 1024 * 1024
# Pillow's own resampling default: shrink by an integer factor first, then resample with BICUBIC.
_REDUCING_GAP = 2.0
# A frame whose brightest and darkest pixels differ by less than this is taken to be blank.
_BLANK_FRAME_RANGE = 24
# Pillow raises these for broken or hostile files; PyAV's FFmpegError covers the rest.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    JSON = "json"


class MediaError(Exception):
    """A file that is not what it should be; the message can be shown to the person who sent it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SniffResult:
    """What the first bytes of a file say it is."""

    mime: str
    kind: MediaKind
    extension: str


@dataclass(frozen=True)
class Probe:
    """What a full decode proved about a file; sizes are as displayed, after any rotation."""

    kind: MediaKind
    mime: str
    width: int | None
    height: int | None
    duration: float | None
    frames: int | None

    @property
    def extension(self) -> str:
        """The usual file extension for the decoded type, without a dot."""
        return _EXTENSIONS.get(self.mime, "bin")


PNG = SniffResult("image/png", MediaKind.IMAGE, "png")
JPEG = SniffResult("image/jpeg", MediaKind.IMAGE, "jpg")
WEBP = SniffResult("image/webp", MediaKind.IMAGE, "webp")
GIF = SniffResult("image/gif", MediaKind.IMAGE, "gif")
AVIF = SniffResult("image/avif", MediaKind.IMAGE, "avif")
MP4 = SniffResult("video/mp4", MediaKind.VIDEO, "mp4")
MOV = SniffResult("video/quicktime", MediaKind.VIDEO, "mov")
THREE_GPP = SniffResult("video/3gpp", MediaKind.VIDEO, "3gp")
WEBM = SniffResult("video/webm", MediaKind.VIDEO, "webm")
MATROSKA = SniffResult("video/x-matroska", MediaKind.VIDEO, "mkv")
OGG_VIDEO = SniffResult("video/ogg", MediaKind.VIDEO, "ogv")
M4A = SniffResult("audio/mp4", MediaKind.AUDIO, "m4a")
MP3 = SniffResult("audio/mpeg", MediaKind.AUDIO, "mp3")
WAV = SniffResult("audio/wav", MediaKind.AUDIO, "wav")
OGG = SniffResult("audio/ogg", MediaKind.AUDIO, "ogg")
OPUS = SniffResult("audio/ogg", MediaKind.AUDIO, "opus")
FLAC = SniffResult("audio/flac", MediaKind.AUDIO, "flac")
AAC = SniffResult("audio/aac", MediaKind.AUDIO, "aac")
PLAIN_TEXT = SniffResult("text/plain", MediaKind.TEXT, "txt")
JSON_TEXT = SniffResult("application/json", MediaKind.JSON, "json")
VTT = SniffResult("text/vtt", MediaKind.TEXT, "vtt")
SRT = SniffResult("application/x-subrip", MediaKind.TEXT, "srt")

_PILLOW_FORMATS = {
    PNG.mime: "PNG",
    JPEG.mime: "JPEG",
    WEBP.mime: "WEBP",
    GIF.mime: "GIF",
    AVIF.mime: "AVIF",
}
# FFmpeg demuxer names; opening with one of these stops FFmpeg from guessing (HLS playlists, concat
# lists and the like can make it read other files or URLs).
_DEMUXERS = {
    MP4.mime: "mov",
    MOV.mime: "mov",
    THREE_GPP.mime: "mov",
    M4A.mime: "mov",
    WEBM.mime: "matroska",
    MATROSKA.mime: "matroska",
    OGG_VIDEO.mime: "ogg",
    OGG.mime: "ogg",
    MP3.mime: "mp3",
    WAV.mime: "wav",
    FLAC.mime: "flac",
    AAC.mime: "aac",
}
# What a container turns out to be when it holds sound but no pictures (or the reverse).
_AUDIO_ONLY_MIMES = {
    MP4.mime: M4A.mime,
    MOV.mime: M4A.mime,
    THREE_GPP.mime: "audio/3gpp",
    WEBM.mime: "audio/webm",
    MATROSKA.mime: "audio/x-matroska",
    OGG_VIDEO.mime: OGG.mime,
}
_VIDEO_MIMES = {M4A.mime: MP4.mime, OGG.mime: OGG_VIDEO.mime}
_EXTENSIONS = {
    **{
        known.mime: known.extension
        for known in (PNG, JPEG, WEBP, GIF, AVIF, MP4, MOV, THREE_GPP, WEBM, MATROSKA, OGG_VIDEO, M4A, MP3)
    },
    **{known.mime: known.extension for known in (WAV, OGG, FLAC, AAC, PLAIN_TEXT, JSON_TEXT, VTT, SRT)},
    "audio/3gpp": "3gp",
    "audio/webm": "webm",
    "audio/x-matroska": "mka",
}
_AV_OPTIONS = {"protocol_whitelist": "file"}

_FTYP_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_FTYP_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_TEXT_KINDS = frozenset({MediaKind.TEXT, MediaKind.JSON})
_MEDIA_KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SRT_START = re.compile(r"\d+\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3} --> \d{1,2}:\d{2}:\d{2}[,.]\d{3}")
_UTF8_BOM = b"\xef\xbb\xbf"

_NOT_KIND = {
    MediaKind.IMAGE: gettext_lazy("This file is not an image."),
    MediaKind.VIDEO: gettext_lazy("This file is not a video."),
    MediaKind.AUDIO: gettext_lazy("This file is not an audio file."),
    MediaKind.TEXT: gettext_lazy("This file is not a text file."),
    MediaKind.JSON: gettext_lazy("This file is not a JSON file."),
}
_KIND_LABELS = {
    MediaKind.IMAGE: gettext_lazy("image"),
    MediaKind.VIDEO: gettext_lazy("video"),
    MediaKind.AUDIO: gettext_lazy("audio"),
    MediaKind.TEXT: gettext_lazy("text"),
    MediaKind.JSON: gettext_lazy("JSON"),
}


def sniff(head: bytes) -> SniffResult | None:
    """The image, video or audio type the first bytes of a file announce, or None if they announce none."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if b"webm" in head[:64] else MATROSKA
    if head.startswith(b"OggS"):
        return _sniff_ogg(head)
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"ID3"):
        return MP3
    if _is_adts_header(head):
        return AAC
    if _is_mpeg_audio_header(head):
        return MP3
    return None


def _sniff_ftyp(head: bytes) -> SniffResult | None:
    box_size = int.from_bytes(head[:4], "big")
    major_brand = head[8:12]
    compatible = {head[offset : offset + 4] for offset in range(16, min(box_size, len(head)) - 3, 4)}
    if major_brand in _FTYP_AVIF_BRANDS or (major_brand == b"mif1" and compatible & _FTYP_AVIF_BRANDS):
        return AVIF
    if major_brand in {b"mif1", b"msf1", b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}:
        # HEIF/HEIC stills: Pillow cannot decode them without a plugin we do not ship.
        return None
    if major_brand in _FTYP_AUDIO_BRANDS:
        return M4A
    if major_brand == b"qt  ":
        return MOV
    if major_brand.startswith((b"3gp", b"3g2")):
        return THREE_GPP
    return MP4


def _sniff_ogg(head: bytes) -> SniffResult:
    if b"\x80theora" in head:
        return OGG_VIDEO
    if b"OpusHead" in head:
        return OPUS
    return OGG


def _is_adts_header(head: bytes) -> bool:
    # 12 sync bits, then MPEG version, layer 00 and a sampling-frequency index below 13.
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0x0F < 13


def _is_mpeg_audio_header(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate_index = head[2] >> 4
    sample_rate_index = (head[2] >> 2) & 0b11
    # Layer I and "free" bitrates are allowed by the format but never met in practice, while a UTF-16 text
    # file's byte-order mark (FF FE) would pass for exactly such a frame.
    return (
        version != 0b01
        and layer in {0b01, 0b10}
        and bitrate_index not in {0b0000, 0b1111}
        and sample_rate_index != 0b11
    )


def sniff_text(data: bytes) -> SniffResult | None:
    """The text type of a whole file's bytes (plain, JSON, WebVTT or SubRip), or None if it is not text."""
    try:
        text = data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or _CONTROL_CHARACTERS.search(text):
        return None
    start = text.lstrip()
    if start.startswith("WEBVTT"):
        return VTT
    if _SRT_START.match(start):
        return SRT
    if start.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            return PLAIN_TEXT
        return JSON_TEXT
    return PLAIN_TEXT


def probe_file(
    path: Path, *, expected: MediaKind | None = None, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Probe:
    """Identify the file by its magic bytes and decode it fully; raise MediaError unless it is sound.

    With `expected` set, anything else is refused (TEXT also accepts JSON, which is text).
    """
    head = _read_head(path)
    sniffed = sniff(head)
    if sniffed is None and (expected is None or expected in _TEXT_KINDS):
        sniffed = sniff_text(path.read_bytes())
    if sniffed is None:
        if expected is not None:
            raise _not_kind(expected)
        raise MediaError(_not_allowed_message(_MEDIA_KINDS), code="unsupported_type")
    if expected is not None and not _accepts({expected}, _possible_kinds(sniffed)):
        raise _not_kind(expected)
    probe = _decode(path, sniffed, max_pixels=max_pixels)
    if expected is not None and not _accepts({expected}, {probe.kind}):
        raise _not_kind(expected)
    return probe


def validate_upload(
    path: Path,
    *,
    allowed: Collection[MediaKind],
    max_bytes: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_duration: float | None = None,
) -> Probe:
    """Check a user's upload: size cap, magic bytes, allowed kinds, a full decode and the duration cap."""
    size = path.stat().st_size
    if size == 0:
        raise MediaError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise MediaError(
            _("The file is larger than the %(limit)s MB limit.")
            % {"limit": _format_number(max_bytes / _MEBIBYTE)},
            code="too_large",
        )
    sniffed = sniff(_read_head(path))
    if sniffed is None and set(allowed) & _TEXT_KINDS:
        sniffed = sniff_text(path.read_bytes())
    if sniffed is None or not _accepts(allowed, _possible_kinds(sniffed)):
        raise MediaError(_not_allowed_message(allowed), code="unsupported_type")
    probe = _decode(path, sniffed, max_pixels=max_pixels)
    if not _accepts(allowed, {probe.kind}):
        raise MediaError(_not_allowed_message(allowed), code="unsupported_type")
    if max_duration is not None and probe.duration is not None and probe.duration > max_duration:
        raise MediaError(
            _("The %(kind)s is too long (%(seconds)s s; the limit is %(limit)s s).")
            % {
                "kind": _KIND_LABELS[probe.kind],
                "seconds": _format_number(probe.duration),
                "limit": _format_number(max_duration),
            },
            code="too_long",
        )
    return probe


def make_thumbnail(
    source: Path, dest: Path, *, size: int = THUMBNAIL_SIZE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[int, int]:
    """Write the image upright as a WebP at most `size` px on its long side to `dest`; return its size."""
    sniffed = sniff(_read_head(source))
    if sniffed is None or sniffed.kind is not MediaKind.IMAGE:
        raise _not_kind(MediaKind.IMAGE)
    try:
        with Image.open(source, formats=[_PILLOW_FORMATS[sniffed.mime]]) as image:
            _check_pixels(image.size, max_pixels, noun="image")
            # JPEG can decode straight at 1/2, 1/4 or 1/8 scale; ask for the size thumbnail() would, before
            # exif_transpose() loads the pixels.
            target = _fit(image.size, size)
            image.draft(None, (round(target[0] * _REDUCING_GAP), round(target[1] * _REDUCING_GAP)))
            icc_profile = image.info.get("icc_profile") if image.mode in {"RGB", "RGBA"} else None
            ImageOps.exif_transpose(image, in_place=True)
            thumbnail = _displayable(image)
            thumbnail.thumbnail((size, size), reducing_gap=_REDUCING_GAP)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _pillow_bomb(error) from error
    except _DECODE_ERRORS as error:
        raise MediaError(_("The image is damaged and could not be read."), code="corrupt") from error
    _save_webp(thumbnail, dest, icc_profile=icc_profile)
    return thumbnail.size


def make_poster(
    video: Path, dest: Path, *, size: int = THUMBNAIL_SIZE, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[int, int]:
    """Write a telling keyframe as a WebP at most `size` px on its long side to `dest`; return its size."""
    sniffed = sniff(_read_head(video))
    if sniffed is None or sniffed.mime not in _DEMUXERS:
        raise _not_kind(MediaKind.VIDEO)
    try:
        image = _poster_image(video, sniffed, size=size, max_pixels=max_pixels)
        if image is None:
            image = _poster_image(video, sniffed, size=size, max_pixels=max_pixels, from_start=True)
    except (av.FFmpegError, *_DECODE_ERRORS) as error:
        raise MediaError(_("The video is damaged and could not be read."), code="corrupt") from error
    if image is None:
        raise MediaError(_("The video has no frame that could be decoded."), code="corrupt")
    _save_webp(image, dest)
    return image.size


def _read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if not head:
        raise MediaError(_("The file is empty."), code="empty")
    return head


def _possible_kinds(sniffed: SniffResult) -> set[MediaKind]:
    """The kinds a file may turn out to be once decoded: a video container can hold only sound."""
    if sniffed.mime in _AUDIO_ONLY_MIMES:
        return {sniffed.kind, MediaKind.AUDIO}
    return {sniffed.kind}


def _accepts(wanted: Collection[MediaKind], kinds: Collection[MediaKind]) -> bool:
    return any(kind in wanted or (kind is MediaKind.JSON and MediaKind.TEXT in wanted) for kind in kinds)


def _not_kind(kind: MediaKind) -> MediaError:
    return MediaError(str(_NOT_KIND[kind]), code=f"not_{kind}")


def _not_allowed_message(allowed: Collection[MediaKind]) -> str:
    kinds = [kind for kind in MediaKind if kind in allowed]
    if len(kinds) == 1:
        return str(_NOT_KIND[kinds[0]])
    if set(kinds) == {MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO}:
        return _("This file is not an image, video or audio file.")
    if set(kinds) == {MediaKind.VIDEO, MediaKind.AUDIO}:
        return _("This file is not a video or audio file.")
    if set(kinds) == {MediaKind.IMAGE, MediaKind.VIDEO}:
        return _("This file is not an image or video file.")
    return _("This file is not one of these kinds: %(kinds)s.") % {
        "kinds": ", ".join(str(_KIND_LABELS[kind]) for kind in kinds)
    }


def _format_number(value: float) -> str:
    """Three significant digits for small numbers, whole numbers from 100 up: 0.04, 12.5, 500, 1200."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _check_pixels(size: tuple[int, int], max_pixels: int, *, noun: str) -> None:
    pixels = size[0] * size[1]
    if pixels > max_pixels:
        raise MediaError(
            _("The %(kind)s is too large (%(megapixels)s megapixels; the limit is %(limit)s).")
            % {
                "kind": _KIND_LABELS[MediaKind(noun)],
                "megapixels": _format_number(pixels / 1_000_000),
                "limit": _format_number(max_pixels / 1_000_000),
            },
            code="decompression_bomb",
        )


def _pillow_bomb(error: Exception) -> MediaError:
    # Pillow's own guard fired while reading the header, before the size was known to us.
    limit = Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_PIXELS
    if isinstance(error, Image.DecompressionBombError):
        limit *= 2
    return MediaError(
        _("The image is too large (more than %(limit)s megapixels).")
        % {"limit": _format_number(limit / 1_000_000)},
        code="decompression_bomb",
    )


def _decode(path: Path, sniffed: SniffResult, *, max_pixels: int) -> Probe:
    if sniffed.kind in _TEXT_KINDS:
        return Probe(sniffed.kind, sniffed.mime, width=None, height=None, duration=None, frames=None)
    if sniffed.kind is MediaKind.IMAGE:
        return _decode_image(path, sniffed, max_pixels=max_pixels)
    return _decode_audio_video(path, sniffed, max_pixels=max_pixels)


def _decode_image(path: Path, sniffed: SniffResult, *, max_pixels: int) -> Probe:
    try:
        with Image.open(path, formats=[_PILLOW_FORMATS[sniffed.mime]]) as image:
            _check_pixels(image.size, max_pixels, noun="image")
            image.load()
            width, height = image.size
            if image.getexif().get(ExifTags.Base.Orientation) in {5, 6, 7, 8}:
                width, height = height, width
            frames = getattr(image, "n_frames", 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _pillow_bomb(error) from error
    except _DECODE_ERRORS as error:
        raise MediaError(_("The image is damaged and could not be read."), code="corrupt") from error
    return Probe(MediaKind.IMAGE, sniffed.mime, width=width, height=height, duration=None, frames=frames)


def _decode_audio_video(path: Path, sniffed: SniffResult, *, max_pixels: int) -> Probe:
    try:
        with _open_container(path, sniffed) as container:
            video = _video_stream(container)
            if video is not None:
                return _decode_video(container, video, sniffed, max_pixels=max_pixels)
            if container.streams.audio:
                return _decode_audio(container, sniffed)
    except (av.FFmpegError, *_DECODE_ERRORS) as error:
        raise MediaError(
            _("The %(kind)s is damaged and could not be read.") % {"kind": _KIND_LABELS[sniffed.kind]},
            code="corrupt",
        ) from error
    raise MediaError(_("The file holds neither pictures nor sound."), code="corrupt")


def _decode_video(
    container: InputContainer, stream: VideoStream, sniffed: SniffResult, *, max_pixels: int
) -> Probe:
    context = stream.codec_context
    _check_pixels((context.width, context.height), max_pixels, noun="video")
    stream.thread_type = "SLICE"
    frame = next(container.decode(stream), None)
    if frame is None:
        raise MediaError(_("The video has no frame that could be decoded."), code="corrupt")
    width, height = _display_size(frame, _pixel_aspect(stream))
    if frame.rotation % 180:
        width, height = height, width
    mime = _VIDEO_MIMES.get(sniffed.mime, sniffed.mime)
    return Probe(
        MediaKind.VIDEO,
        mime,
        width=width,
        height=height,
        duration=_duration(container, stream),
        frames=stream.frames or None,
    )


def _decode_audio(container: InputContainer, sniffed: SniffResult) -> Probe:
    stream = container.streams.audio[0]
    if next(container.decode(stream), None) is None:
        raise MediaError(_("The audio has no sound that could be decoded."), code="corrupt")
    mime = _AUDIO_ONLY_MIMES.get(sniffed.mime, sniffed.mime)
    return Probe(
        MediaKind.AUDIO,
        mime,
        width=None,
        height=None,
        duration=_duration(container, stream),
        frames=None,
    )


def _open_container(path: Path, sniffed: SniffResult, *, is_probing_decoded: bool = True) -> InputContainer:
    """Open with the demuxer the magic bytes name, reading local files only.

    While it opens a file FFmpeg decodes up to 7 H.264 frames to guess the decoder's delay; a poster does
    not need that guess, and skipping it made opening a 1080p clip about 10 times faster. The option only
    reaches the decoders FFmpeg opens for that guess, not the one PyAV opens to decode.
    """
    options = _AV_OPTIONS if is_probing_decoded else {**_AV_OPTIONS, "skip_frame": "all"}
    return av.open(str(path), format=_DEMUXERS[sniffed.mime], options=options)


def _video_stream(container: InputContainer) -> VideoStream | None:
    """The first real video stream; cover art in audio files shows up as a one-picture video stream."""
    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def _duration(container: InputContainer, stream: Stream) -> float | None:
    if stream.duration and stream.time_base:
        return stream.duration * float(stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def _pixel_aspect(stream: VideoStream) -> float:
    """How much wider than tall one pixel is shown (anamorphic video); 1.0 when the file does not say."""
    aspect = stream.codec_context.sample_aspect_ratio
    return float(aspect) if aspect else 1.0


def _display_size(frame: VideoFrame, pixel_aspect: float) -> tuple[int, int]:
    """The frame's size with non-square pixels stretched out, before any rotation."""
    return max(1, round(frame.width * pixel_aspect)), frame.height


def _poster_image(
    video: Path, sniffed: SniffResult, *, size: int, max_pixels: int, from_start: bool = False
) -> Image.Image | None:
    """The first non-blank keyframe of a few near the start, scaled to fit `size`; None if none decodes.

    Each try seeks back to the keyframe at or before a point in time and decodes just that frame.
    """
    with _open_container(video, sniffed, is_probing_decoded=False) as container:
        stream = _video_stream(container)
        if stream is None:
            raise _not_kind(MediaKind.VIDEO)
        _check_pixels((stream.codec_context.width, stream.codec_context.height), max_pixels, noun="video")
        # Frame threads make the decoder take in several frames before it returns the first one; slice
        # threads do not. Skipping non-key frames made it slower still: with B-frames the decoder then holds
        # the keyframe back until later keyframes have filled its reordering queue.
        stream.thread_type = "SLICE"
        start = stream.start_time or 0
        times = [None] if from_start else _poster_times(_duration(container, stream))
        fallback = None
        seen: set[int | None] = set()
        for seconds in times:
            if seconds is not None:
                container.seek(start + int(seconds / stream.time_base), stream=stream, backward=True)
            frame = next(container.decode(stream), None)
            if frame is None or frame.pts in seen:
                continue
            seen.add(frame.pts)
            _check_pixels((frame.width, frame.height), max_pixels, noun="video")
            image = _frame_image(frame, size, pixel_aspect=_pixel_aspect(stream))
            if not _is_blank(image):
                return image
            fallback = fallback or image
        return fallback


def _poster_times(duration: float | None) -> list[float | None]:
    """Where to look for a poster: half a second in (a tenth of a long video), then a quarter, then half-way.

    Any point is past the first frame, which is often black while a video fades in.
    """
    if not duration:
        return []
    first = min(max(0.5, duration / 10), duration / 2)
    return [first, *(point for point in (duration / 4, duration / 2) if point > first)]


def _frame_image(frame: VideoFrame, size: int, *, pixel_aspect: float) -> Image.Image:
    width, height = _display_size(frame, pixel_aspect)
    is_sideways = bool(frame.rotation % 180)
    if is_sideways:
        height, width = _fit((height, width), size)
    else:
        width, height = _fit((width, height), size)
    # Scaling inside FFmpeg while converting from YUV is much cheaper than converting at full size first.
    rgb = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
    plane = rgb.planes[0]
    image = Image.frombuffer("RGB", (width, height), bytes(plane), "raw", "RGB", plane.line_size, 1)
    rotation = frame.rotation % 360
    if rotation == 90:
        return image.transpose(Image.Transpose.ROTATE_90)
    if rotation == 180:
        return image.transpose(Image.Transpose.ROTATE_180)
    if rotation == 270:
        return image.transpose(Image.Transpose.ROTATE_270)
    return image


def _is_blank(image: Image.Image) -> bool:
    darkest, brightest = image.convert("L").getextrema()
    assert isinstance(darkest, int)
    assert isinstance(brightest, int)
    return brightest - darkest < _BLANK_FRAME_RANGE


def _fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    """The size scaled down (never up) to fit a square of `box` pixels, keeping its aspect."""
    width, height = size
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _displayable(image: Image.Image) -> Image.Image:
    """The image in RGB, or RGBA if it has transparency: what resizing and WebP both handle well."""
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _save_webp(image: Image.Image, dest: Path, *, icc_profile: bytes | None = None) -> None:
    options: dict[str, object] = {"quality": WEBP_QUALITY, "method": WEBP_METHOD}
    if icc_profile:
        options["icc_profile"] = icc_profile
    try:
        image.save(dest, format="WEBP", **options)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
