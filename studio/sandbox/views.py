"""The fake CDN that serves result files, like the gateway's `filesystem.site`.

It needs no key; the `X-Sandbox-Fault` header still injects statuses, slowness and time-outs here, and the
`expire` fault of a task makes its files answer 403 or 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from studio.sandbox import faults, files
from studio.sandbox.gateway import GatewayError, Surface, request_fault_response


def _cdn(request: HttpRequest, day: str, filename: str, *, is_download: bool) -> HttpResponse:
    try:
        injected = faults.from_header(request)
    except faults.UnknownFault:
        injected = faults.Faults()
    try:
        replaced = request_fault_response(injected, Surface.CONTENT)
    except GatewayError as error:
        response = files.cdn_error(error.status)
        for name, value in error.headers.items():
            response[name] = value
        return response
    if replaced is not None:
        return replaced
    return files.file_response(request, f"{day}/{filename}", is_download=is_download)


@require_http_methods(["GET", "HEAD"])
def cdn_file(request: HttpRequest, day: str, filename: str) -> HttpResponse:
    """`GET /cdn/<day>/<file>`: a result file to view, with HTTP Range support."""
    return _cdn(request, day, filename, is_download=False)


@require_http_methods(["GET", "HEAD"])
def cdn_download(request: HttpRequest, day: str, filename: str) -> HttpResponse:
    """`GET /cdn/download/<day>/<file>`: the same file as an attachment."""
    return _cdn(request, day, filename, is_download=True)
