"""How the client maps gateway failures to errors a user can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from studio.upstream import (
    AuthenticationFailed,
    BadRequest,
    GatewayUnavailable,
    MalformedResponse,
    ModelNotAvailable,
    NotSentTimeout,
    OutcomeUnknown,
    PermissionDenied,
    QuotaExhausted,
    RateLimited,
    TaskNotFound,
    UpstreamError,
)
from tests.upstream.fakes import API_KEY, REQUEST_ID, FakeGateway, json_response, raising


def envelope(message: str, error_type: str = "new_api_error", code: str = "") -> dict[str, object]:
    return {"error": {"message": message, "type": error_type, "param": "", "code": code}}


def call_models(gateway: FakeGateway) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        gateway.client().models.list()
    return caught.value


def call_submit(gateway: FakeGateway) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        gateway.client().video.create(model="veo3-fast", prompt="a paper boat")
    return caught.value


def test_error_is_authentication_failed_when_key_is_invalid():
    gateway = FakeGateway(json_response(envelope(f"无效的令牌 (request id: {REQUEST_ID})"), 401))

    error = call_models(gateway)

    assert isinstance(error, AuthenticationFailed)
    assert error.code == "authentication_failed"
    assert error.status_code == 401
    assert error.retryable is False
    assert error.gateway_message == f"无效的令牌 (request id: {REQUEST_ID})"


def test_error_is_quota_exhausted_when_key_quota_is_used_up():
    message = "该令牌额度已用尽 TokenStatusExhausted[sk-xxx***xxx] (request id: 20250828120101Ab)"
    gateway = FakeGateway(json_response(envelope(message), 401))

    error = call_models(gateway)

    assert isinstance(error, QuotaExhausted)
    assert error.code == "quota_exhausted"


def test_error_is_quota_exhausted_when_code_is_insufficient_user_quota():
    gateway = FakeGateway(
        json_response(envelope("用户额度不足, 剩余额度: ＄0.01", code="insufficient_user_quota"), 403)
    )

    assert isinstance(call_submit(gateway), QuotaExhausted)


def test_error_is_model_not_available_when_key_may_not_use_the_model():
    gateway = FakeGateway(json_response(envelope("该令牌无权访问模型 veo3-pro"), 403))

    error = call_submit(gateway)

    assert isinstance(error, ModelNotAvailable)
    assert "veo3-pro" in error.message


def test_error_is_model_not_available_when_no_channel_serves_the_model():
    message = "当前分组 default 下对于模型 veo3-pro 无可用渠道"
    gateway = FakeGateway(json_response(envelope(message, code="model_not_found"), 503))

    assert isinstance(call_submit(gateway), ModelNotAvailable)


def test_no_available_channel_is_a_capacity_answer_but_a_forbidden_model_is_not():
    no_channel = FakeGateway(
        json_response(
            envelope("当前分组 default 下对于模型 veo3-pro 无可用渠道", code="model_not_found"), 503
        )
    )
    forbidden = FakeGateway(json_response(envelope("该令牌无权访问模型 veo3-pro"), 403))

    assert call_submit(no_channel).is_capacity
    assert not call_submit(forbidden).is_capacity


def test_rate_limit_without_retry_after_is_a_capacity_answer():
    gateway = FakeGateway(json_response(envelope("当前分组上游负载已饱和，请稍后再试"), 429))

    error = call_submit(gateway)

    assert error.is_capacity
    assert getattr(error, "retry_after", "missing") is None


def test_error_is_permission_denied_when_ip_is_not_allowed():
    gateway = FakeGateway(json_response(envelope("您的 IP 不在令牌允许访问的列表中"), 403))

    assert isinstance(call_models(gateway), PermissionDenied)


def test_error_is_rate_limited_with_retry_after_seconds():
    gateway = FakeGateway(
        json_response(
            envelope("当前分组上游负载已饱和，请稍后再试", "upstream_error"),
            429,
            headers={"Retry-After": "17"},
        )
    )

    error = call_submit(gateway)

    assert isinstance(error, RateLimited)
    assert error.retry_after == 17.0
    assert error.retryable is True


def test_error_is_rate_limited_with_retry_after_from_http_date():
    later = datetime.now(UTC) + timedelta(seconds=120)
    gateway = FakeGateway(
        json_response(envelope("busy"), 429, headers={"Retry-After": format_datetime(later, True)})
    )

    error = call_submit(gateway)

    assert isinstance(error, RateLimited)
    assert error.retry_after is not None
    assert 100 < error.retry_after <= 120


def test_error_is_rate_limited_without_retry_after_when_header_is_missing():
    gateway = FakeGateway(json_response(envelope("busy"), 429))

    error = call_submit(gateway)

    assert isinstance(error, RateLimited)
    assert error.retry_after is None


@pytest.mark.parametrize("status_code", [500, 502, 503])
def test_error_is_gateway_unavailable_when_gateway_fails(status_code):
    gateway = FakeGateway(json_response(envelope("bad gateway", "upstream_error"), status_code))

    error = call_submit(gateway)

    assert isinstance(error, GatewayUnavailable)
    assert error.retryable is True
    assert error.status_code == status_code


def test_error_is_gateway_unavailable_when_proxy_answers_with_html():
    gateway = FakeGateway(httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>"))

    error = call_models(gateway)

    assert isinstance(error, GatewayUnavailable)
    # A body that is not the gateway's error envelope is described, never quoted.
    assert error.gateway_message == "The gateway answered 502 at /v1/models."
    assert "Bad Gateway" not in error.message


def test_error_is_bad_request_with_chinese_message_preserved_verbatim():
    message = f"无效的请求, 参数 prompt 不能为空 (request id: {REQUEST_ID})"
    gateway = FakeGateway(json_response(envelope(message, "invalid_request_error"), 400))

    error = call_submit(gateway)

    assert type(error) is BadRequest
    assert error.gateway_message == message
    assert error.request_id == REQUEST_ID
    assert "无效的请求, 参数 prompt 不能为空" in error.message
    assert "request id" not in error.message


def test_error_request_id_is_read_from_message_when_header_is_missing():
    response = httpx.Response(400, json=envelope("无效的请求 (request id: 2025082812AbCd)"))
    gateway = FakeGateway(response)

    assert call_submit(gateway).request_id == "2025082812AbCd"


def test_error_is_task_not_found_for_task_envelope():
    gateway = FakeGateway(
        json_response({"code": "task_not_exist", "message": "task_not_exist", "data": None}, 400)
    )

    with pytest.raises(TaskNotFound) as caught:
        gateway.client().video.get("bf5b1f94")

    assert caught.value.gateway_message == "task_not_exist"


def test_error_is_not_implemented_bad_request_for_501():
    gateway = FakeGateway(json_response(envelope("API not implemented", code="api_not_implemented"), 501))

    error = call_submit(gateway)

    assert isinstance(error, BadRequest)
    assert error.code == "not_implemented"
    assert error.retryable is False


def test_error_is_malformed_response_when_success_body_is_not_json():
    gateway = FakeGateway(httpx.Response(200, text="<html>maintenance</html>"))

    error = call_submit(gateway)

    assert isinstance(error, MalformedResponse)
    assert error.code == "malformed_response"
    assert error.gateway_message == "The gateway answered 200 at /v1/video/generations, not JSON."


def test_error_is_malformed_response_when_gateway_redirects():
    gateway = FakeGateway(httpx.Response(302, headers={"Location": "https://elsewhere.test/"}))

    error = call_models(gateway)

    assert isinstance(error, MalformedResponse)
    assert error.code == "unexpected_redirect"
    assert len(gateway.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.PoolTimeout("no free connection"),
        httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
    ],
)
def test_error_is_not_sent_when_request_never_reached_gateway(failure):
    gateway = FakeGateway(raising(failure))

    error = call_submit(gateway)

    assert isinstance(error, NotSentTimeout)
    assert error.code == "not_sent"
    assert error.retryable is True


def test_error_is_connection_refused_and_final_when_nothing_listens_at_the_gateway():
    gateway = FakeGateway(raising(httpx.ConnectError("[Errno 111] Connection refused")))

    error = call_submit(gateway)

    assert isinstance(error, NotSentTimeout)
    assert error.code == "connection_refused"
    assert error.retryable is False
    assert "Connection refused" in error.gateway_message


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.RemoteProtocolError("server disconnected without sending a response"),
        httpx.ReadError("connection reset"),
    ],
)
def test_error_is_outcome_unknown_when_submit_got_no_answer(failure):
    gateway = FakeGateway(raising(failure))

    error = call_submit(gateway)

    assert isinstance(error, OutcomeUnknown)
    assert error.code == "outcome_unknown"
    assert error.retryable is False


def test_error_outcome_unknown_is_retryable_when_request_was_a_read():
    gateway = FakeGateway(raising(httpx.ReadTimeout("read timed out")))

    error = call_models(gateway)

    assert isinstance(error, OutcomeUnknown)
    assert error.retryable is True


def test_error_is_outcome_unknown_when_front_proxy_times_out_on_submit():
    gateway = FakeGateway(httpx.Response(524, text="A timeout occurred"))

    error = call_submit(gateway)

    assert isinstance(error, OutcomeUnknown)
    assert error.retryable is False


def test_error_repr_and_message_never_contain_the_api_key():
    gateway = FakeGateway(json_response(envelope(f"无效的令牌 {API_KEY}"), 401))

    error = call_models(gateway)

    assert API_KEY not in repr(error)
    assert API_KEY not in str(error)
    assert API_KEY not in error.gateway_message
    assert "AuthenticationFailed" in repr(error)


def test_error_keeps_mapping_when_error_body_is_very_large():
    gateway = FakeGateway(httpx.Response(503, text="<html>" + "x" * 200_000 + "</html>"))

    error = call_models(gateway)

    assert isinstance(error, GatewayUnavailable)
    assert len(error.gateway_message) <= 500
