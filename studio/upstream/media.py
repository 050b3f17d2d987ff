"""Reading media out of the Markdown text that chat-format media models answer with.

The gateway does not parse this text; resellers behind it write it, so every rule here is lenient:
Markdown images and links, HTML `<video>`/`<img>` tags, `data:` URLs and bare URLs are all accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

MediaKind = Literal["image", "video", "audio", "unknown"]

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".avif")
_VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".m4v", ".mkv")
_AUDIO_EXTENSIONS = (".mp3", ".wav", ".m4a", ".ogg", ".flac", ".aac")

_URL = r"(data:[^\s)>\"']+|https?://[^\s)>\"']+)"
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?" + _URL + r">?(?:\s+\"[^\"]*\")?\s*\)")
_MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?" + _URL + r">?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_SOURCE = re.compile(r"<(video|img|source|audio)\b[^>]*?\bsrc\s*=\s*['\"]([^'\"]+)['\"]", re.I)
_DATA_URL = re.compile(r"data:(?:image|video|audio)/[\w.+-]+;base64,[A-Za-z0-9+/=]+")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]'\"`]+")
# ASCII and full-width (Chinese) sentence punctuation.
_TRAILING_PUNCTUATION = ".,;:!?\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u3001"

# Links that report on progress rather than carry a result (the Veo3 template's task pages).
_NOT_MEDIA_HOSTS = ("asyncdata.net",)
_NOT_MEDIA_LABELS = ("数据预览", "原始数据")
_DOWNLOAD_LABELS = ("下载", "download", "⏬")
_VIDEO_LABELS = ("视频", "播放", "观看", "video", "▶")

_KINDS: dict[str, MediaKind] = {
    "image": "image",
    "img": "image",
    "video": "video",
    "audio": "audio",
}

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_PROGRESS_WORDS = ("进度", "排队", "生成中", "处理中", "等待", "开始生成", "生成完成", "已生成")
_TASK_ID_LINE = re.compile(r"任务\s*ID\s*[:\uff1a]\s*`?([^`\s]+)`?", re.I)
_FAILURE_MARKERS = ("❌", "生成失败", "失败原因", "任务失败", "处理失败", "generation failed")
# "reason" only as a word of its own: `finish_reason: IMAGE_SAFETY` is a detail, not the reason.
_FAILURE_REASON = re.compile(r"(?:失败原因|原因|(?<!\w)reason)\s*[:\uff1a]\s*(.+)", re.I)


@dataclass(frozen=True)
class MediaLink:
    """One media URL (or `data:` URL) found in a model's answer."""

    url: str
    kind: MediaKind
    is_download: bool
    label: str = ""

    @property
    def is_data_url(self) -> bool:
        return self.url.startswith("data:")


@dataclass(frozen=True)
class MediaFile:
    """One result file, with the link to show it and the link to save it (often the same)."""

    kind: MediaKind
    display_url: str
    download_url: str


@dataclass(frozen=True)
class ProgressUpdate:
    """A progress line of a chat-format media stream, e.g. `> 进度 **41%**` or `> 排队中.`."""

    line: str
    percent: int | None


def _kind_from_url(url: str) -> MediaKind:
    if url.startswith("data:"):
        mime = url[5:].split(";", 1)[0].lower()
        return _KINDS.get(mime.split("/", 1)[0], "unknown")
    path = urlsplit(url).path.lower()
    if path.endswith(_IMAGE_EXTENSIONS):
        return "image"
    if path.endswith(_VIDEO_EXTENSIONS):
        return "video"
    if path.endswith(_AUDIO_EXTENSIONS):
        return "audio"
    return "unknown"


def _is_download(url: str, label: str) -> bool:
    if url.startswith("data:"):
        return False
    lowered = label.lower()
    return "/download/" in urlsplit(url).path or any(word in lowered for word in _DOWNLOAD_LABELS)


def _is_progress_link(url: str, label: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith(_NOT_MEDIA_HOSTS) or any(word in label for word in _NOT_MEDIA_LABELS)


def _found_links(text: str) -> list[tuple[int, str, str, MediaKind]]:
    """Every URL with its position, label and the kind its context suggests."""
    found: list[tuple[int, str, str, MediaKind]] = []
    for match in _MARKDOWN_IMAGE.finditer(text):
        found.append((match.start(), match.group(2), match.group(1).strip(), "image"))
    for match in _MARKDOWN_LINK.finditer(text):
        label = match.group(1).strip()
        hinted: MediaKind = "unknown"
        if any(word in label.lower() for word in _VIDEO_LABELS):
            hinted = "video"
        found.append((match.start(), match.group(2), label, hinted))
    for match in _HTML_SOURCE.finditer(text):
        tag = match.group(1).lower()
        found.append((match.start(), match.group(2), "", _KINDS.get(tag, "unknown")))
    for match in _DATA_URL.finditer(text):
        found.append((match.start(), match.group(), "", "unknown"))
    for match in _BARE_URL.finditer(text):
        found.append((match.start(), match.group().rstrip(_TRAILING_PUNCTUATION), "", "unknown"))
    found.sort(key=lambda item: item[0])
    return found


def extract_media(text: str) -> tuple[MediaLink, ...]:
    """Find the media in a model's final answer, in order of appearance, without repeats.

    Links whose kind cannot be told from the URL or its context are returned only when no
    recognisable media was found (the last-resort "first URL" rule of sister-relay clients).
    """
    links: dict[str, MediaLink] = {}
    for _position, url, label, hinted in _found_links(text):
        if url in links:
            if label and not links[url].label:
                links[url] = MediaLink(url, links[url].kind, _is_download(url, label), label)
            continue
        if _is_progress_link(url, label):
            continue
        kind = _kind_from_url(url)
        if kind == "unknown":
            kind = hinted
        links[url] = MediaLink(url=url, kind=kind, is_download=_is_download(url, label), label=label)
    known = tuple(link for link in links.values() if link.kind != "unknown")
    return known or tuple(links.values())


def _file_key(link: MediaLink) -> str:
    if link.is_data_url:
        return link.url
    parts = urlsplit(link.url)
    path = parts.path.replace("/download/", "/")
    return f"{parts.netloc}{path}"


def group_media(links: tuple[MediaLink, ...]) -> tuple[MediaFile, ...]:
    """Pair each file's display link with its download link (`/cdn/x` and `/cdn/download/x`)."""
    groups: dict[str, list[MediaLink]] = {}
    for link in links:
        groups.setdefault(_file_key(link), []).append(link)
    files = []
    for members in groups.values():
        display = next((link for link in members if not link.is_download), members[0])
        download = next((link for link in members if link.is_download), display)
        kind = display.kind if display.kind != "unknown" else download.kind
        files.append(MediaFile(kind=kind, display_url=display.url, download_url=download.url))
    return tuple(files)


def parse_progress_line(line: str) -> ProgressUpdate | None:
    """Read one line of a media stream as progress, or None when it is not a progress line."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("![", "[", "<", "```")):
        return None
    is_quote = stripped.startswith(">")
    body = stripped.lstrip(">").strip()
    plain = body.replace("*", "")
    percent_match = _PERCENT.search(plain)
    if not (is_quote or percent_match or any(word in plain for word in _PROGRESS_WORDS)):
        return None
    percent = None
    if percent_match:
        percent = max(0, min(100, round(float(percent_match.group(1)))))
    return ProgressUpdate(line=body, percent=percent)


def find_gateway_task_id(text: str) -> str | None:
    """Return the reseller's task id from a `> 任务ID: `...`` line, if the answer has one."""
    match = _TASK_ID_LINE.search(text)
    return match.group(1) if match else None


def find_failure_reason(text: str) -> str | None:
    """Return the in-band failure line of a media answer (e.g. `❌ 生成失败`), if there is one."""
    first_marked_line = None
    for line in text.splitlines():
        body = line.strip().lstrip(">").strip()
        if not any(marker in body.lower() for marker in _FAILURE_MARKERS):
            continue
        reason = _FAILURE_REASON.search(body)
        if reason:
            return reason.group(1).strip(" *❌")
        first_marked_line = first_marked_line or body.strip(" *❌")
    return first_marked_line
