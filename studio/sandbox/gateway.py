"""What every sandbox endpoint shares: request ids, API keys, error envelopes and request faults.

`gateway_endpoint(surface)` wraps a view the way new-api's middleware wraps a relay: it gives the response
an `X-Oneapi-Request-Id`, checks the key, applies the request faults, and turns a `GatewayError` raised
anywhere below into the error envelope of the endpoint's surface (contract §1.2).
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from studio.sandbox import config, faults
from studio.sandbox.faults import Faults

P = ParamSpec("P")

RATE_LIMIT_MESSAGE = "当前分组上游负载已饱和，请稍后再试"
MALFORMED_BODY = b'{"code":"success","message":"","data":{"task_id":"'
TIMEOUT_BODY = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Surface(enum.Enum):
    """The families of endpoints, each with its own error envelope."""

    OPENAI = "openai"
    TASK = "task"
    MIDJOURNEY = "midjourney"
    CONTENT = "content"


class GatewayError(Exception):
    """An error answer: rendered in the envelope of `envelope`, or of the endpoint's surface."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | int = "",
        error_type: str = "",
        param: str = "",
        envelope: Surface | None = None,
        is_short: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.error_type = error_type
        self.param = param
        self.envelope = envelope
        self.is_short = is_short
        self.headers = headers or {}


def invalid_request(message: str, *, param: str = "") -> GatewayError:
    """A 400 for a body the upstream rejects, in the surface's envelope."""
    return GatewayError(400, message, code="invalid_request", error_type="invalid_request_error", param=param)


def no_channel(model: str) -> GatewayError:
    """The 503 new-api answers when no channel serves `model` (always envelope A)."""
    return GatewayError(
        503,
        f"当前分组 default 下对于模型 {model} 无可用渠道",
        code="model_not_found",
        error_type="new_api_error",
        envelope=Surface.OPENAI,
    )


@dataclass(frozen=True)
class GatewayCall:
    """One authenticated API call: its id, its key (and the owner digest of that key), its faults."""

    request_id: str
    key: str
    owner: str
    faults: Faults
    surface: Surface

    def read_json(self, request: HttpRequest) -> dict[str, Any]:
        """The request's JSON object body; raises a surface-appropriate 400 if it is not one."""
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise self.bad_body(str(error)) from None
        if not isinstance(body, dict):
            raise self.bad_body("the body must be a JSON object")
        return body

    def bad_body(self, detail: str) -> GatewayError:
        """The error for an unparsable body on this surface."""
        if self.surface is Surface.MIDJOURNEY:
            return GatewayError(400, "bind_request_body_failed", code=4)
        return GatewayError(
            400, f"Invalid request, {detail}", code="invalid_request", error_type="new_api_error"
        )


def new_request_id() -> str:
    """A new-api request id: the time as yyyyMMddHHmmss plus 8 random letters and digits."""
    alphabet = string.ascii_letters + string.digits
    suffix = "".join(secrets.choice(alphabet) for _ in range(8))
    return timezone.now().strftime("%Y%m%d%H%M%S") + suffix


def api_key(request: HttpRequest, surface: Surface) -> str:
    """The key the request carries, wherever new-api would look for it; empty if none."""
    authorization = request.headers.get("Authorization", "").strip()
    if authorization.lower().startswith("bearer "):
        authorization = authorization[7:].strip()
    if surface is Surface.MIDJOURNEY and authorization in {"", "midjourney-proxy"}:
        authorization = request.headers.get("mj-api-secret", "").strip()
    return (
        authorization
        or request.headers.get("x-api-key", "").strip()
        or request.headers.get("x-goog-api-key", "").strip()
        or request.GET.get("key", "").strip()
    )


def owner_of(key: str) -> str:
    """Whose tasks a key sees: a digest of the key, or everybody's when scoping is off."""
    if not config.scopes_tasks_by_key():
        return ""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def error_response(error: GatewayError, surface: Surface, request_id: str) -> HttpResponse:
    """`error` in its envelope: A (OpenAI), B (task), C (Midjourney) or D (video content)."""
    envelope = error.envelope or surface
    payload: dict[str, Any]
    if envelope is Surface.OPENAI:
        inner: dict[str, Any] = {
            "message": f"{error.message} (request id: {request_id})",
            "type": error.error_type or "new_api_error",
        }
        if not error.is_short:
            inner |= {"param": error.param, "code": error.code}
        payload = {"error": inner}
    elif envelope is Surface.TASK:
        payload = {"code": error.code or "invalid_request", "message": error.message, "data": None}
    elif envelope is Surface.MIDJOURNEY:
        code = error.code if isinstance(error.code, int) else 4
        payload = {
            "description": f"{error.message} ",
            "type": error.error_type or "upstream_error",
            "code": code,
        }
    else:
        payload = {"error": {"message": error.message, "type": error.error_type or "server_error"}}
    response = JsonResponse(payload, status=error.status, json_dumps_params={"ensure_ascii": False})
    for name, value in error.headers.items():
        response[name] = value
    return response


def status_fault(status: int, retry_after: int | None, surface: Surface) -> GatewayError:
    """The error an injected HTTP status answers with on `surface`; a 429 carries Retry-After."""
    headers: dict[str, str] = {}
    if status == 429:
        seconds = config.retry_after() if retry_after is None else retry_after
        headers["Retry-After"] = str(seconds)
        message = RATE_LIMIT_MESSAGE
    elif status == 500:
        message = "请求上游地址失败"
    else:
        message = f"bad response status code {status}"
    code: str | int
    if surface is Surface.MIDJOURNEY:
        code = 30 if status == 429 else 5
        if status != 429:
            message = "do_request_failed"
    elif surface is Surface.TASK:
        code = "do_request_failed" if status >= 500 else "fail_to_fetch_task"
    elif status == 429:
        code = ""
    else:
        code = "do_request_failed" if status == 500 else "bad_response_status_code"
    return GatewayError(
        status, message, code=code, error_type="upstream_error", param=str(status), headers=headers
    )


def request_fault_response(request_faults: Faults, surface: Surface) -> HttpResponse | None:
    """Apply the request faults (slow, timeout, malformed, status); the answer that replaces the view's."""
    if request_faults.slow_seconds > 0:
        time.sleep(request_faults.slow_seconds)
    if request_faults.timeout_seconds is not None:
        time.sleep(request_faults.timeout_seconds)
        return HttpResponse(TIMEOUT_BODY, status=504, content_type="text/html")
    if request_faults.status is not None:
        raise status_fault(request_faults.status, request_faults.retry_after, surface)
    if request_faults.is_malformed:
        return HttpResponse(MALFORMED_BODY, content_type="application/json")
    return None


def _authenticate(request: HttpRequest, surface: Surface, request_id: str, *, is_public: bool) -> GatewayCall:
    key = api_key(request, surface)
    if not key and not is_public:
        raise GatewayError(401, "未提供令牌", envelope=Surface.OPENAI, is_short=True)
    try:
        call_faults = faults.from_header(request) if is_public else faults.for_request(request, key)
    except faults.UnknownFault as error:
        raise GatewayError(
            400, f"Unknown sandbox fault {error}", error_type="new_api_error", envelope=Surface.OPENAI
        ) from None
    if call_faults.is_invalid_key:
        raise GatewayError(401, "无效的令牌", envelope=Surface.OPENAI, is_short=True)
    return GatewayCall(request_id, key, owner_of(key), call_faults, surface)


def gateway_endpoint(
    surface: Surface, *, is_public: bool = False
) -> Callable[
    [Callable[Concatenate[HttpRequest, GatewayCall, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Make a view an API endpoint of `surface`: CSRF-exempt, keyed, fault-injected, enveloped.

    A public endpoint (unknown routes, forwarded Midjourney images) needs no key and only honours the
    `X-Sandbox-Fault` header.
    """

    def decorate(
        view: Callable[Concatenate[HttpRequest, GatewayCall, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def endpoint(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            request_id = new_request_id()
            response: HttpResponseBase
            try:
                call = _authenticate(request, surface, request_id, is_public=is_public)
                response = request_fault_response(call.faults, surface) or view(
                    request, call, *args, **kwargs
                )
            except GatewayError as error:
                response = error_response(error, surface, request_id)
            response["X-Oneapi-Request-Id"] = request_id
            return response

        return csrf_exempt(endpoint)

    return decorate


def json_response(payload: Any, *, status: int = 200) -> JsonResponse:
    """A JSON answer that keeps non-ASCII text readable, as the gateway does."""
    return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
