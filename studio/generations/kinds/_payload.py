"""What the family modules' request builders share: the answer to a submit, the record's redaction, and
input files as data URLs.

Builders see a generation and its assets through the small protocols below, so this package never
imports the models (the model field takes its choices from `Kind`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from studio.upstream import GatewayClient, TaskView, to_data_url


class InputAsset(Protocol):
    """An input file as a builder reads it (an `Asset`)."""

    @property
    def file(self) -> Any: ...

    @property
    def mime_type(self) -> str: ...


class SubmittedGeneration(Protocol):
    """A generation as a builder reads it (a `Generation`)."""

    @property
    def pk(self) -> Any: ...

    @property
    def model(self) -> str: ...

    @property
    def prompt(self) -> str: ...

    @property
    def params(self) -> Any: ...


@dataclass(frozen=True)
class Submitted:
    """What the gateway answered to a submit: its task id and whatever else it said."""

    task_id: str
    request_id: str | None
    raw: Mapping[str, Any] | None
    view: TaskView | None = None
    notes: tuple[str, ...] = field(default=())
    status_code: int | None = None


Inputs = Mapping[str, Sequence[InputAsset]]
Recorder = Callable[[dict[str, Any]], None]
# Sends one generation of a task kind: records the (redacted) request, then calls the client.
Submitter = Callable[[GatewayClient, SubmittedGeneration, Inputs, Recorder], Submitted]


def redact(value: Any) -> Any:
    """A copy for the record: data URLs become a short description with their size and sha256."""
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value:
        head, data = value.split(",", 1)
        digest = hashlib.sha256(data.encode()).hexdigest()[:16]
        return f"<{head}, {len(data) * 3 // 4} bytes, sha256 {digest}…>"
    if isinstance(value, Mapping):
        return {key: redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def asset_data_url(asset: InputAsset) -> str:
    """The asset's bytes as a `data:` URL (how images go to chat and Midjourney)."""
    with asset.file.open("rb") as handle:
        return to_data_url(handle.read(), asset.mime_type)


def from_view(view: TaskView) -> Submitted:
    return Submitted(
        task_id=view.task_id,
        request_id=view.request_id,
        raw=view.raw,
        view=view,
        status_code=view.status_code,
    )
