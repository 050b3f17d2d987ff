"""A fake gateway for client tests: `httpx.MockTransport` answering with canned responses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from studio.upstream import GatewayClient

API_KEY = "sk-test-0123456789abcdef"
BASE_URL = "http://gateway.test/sandbox"
REQUEST_ID = "20250828120101AbCdEfGh"


class FakeGateway:
    """Answers each request with the next canned response and records what it received."""

    def __init__(self, *responses: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self._responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self._responses.pop(0) if len(self._responses) > 1 else self._responses[0]
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)

    def client(self, **options: Any) -> GatewayClient:
        return GatewayClient(BASE_URL, API_KEY, transport=httpx.MockTransport(self), **options)


def json_response(
    payload: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    all_headers = {"X-Oneapi-Request-Id": REQUEST_ID, **(headers or {})}
    return httpx.Response(status_code, json=payload, headers=all_headers)


def sse_response(lines: Iterable[str]) -> httpx.Response:
    body = "".join(f"{line}\n" for line in lines).encode()
    return httpx.Response(
        200,
        content=body,
        headers={"Content-Type": "text/event-stream", "X-Oneapi-Request-Id": REQUEST_ID},
    )


def sse_chunks(*texts: str, model: str = "gpt-4o-mini") -> list[str]:
    """SSE lines for a chat stream that sends `texts` as deltas and then finishes."""
    lines = []
    for text in texts:
        chunk = {
            "id": "chatcmpl-7a1c0f",
            "object": "chat.completion.chunk",
            "created": 1756312400,
            "model": model,
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }
        lines += [f"data: {json.dumps(chunk, ensure_ascii=False)}", ""]
    final = {
        "id": "chatcmpl-7a1c0f",
        "object": "chat.completion.chunk",
        "created": 1756312400,
        "model": model,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    return [*lines, f"data: {json.dumps(final)}", "", "data: [DONE]", ""]


def raising(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


def chat_answer(text: str, model: str = "gpt-4o-image") -> httpx.Response:
    return json_response(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1756312400,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 200, "total_tokens": 210},
        }
    )
