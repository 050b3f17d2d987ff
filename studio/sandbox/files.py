"""The sandbox's fake CDN: result files kept in the default storage under `sandbox/`, served over HTTP.

Names look like the gateway's CDN (`20250828/c8AzJYjx31nnHeO31Wi9H7e0z2PIrx.mp4`); URLs are built from the
incoming request's host, so they work whatever address the studio runs on: `<base>/cdn/<name>` to view and
`<base>/cdn/download/<name>` to download. Input images that point back at this CDN are read from storage;
other remote URLs are never fetched (the sandbox stays off the network) but stood in for by a picture.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studio.sandbox import media
from studio.sandbox.models import SandboxFile

STORAGE_PREFIX = "sandbox/cdn"
_OWN_URL = re.compile(r"/cdn/(?:download/)?(?P<day>\d{8})/(?P<file>[A-Za-z0-9]+\.[a-z0-9]+)(?:[?#].*)?$")
_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Expiry:
    """When a file stops being served (the `expire` fault), and the status it answers with then."""

    at: datetime
    status: int = 403


def save_file(
    content: bytes, *, extension: str, content_type: str, expiry: Expiry | None = None
) -> SandboxFile:
    """Store `content` on the fake CDN under a new dated random name; creates a SandboxFile row."""
    token = "".join(secrets.choice(_ALPHABET) for _ in range(30))
    name = f"{timezone.now():%Y%m%d}/{token}.{extension}"
    path = default_storage.save(f"{STORAGE_PREFIX}/{name}", ContentFile(content))
    return SandboxFile.objects.create(
        name=name,
        path=path,
        content_type=content_type,
        size=len(content),
        expires_at=None if expiry is None else expiry.at,
        expired_status=403 if expiry is None else expiry.status,
    )


def save_image(image: Image.Image, *, image_format: str = "PNG", expiry: Expiry | None = None) -> SandboxFile:
    """Store an image (PNG by default) on the fake CDN."""
    extension = {"JPEG": "jpg"}.get(image_format.upper(), image_format.lower())
    return save_file(
        media.encode_image(image, image_format),
        extension=extension,
        content_type=f"image/{'jpeg' if extension == 'jpg' else extension}",
        expiry=expiry,
    )


def read_file(file: SandboxFile) -> bytes:
    """The stored bytes of a CDN file."""
    with default_storage.open(file.path, "rb") as handle:
        data: bytes = handle.read()
    return data


def read_image(file: SandboxFile) -> Image.Image:
    """A stored CDN image, decoded."""
    return media.decode_image(read_file(file))


def file_url(request: HttpRequest, file: SandboxFile, *, is_download: bool = False) -> str:
    """The absolute URL of a CDN file on the host the request came to."""
    day, filename = file.name.split("/", 1)
    route = "sandbox:cdn_download" if is_download else "sandbox:cdn_file"
    return request.build_absolute_uri(reverse(route, kwargs={"day": day, "filename": filename}))


def find_own_file(url: str) -> SandboxFile | None:
    """The CDN file a URL of this sandbox points at, if it does."""
    match = _OWN_URL.search(url)
    if match is None:
        return None
    return SandboxFile.objects.filter(name=f"{match['day']}/{match['file']}").first()


def resolve_image(reference: str) -> Image.Image:
    """The image a request names: a data URL, a file of this CDN, or a stand-in for a remote URL."""
    reference = reference.strip()
    if reference.startswith("data:") or not reference.startswith(("http://", "https://")):
        return media.decode_image(media.decode_data_url(reference)[1])
    own = find_own_file(reference)
    if own is not None and own.content_type.startswith("image/"):
        return read_image(own)
    return media.stand_in_image(reference)


_CDN_ERRORS = {
    403: ("AccessDenied", "Request has expired."),
    404: ("NoSuchKey", "The specified key does not exist."),
    429: ("SlowDown", "Please reduce your request rate."),
}


def cdn_error(status: int) -> HttpResponse:
    """An object-store style XML error: 403 for expired links, 404 for unknown names, and others."""
    code, message = _CDN_ERRORS.get(status, ("InternalError", "We encountered an internal error."))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return HttpResponse(body, status=status, content_type="application/xml")


def file_response(request: HttpRequest, name: str, *, is_download: bool) -> HttpResponse:
    """Serve a CDN file like an object store: 404/403 XML errors, HTTP Range, attachment on download."""
    file = SandboxFile.objects.filter(name=name).first()
    if file is None:
        return cdn_error(404)
    if file.is_expired(timezone.now()):
        return cdn_error(file.expired_status)
    data = read_file(file)
    status, first, last = 200, 0, len(data) - 1
    requested = request.headers.get("Range", "").strip()
    match = _RANGE.match(requested) if requested else None
    if requested and match:
        if match["start"]:
            first = int(match["start"])
            last = min(int(match["end"]), last) if match["end"] else last
        elif match["end"]:
            first = max(0, len(data) - int(match["end"]))
        if first > last or first >= len(data):
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{len(data)}"
            return response
        status = 206
    body = data[first : last + 1]
    response = HttpResponse(body, status=status, content_type=file.content_type)
    response["Content-Length"] = str(len(body))
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "public, max-age=86400"
    if status == 206:
        response["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    if is_download:
        response["Content-Disposition"] = f'attachment; filename="{name.rsplit("/", 1)[-1]}"'
    return response
