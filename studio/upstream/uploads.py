"""Files sent to the gateway in multipart uploads or as `data:` URLs."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileUpload:
    """A file to upload; `content` stays out of `repr()` because it can be megabytes."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str = "application/octet-stream"

    def as_multipart(self) -> tuple[str, bytes, str]:
        return (self.filename, self.content, self.content_type)

    def as_data_url(self) -> str:
        return to_data_url(self.content, self.content_type)


def to_data_url(content: bytes, content_type: str) -> str:
    """Encode bytes as a `data:<type>;base64,...` URL (what Midjourney and chat images take)."""
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"
