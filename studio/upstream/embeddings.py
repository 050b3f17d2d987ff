"""Embeddings (`POST /v1/embeddings`)."""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.upstream.chat import Usage, parse_usage
from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_int, as_mapping, as_text
from studio.upstream.transport import GatewayHttp


@dataclass(frozen=True)
class EmbeddingResult:
    """One vector per input, in input order."""

    vectors: tuple[tuple[float, ...], ...] = field(repr=False)
    model: str
    usage: Usage | None
    request_id: str | None
    raw: Mapping[str, Any] = field(repr=False)


def _vector(value: object) -> tuple[float, ...] | None:
    if isinstance(value, list) and all(
        isinstance(number, int | float) and not isinstance(number, bool) for number in value
    ):
        return tuple(float(number) for number in value)
    if isinstance(value, str):
        # `encoding_format: "base64"` packs little-endian float32 values.
        try:
            packed = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(packed) % 4:
            return None
        return struct.unpack(f"<{len(packed) // 4}f", packed)
    return None


class EmbeddingsAPI:
    """`POST /v1/embeddings`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def create(
        self,
        *,
        input: str | Sequence[str],
        model: str = "text-embedding-3-small",
        dimensions: int | None = None,
        encoding_format: str | None = None,
        **extra: Any,
    ) -> EmbeddingResult:
        """Embed one or more texts (billed by the gateway); no other side effects."""
        body: dict[str, Any] = {
            "model": model,
            "input": input if isinstance(input, str) else list(input),
        }
        if dimensions is not None:
            body["dimensions"] = dimensions
        if encoding_format is not None:
            body["encoding_format"] = encoding_format
        body.update(extra)
        response = self._http.request("POST", "/v1/embeddings", json_body=body)
        payload = response.json_object()
        items = payload.get("data")
        indexed: list[tuple[int, tuple[float, ...]]] = []
        for position, item in enumerate(items if isinstance(items, list) else []):
            record = as_mapping(item)
            vector = _vector(record.get("embedding"))
            if vector is None:
                raise MalformedResponse(
                    "The gateway sent an embedding the studio cannot read.",
                    request_id=response.request_id,
                )
            index = as_int(record.get("index"))
            indexed.append((position if index is None else index, vector))
        if not indexed:
            raise MalformedResponse(
                "The gateway's answer contains no embedding.", request_id=response.request_id
            )
        indexed.sort(key=lambda pair: pair[0])
        return EmbeddingResult(
            vectors=tuple(vector for _index, vector in indexed),
            model=as_text(payload.get("model")) or model,
            usage=parse_usage(payload.get("usage")),
            request_id=response.request_id,
            raw=payload,
        )
