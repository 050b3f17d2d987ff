"""Failures over real HTTP: each error status on each surface, bad keys, broken bodies, silence, no server."""

from __future__ import annotations

import socket

import pytest

from studio.upstream import (
    AuthenticationFailed,
    BadRequest,
    GatewayClient,
    GatewayUnavailable,
    MalformedResponse,
    NotSentTimeout,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    Timeouts,
    user_message,
)
from tests.upstream.conftest import LOOPBACK_POLICY

# One call per surface, each with its own error envelope: OpenAI (A), task (B), Midjourney (C) and the
# video-content proxy (D).
SURFACES = {
    "chat": lambda client: client.chat.create(model="gpt-4o-mini", messages=[user_message("hi")]),
    "video": lambda client: client.video.get("00000000-0000-0000-0000-000000000000"),
    "video create": lambda client: client.video.create(model="veo3-fast", prompt="a boat"),
    "sora": lambda client: client.sora.get_video("video_0000"),
    "sora download": lambda client: client.sora.download("video_0000"),
    "midjourney": lambda client: client.midjourney.imagine(prompt="a lighthouse"),
}


@pytest.fixture(params=SURFACES.values(), ids=SURFACES.keys())
def call(request):
    return request.param


@pytest.mark.parametrize("key", ["sk-invalid-123", ""], ids=["unknown key", "no key"])
def test_gateway_raises_authentication_failed_for_a_bad_key(gateway_for, call, key):
    with pytest.raises(AuthenticationFailed) as caught:
        call(gateway_for(key))

    assert caught.value.status_code == 401
    assert caught.value.gateway_message.startswith(("无效的令牌", "未提供令牌"))
    assert caught.value.request_id


def test_gateway_raises_rate_limited_with_retry_after_on_429(gateway_for, call):
    with pytest.raises(RateLimited) as caught:
        call(gateway_for("sk-test-fault-429-7"))

    assert caught.value.retry_after == 7.0
    assert caught.value.retryable
    assert caught.value.status_code == 429
    assert "当前分组上游负载已饱和" in caught.value.gateway_message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_gateway_raises_gateway_unavailable_on_server_errors(gateway_for, call, status):
    with pytest.raises(GatewayUnavailable) as caught:
        call(gateway_for(f"sk-test-fault-{status}"))

    assert caught.value.status_code == status
    assert caught.value.retryable
    assert caught.value.request_id


@pytest.mark.parametrize(("status", "error"), [(400, BadRequest), (403, PermissionDenied)])
def test_gateway_raises_the_client_error_of_the_status(gateway_for, call, status, error):
    with pytest.raises(error) as caught:
        call(gateway_for(f"sk-test-fault-{status}"))

    assert caught.value.status_code == status
    assert not caught.value.retryable


def test_gateway_raises_malformed_response_for_a_body_that_is_not_json(gateway_for, call):
    with pytest.raises(MalformedResponse) as caught:
        call(gateway_for("sk-test-fault-malformed"))

    assert caught.value.status_code == 200
    # The broken body is described by status and path, never quoted back.
    assert caught.value.gateway_message.startswith("The gateway answered 200 at /")
    assert '{"code"' not in caught.value.gateway_message


def test_chat_stream_raises_malformed_response_for_a_body_that_is_not_json(gateway_for):
    client = gateway_for("sk-test-fault-malformed")

    with (
        pytest.raises(MalformedResponse),
        client.chat.stream(model="gpt-4o-mini", messages=[user_message("hi")]) as stream,
    ):
        list(stream)


def test_models_list_raises_malformed_response_for_a_body_that_is_not_json(gateway_for):
    with pytest.raises(MalformedResponse):
        gateway_for("sk-test-fault-malformed").models.list()


def test_chat_create_raises_outcome_unknown_when_the_answer_is_too_slow(gateway_for):
    client = gateway_for("sk-test-fault-slow-1", timeouts=Timeouts(chat_read=0.2))

    with pytest.raises(OutcomeUnknown) as caught:
        client.chat.create(model="gpt-4o-mini", messages=[user_message("hi")])

    # The request was sent and may have been billed: a submit is never safe to repeat on its own.
    assert not caught.value.retryable
    assert caught.value.status_code is None


def test_models_list_raises_retryable_outcome_unknown_when_the_gateway_holds_the_request(gateway_for):
    client = gateway_for("sk-test-fault-timeout-1", timeouts=Timeouts(read=0.2))

    with pytest.raises(OutcomeUnknown) as caught:
        client.models.list()

    assert caught.value.retryable


def test_video_create_raises_outcome_unknown_when_a_proxy_gives_up_with_504(gateway_for):
    client = gateway_for("sk-test-fault-timeout-0.1")

    with pytest.raises(OutcomeUnknown) as caught:
        client.video.create(model="veo3-fast", prompt="a boat")

    assert caught.value.status_code == 504
    assert not caught.value.retryable


def test_gateway_raises_not_sent_timeout_when_nothing_listens():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port was free a moment ago and nothing listens on it now: the connection is refused.
    with (
        GatewayClient(
            f"http://127.0.0.1:{port}/sandbox",
            "sk-test",
            timeouts=Timeouts(connect=1.0),
            policy=LOOPBACK_POLICY,
        ) as client,
        pytest.raises(NotSentTimeout) as caught,
    ):
        client.video.create(model="veo3-fast", prompt="a boat")

    # Nothing was sent, and waiting will not open the port: the studio says so at once (issue 14).
    assert caught.value.code == "connection_refused"
    assert not caught.value.retryable
    assert "refused" in caught.value.gateway_message.lower()
