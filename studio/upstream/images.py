"""The Images API: generations and edits (DALL·E 3, Flux, gpt-image-1, gemini-2.5-flash-image)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from studio.upstream.chat import Usage, parse_usage
from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_mapping, as_text, parse_timestamp
from studio.upstream.transport import CallKind, GatewayHttp, GatewayResponse
from studio.upstream.uploads import FileUpload


@dataclass(frozen=True)
class GeneratedImage:
    """One image: a URL, or base64 data (never rely on which one a model returns)."""

    url: str | None
    b64_json: str | None = field(default=None, repr=False)
    revised_prompt: str | None = None

    def decode(self) -> bytes:
        """The image bytes of a `b64_json` result."""
        if self.b64_json is None:
            raise ValueError("This image was returned as a URL; download it instead.")
        return base64.b64decode(self.b64_json)


@dataclass(frozen=True)
class ImageResult:
    images: tuple[GeneratedImage, ...]
    created_at: datetime | None
    usage: Usage | None
    request_id: str | None
    raw: Mapping[str, Any] = field(repr=False)


def parse_image_result(response: GatewayResponse) -> ImageResult:
    payload = response.json_object()
    images = []
    data = payload.get("data")
    for item in data if isinstance(data, list) else []:
        record = as_mapping(item)
        url = as_text(record.get("url")) or None
        b64_json = as_text(record.get("b64_json")) or None
        if b64_json is not None:
            try:
                base64.b64decode(b64_json, validate=True)
            except (binascii.Error, ValueError):
                b64_json = None
        if url or b64_json:
            images.append(
                GeneratedImage(
                    url=url,
                    b64_json=b64_json,
                    revised_prompt=as_text(record.get("revised_prompt")) or None,
                )
            )
    if not images:
        raise MalformedResponse(
            "The gateway's answer contains no image.",
            status_code=response.status_code,
            request_id=response.request_id,
        )
    return ImageResult(
        images=tuple(images),
        created_at=parse_timestamp(payload.get("created")),
        usage=parse_usage(payload.get("usage")),
        request_id=response.request_id,
        raw=payload,
    )


class ImagesAPI:
    """`POST /v1/images/generations` and `POST /v1/images/edits`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def generate(
        self,
        *,
        model: str,
        prompt: str,
        n: int | None = None,
        size: str | None = None,
        quality: str | None = None,
        response_format: str | None = None,
        **extra: Any,
    ) -> ImageResult:
        """Generate images from text (billed by the gateway; blocks until they are ready)."""
        body: dict[str, Any] = {"model": model, "prompt": prompt}
        optional = {"n": n, "size": size, "quality": quality, "response_format": response_format}
        body.update({key: value for key, value in optional.items() if value is not None})
        body.update(extra)
        response = self._http.request("POST", "/v1/images/generations", kind=CallKind.IMAGE, json_body=body)
        return parse_image_result(response)

    def edit(
        self,
        *,
        model: str,
        prompt: str,
        images: Sequence[FileUpload],
        mask: FileUpload | None = None,
        n: int | None = None,
        size: str | None = None,
        quality: str | None = None,
        response_format: str | None = None,
        **extra: str,
    ) -> ImageResult:
        """Edit or combine images (multipart upload; billed by the gateway)."""
        if not images:
            raise ValueError("An image edit needs at least one image.")
        fields: dict[str, str] = {"model": model, "prompt": prompt}
        optional = {"n": n, "size": size, "quality": quality, "response_format": response_format}
        fields.update({key: str(value) for key, value in optional.items() if value is not None})
        fields.update(extra)
        # One image goes as `image`; several as `image[]`, as the OpenAI SDK sends them.
        image_field = "image" if len(images) == 1 else "image[]"
        files = [(image_field, image.as_multipart()) for image in images]
        if mask is not None:
            files.append(("mask", mask.as_multipart()))
        response = self._http.request(
            "POST", "/v1/images/edits", kind=CallKind.UPLOAD, data=fields, files=files
        )
        return parse_image_result(response)
