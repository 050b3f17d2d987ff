"""Requests to the gateway: timeouts per kind of call, and failures mapped to `UpstreamError`."""

from __future__ import annotations

import enum
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from studio.upstream.errors import (
    AuthenticationFailed,
    BadRequest,
    BannedPrompt,
    ContentNotReady,
    GatewayUnavailable,
    MalformedResponse,
    ModelNotAvailable,
    NoAvailableChannel,
    NotSentTimeout,
    OutcomeUnknown,
    PermissionDenied,
    QueueFull,
    QuotaExhausted,
    RateLimited,
    TaskNotFound,
    UpstreamError,
)
from studio.upstream.network import AddressPolicy, CheckedTransport, ForbiddenAddress
from studio.upstream.payloads import as_int, as_mapping, as_text

logger = logging.getLogger("studio.upstream")

REQUEST_ID_HEADER = "X-Oneapi-Request-Id"
_REQUEST_ID_IN_MESSAGE = re.compile(r"\s*\(request id: ([^)]+)\)\s*$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_TASK_NOT_FOUND_MARKERS = (
    "task_not_exist",
    "task_not_found",
    "task_no_found",
    "midjourney_task_not_found",
    "task not found",
    "任务不存在",
)
_QUOTA_CODES = frozenset({"insufficient_user_quota", "insufficient_quota", "quota_not_enough"})
_QUOTA_MARKERS = ("额度已用尽", "额度不足", "余额不足", "quota_not_enough", "insufficient_quota")
_MODEL_MARKERS = ("无权访问模型", "无可用渠道", "model_not_found", "model not found")
# "No channel available": every channel serving the model is disabled or out of keys for now.
_NO_CHANNEL_MARKERS = ("无可用渠道", "channel_no_available_key", "no available channel")
_NOT_READY_MARKERS = ("not completed yet", "not finished", "未完成")
# Status codes a front proxy uses when it gave up waiting for the gateway, which may still be
# working on the request.
_PROXY_TIMEOUT_STATUSES = frozenset({504, 524})


class CallKind(enum.Enum):
    """The kind of call, which decides its timeouts."""

    DEFAULT = "default"
    SUBMIT = "submit"
    CHAT = "chat"
    IMAGE = "image"
    LONG = "long"
    UPLOAD = "upload"
    DOWNLOAD = "download"


@dataclass(frozen=True)
class Timeouts:
    """Seconds per phase; `long_read` covers sync chat-format media and streams."""

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0
    submit_read: float = 60.0
    chat_read: float = 120.0
    image_read: float = 180.0
    long_read: float = 600.0
    upload_read: float = 180.0
    upload_write: float = 120.0
    download_read: float = 60.0

    def for_kind(self, kind: CallKind) -> httpx.Timeout:
        read, write = {
            CallKind.DEFAULT: (self.read, self.write),
            CallKind.SUBMIT: (self.submit_read, self.write),
            CallKind.CHAT: (self.chat_read, self.write),
            CallKind.IMAGE: (self.image_read, self.write),
            CallKind.LONG: (self.long_read, self.write),
            CallKind.UPLOAD: (self.upload_read, self.upload_write),
            CallKind.DOWNLOAD: (self.download_read, self.write),
        }[kind]
        return httpx.Timeout(connect=self.connect, read=read, write=write, pool=self.pool)


OTHER_RATIOS_HEADER = "X-New-Api-Other-Ratios"


def parse_other_ratios(header: str | None) -> dict[str, float] | None:
    """The billing ratios newer gateways send on a task's create (`{"seconds":8}`); None when absent or
    unreadable, and only positive numbers are kept."""
    if not header:
        return None
    try:
        decoded = json.loads(header)
    except ValueError:
        return None
    if not isinstance(decoded, dict):
        return None
    ratios = {
        str(name): float(value)
        for name, value in decoded.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    }
    return ratios or None


@dataclass(frozen=True)
class GatewayResponse:
    """A successful (2xx) answer, read in full."""

    status_code: int
    content: bytes
    content_type: str
    request_id: str | None
    path: str = ""
    # What the gateway multiplied the price by (`X-New-Api-Other-Ratios`, e.g. {"seconds": 8}), if it said.
    other_ratios: Mapping[str, float] | None = None

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type

    def describe(self, expected: str) -> str:
        """Say what came back instead of `expected`, never quoting a body that may not be the gateway's."""
        return describe_answer(self.status_code, self.path, f"not {expected}")

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedResponse(
                "The gateway's answer is not JSON.",
                status_code=self.status_code,
                gateway_message=self.describe("JSON"),
                request_id=self.request_id,
            ) from error

    def json_object(self) -> Mapping[str, Any]:
        payload = self.json()
        if not isinstance(payload, Mapping):
            raise MalformedResponse(
                "The gateway's answer is not a JSON object.",
                status_code=self.status_code,
                gateway_message=self.describe("a JSON object"),
                request_id=self.request_id,
            )
        return payload


def path_segment(value: str) -> str:
    """Quote an id for use as one path segment (Veo ids contain ':', which is allowed)."""
    return quote(value.strip(), safe=":@")


class GatewayHttp:
    """The shared HTTP core of one gateway client: one `httpx.Client`, error mapping, logging."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeouts: Timeouts,
        transport: httpx.BaseTransport | None = None,
        policy: AddressPolicy | None = None,
        max_connections: int = 20,
        user_agent: str = "aitre-studio",
    ) -> None:
        self.base_url = base_url
        self.timeouts = timeouts
        # A pasted key often ends in a newline; an empty one is sent as no key at all, so the gateway
        # answers 401 instead of httpx refusing the header before anything is sent.
        api_key = api_key.strip()
        self._secret = api_key
        headers = {"User-Agent": user_agent}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if transport is None:
            # The team chose this address: every connection is checked against the address policy (a
            # strict one unless the caller passes its own), and made to the address that was checked.
            transport = CheckedTransport(policy=policy or AddressPolicy(), limits=limits)
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=timeouts.for_kind(CallKind.DEFAULT),
            limits=limits,
            transport=transport,
            trust_env=False,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"GatewayHttp(base_url={self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        kind: CallKind = CallKind.DEFAULT,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        max_bytes: int | None = None,
    ) -> GatewayResponse:
        """Send one request and read the whole answer; raise `UpstreamError` unless it is 2xx."""
        with self.stream(
            method, path, kind=kind, json_body=json_body, params=params, data=data, files=files
        ) as response:
            request_id = response.headers.get(REQUEST_ID_HEADER)
            with translate_transport_errors(method, request_id):
                content = _read_capped(response, max_bytes, request_id)
            return GatewayResponse(
                status_code=response.status_code,
                content=content,
                content_type=response.headers.get("content-type", "").lower(),
                request_id=request_id,
                path=_path_only(path),
                other_ratios=parse_other_ratios(response.headers.get(OTHER_RATIOS_HEADER)),
            )

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        kind: CallKind = CallKind.DEFAULT,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    ) -> Iterator[httpx.Response]:
        """Open a streamed answer; non-2xx answers are read and raised as `UpstreamError`."""
        started = datetime.now(UTC)
        with (
            translate_transport_errors(method, None),
            self._client.stream(
                method,
                path,
                json=json_body,
                params=params,
                data=data,
                files=files,
                timeout=self.timeouts.for_kind(kind),
            ) as response,
        ):
            request_id = response.headers.get(REQUEST_ID_HEADER)
            logger.debug(
                "gateway %s %s -> %s in %.2fs (request id %s)",
                method,
                path,
                response.status_code,
                (datetime.now(UTC) - started).total_seconds(),
                request_id,
            )
            if not response.is_success:
                content = _read_prefix(response, 64_000)
                raise error_from_response(
                    status_code=response.status_code,
                    headers=response.headers,
                    content=content,
                    method=method,
                    secret=self._secret,
                    path=_path_only(path),
                )
            yield response


def _path_only(path: str) -> str:
    return path.split("?", 1)[0]


def describe_answer(status_code: int, path: str, note: str = "") -> str:
    """A classified reason for an answer that is not in the gateway's format: status and path, no body."""
    where = f" at {path}" if path else ""
    detail = f", {note}" if note else ""
    return f"The gateway answered {status_code}{where}{detail}."


def _read_capped(response: httpx.Response, max_bytes: int | None, request_id: str | None) -> bytes:
    if max_bytes is None:
        return response.read()
    declared = as_int(response.headers.get("content-length"))
    if declared is not None and declared > max_bytes:
        raise _too_large(response.status_code, max_bytes, request_id)
    chunks: list[bytes] = []
    received = 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise _too_large(response.status_code, max_bytes, request_id)
        chunks.append(chunk)
    return b"".join(chunks)


def _read_prefix(response: httpx.Response, limit: int) -> bytes:
    """Read at most `limit` bytes of an error body; proxies can answer with large HTML pages."""
    content = b""
    for chunk in response.iter_bytes():
        content += chunk
        if len(content) >= limit:
            break
    return content[:limit]


def _too_large(status_code: int, max_bytes: int, request_id: str | None) -> MalformedResponse:
    return MalformedResponse(
        f"The gateway's answer is larger than the {max_bytes} bytes allowed.",
        status_code=status_code,
        request_id=request_id,
        code="too_large",
    )


@contextmanager
def translate_transport_errors(method: str, request_id: str | None) -> Iterator[None]:
    """Turn httpx transport failures into "not sent" (safe to retry) or "outcome unknown"."""
    try:
        yield
    except ForbiddenAddress as error:
        raise NotSentTimeout(
            error.message, request_id=request_id, retryable=False, code=error.code
        ) from error
    except httpx.ConnectError as error:
        # Nothing listens at that address (a wrong port, a server that is down): waiting will not help.
        if "refused" in str(error).lower():
            raise NotSentTimeout(
                "The gateway refused the connection; nothing was sent.",
                request_id=request_id,
                gateway_message=str(error),
                retryable=False,
                code="connection_refused",
            ) from error
        raise NotSentTimeout(request_id=request_id, gateway_message=type(error).__name__) from error
    except (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as error:
        raise NotSentTimeout(request_id=request_id, gateway_message=type(error).__name__) from error
    except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as error:
        raise NotSentTimeout(
            "The gateway URL or request is invalid; nothing was sent.",
            request_id=request_id,
            gateway_message=str(error),
            retryable=False,
            code="invalid_request_url",
        ) from error
    except httpx.DecodingError as error:
        raise MalformedResponse(request_id=request_id, gateway_message=str(error)) from error
    except httpx.TransportError as error:
        # Read/write timeouts, dropped connections and protocol errors after the request left:
        # the gateway may have acted on it. Only reads are safe to repeat.
        raise OutcomeUnknown(
            request_id=request_id,
            gateway_message=type(error).__name__,
            retryable=method.upper() in _SAFE_METHODS,
        ) from error


@dataclass(frozen=True)
class _ErrorBody:
    message: str
    type: str
    code: str
    numeric_code: int | None
    properties: Mapping[str, Any]


def _parse_error_body(content: bytes) -> _ErrorBody | None:
    """The gateway's error envelope, or None when the body is not one (an HTML page, other JSON)."""
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    record = as_mapping(payload)
    error = record.get("error")
    if isinstance(error, Mapping):
        return _ErrorBody(
            as_text(error.get("message")),
            as_text(error.get("type")),
            as_text(error.get("code")),
            None,
            {},
        )
    if isinstance(error, str):
        return _ErrorBody(error.strip(), "", error.strip(), None, {})
    if "description" in record:
        # Midjourney envelope: the description usually ends with a space ("<desc> <result>").
        return _ErrorBody(
            as_text(record.get("description")),
            as_text(record.get("type")),
            as_text(record.get("code")),
            as_int(record.get("code")),
            as_mapping(record.get("properties")),
        )
    message = as_text(record.get("message")) or as_text(record.get("detail"))
    code = as_text(record.get("code"))
    if not message and not code:
        return None
    return _ErrorBody(message, "", code, None, {})


def clean_gateway_message(message: str) -> str:
    """Drop the " (request id: ...)" suffix the gateway appends, for showing to users."""
    return _REQUEST_ID_IN_MESSAGE.sub("", message).strip()


def parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header: delay seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    seconds = as_int(text)
    if seconds is not None:
        return float(max(seconds, 0))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def error_from_response(
    *,
    status_code: int,
    headers: httpx.Headers,
    content: bytes,
    method: str,
    secret: str = "",
    path: str = "",
) -> UpstreamError:
    """Map a non-2xx answer to the `UpstreamError` subclass a user can act on.

    Only the gateway's own error envelope is quoted; any other body (a proxy's HTML page, an internal
    server's answer) is never echoed, only described by its status and path.
    """
    body = _parse_error_body(content) or _ErrorBody(describe_answer(status_code, path), "", "", None, {})
    gateway_message = body.message.replace(secret, "***") if secret else body.message
    request_id = headers.get(REQUEST_ID_HEADER)
    if not request_id:
        found = _REQUEST_ID_IN_MESSAGE.search(gateway_message)
        request_id = found.group(1).strip() if found else None
    return classify_error(
        status_code=status_code,
        gateway_message=gateway_message,
        error_code=body.code,
        midjourney_code=body.numeric_code,
        properties=body.properties,
        request_id=request_id,
        method=method,
        retry_after=parse_retry_after(headers.get("retry-after")),
    )


def classify_error(
    *,
    status_code: int | None,
    gateway_message: str,
    error_code: str = "",
    midjourney_code: int | None = None,
    properties: Mapping[str, Any] | None = None,
    request_id: str | None = None,
    method: str = "POST",
    retry_after: float | None = None,
) -> UpstreamError:
    """Choose the error class from the status, the gateway's code and its (often Chinese) text."""
    shown = clean_gateway_message(gateway_message)
    common: dict[str, Any] = {
        "status_code": status_code,
        "gateway_message": gateway_message,
        "request_id": request_id,
    }
    lowered = f"{shown} {error_code}".lower()

    def said(default: str) -> str:
        return f"{default} Gateway said: {shown}" if shown else default

    if midjourney_code == 23:
        return QueueFull(said(QueueFull.default_message), **common)
    if midjourney_code == 24:
        banned_word = as_text(as_mapping(properties).get("bannedWord")) or None
        return BannedPrompt(said(BannedPrompt.default_message), banned_word=banned_word, **common)
    if any(marker in lowered for marker in _TASK_NOT_FOUND_MARKERS):
        return TaskNotFound(said(TaskNotFound.default_message), **common)
    if error_code.lower() in _QUOTA_CODES or any(marker in lowered for marker in _QUOTA_MARKERS):
        return QuotaExhausted(said(QuotaExhausted.default_message), **common)
    if status_code == 401:
        return AuthenticationFailed(said(AuthenticationFailed.default_message), **common)
    if status_code != 403 and any(marker in lowered for marker in _NO_CHANNEL_MARKERS):
        return NoAvailableChannel(said(NoAvailableChannel.default_message), **common)
    if any(marker in lowered for marker in _MODEL_MARKERS):
        return ModelNotAvailable(said(ModelNotAvailable.default_message), **common)
    if status_code == 403:
        return PermissionDenied(said(PermissionDenied.default_message), **common)
    if status_code == 429:
        return RateLimited(said(RateLimited.default_message), retry_after=retry_after, **common)
    if any(marker in lowered for marker in _NOT_READY_MARKERS):
        return ContentNotReady(said(ContentNotReady.default_message), **common)
    if status_code in _PROXY_TIMEOUT_STATUSES:
        return OutcomeUnknown(retryable=method.upper() in _SAFE_METHODS, **common)
    if status_code == 501:
        return BadRequest(
            said("The gateway does not implement this endpoint."), code="not_implemented", **common
        )
    if status_code is not None and status_code >= 500:
        return GatewayUnavailable(said(GatewayUnavailable.default_message), **common)
    if status_code is not None and 300 <= status_code < 400:
        return MalformedResponse(
            "The gateway answered with a redirect; check the gateway base URL.",
            code="unexpected_redirect",
            **common,
        )
    return BadRequest(said(BadRequest.default_message), **common)


def error_from_payload(
    payload: Mapping[str, Any], *, status_code: int, request_id: str | None
) -> UpstreamError | None:
    """Return the error carried inside a 2xx JSON answer (`{"error": ...}`), if there is one."""
    error = payload.get("error")
    if isinstance(error, Mapping) and as_text(error.get("message")):
        return classify_error(
            status_code=None,
            gateway_message=as_text(error.get("message")),
            error_code=as_text(error.get("code")),
            request_id=request_id,
        )
    return None
