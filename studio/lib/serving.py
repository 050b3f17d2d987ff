"""Serving stored media: streamed from storage, with HTTP Range for seeking in video and audio.

Deployments behind nginx can hand the bytes off with X-Accel-Redirect (set MEDIA_ACCEL_REDIRECT_PREFIX).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _read_range(field: FieldFile, start: int, length: int) -> Iterator[bytes]:
    # Opened inside the generator: a response closed before it is read never opens the file at all.
    handle = field.open("rb")
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def serve_file(
    request: HttpRequest, field: FieldFile, *, content_type: str, download_name: str | None = None
) -> HttpResponseBase:
    """Streams a stored file, honouring a single `Range: bytes=a-b`; never loads it into memory."""
    size = field.size
    disposition = (
        content_disposition_header(bool(download_name), download_name or "") if download_name else None
    )
    accel_prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{field.name}"
        if disposition:
            response["Content-Disposition"] = disposition
        return response

    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:
            start = max(0, size - int(last))
            end = size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        length = end - start + 1
        streaming = StreamingHttpResponse(
            _read_range(field, start, length), status=206, content_type=content_type
        )
        streaming["Content-Range"] = f"bytes {start}-{end}/{size}"
        streaming["Content-Length"] = str(length)
        streaming["Accept-Ranges"] = "bytes"
        if disposition:
            streaming["Content-Disposition"] = disposition
        return streaming

    file_response = FileResponse(
        field.open("rb"),
        content_type=content_type,
        as_attachment=bool(download_name),
        filename=download_name or "",
    )
    file_response["Content-Length"] = str(size)
    file_response["Accept-Ranges"] = "bytes"
    return file_response
