"""The gateway's model list (`GET /v1/models`), which feeds the studio's catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from studio.upstream.catalogue import Capability, classify_model
from studio.upstream.errors import MalformedResponse
from studio.upstream.payloads import as_mapping, as_text, parse_timestamp
from studio.upstream.transport import GatewayHttp, path_segment


@dataclass(frozen=True)
class ModelInfo:
    id: str
    owned_by: str
    created_at: datetime | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def capabilities(self) -> frozenset[Capability]:
        return classify_model(self.id)


def _model_info(record: Mapping[str, Any]) -> ModelInfo | None:
    model_id = as_text(record.get("id"))
    if not model_id:
        return None
    return ModelInfo(
        id=model_id,
        owned_by=as_text(record.get("owned_by")),
        created_at=parse_timestamp(record.get("created")),
        raw=record,
    )


class ModelsAPI:
    """`GET /v1/models` and `GET /v1/models/{id}`."""

    def __init__(self, http: GatewayHttp) -> None:
        self._http = http

    def list(self) -> tuple[ModelInfo, ...]:
        """List the models this key may use; no side effects."""
        response = self._http.request("GET", "/v1/models")
        payload = response.json()
        # Older gateways answer with a bare array; newer ones with {"data": [...]}.
        items = payload if isinstance(payload, list) else as_mapping(payload).get("data")
        if not isinstance(items, list):
            raise MalformedResponse(
                "The gateway's model list has no `data` array.", request_id=response.request_id
            )
        models = (_model_info(as_mapping(item)) for item in items)
        unique = {model.id: model for model in models if model is not None}
        return tuple(unique.values())

    def get(self, model_id: str) -> ModelInfo:
        """Read one model's entry; no side effects."""
        response = self._http.request("GET", f"/v1/models/{path_segment(model_id)}")
        payload = response.json_object()
        model = _model_info(as_mapping(payload.get("data")) or payload)
        if model is None:
            raise MalformedResponse("The gateway's model has no id.", request_id=response.request_id)
        return model
