"""The client object: sharing, configuration and secrecy."""

from __future__ import annotations

import threading

import httpx

from studio.upstream import GatewayClient, close_clients, get_client
from studio.upstream.transport import CallKind, Timeouts
from tests.upstream.fakes import API_KEY, FakeGateway, json_response


def test_get_client_returns_one_client_per_gateway_and_key():
    transport = httpx.MockTransport(FakeGateway(json_response([])))
    try:
        first = get_client("http://gateway.test", API_KEY, transport=transport)
        again = get_client("http://gateway.test/", API_KEY, transport=transport)
        other_key = get_client("http://gateway.test", "sk-other", transport=transport)
        other_gateway = get_client("http://other.test", API_KEY, transport=transport)

        assert first is again
        assert first is not other_key
        assert first is not other_gateway
    finally:
        close_clients()


def test_get_client_is_shared_between_threads():
    transport = httpx.MockTransport(FakeGateway(json_response([])))
    found: list[GatewayClient] = []
    barrier = threading.Barrier(8)

    def fetch() -> None:
        barrier.wait()
        found.append(get_client("http://gateway.test", API_KEY, transport=transport))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(found) == 8
        assert len({id(client) for client in found}) == 1
    finally:
        close_clients()


def test_client_repr_never_contains_the_api_key():
    client = GatewayClient("http://gateway.test", API_KEY)

    assert API_KEY not in repr(client)
    assert "http://gateway.test" in repr(client)
    client.close()


def test_client_strips_v1_from_base_url():
    gateway = FakeGateway(json_response({"data": []}))
    client = GatewayClient("http://gateway.test/sandbox/v1/", API_KEY, transport=httpx.MockTransport(gateway))

    client.models.list()

    assert str(gateway.last.url) == "http://gateway.test/sandbox/v1/models"


def test_client_sends_the_key_without_surrounding_whitespace():
    gateway = FakeGateway(json_response({"data": []}))
    client = GatewayClient("http://gateway.test", f" {API_KEY}\n", transport=httpx.MockTransport(gateway))

    client.models.list()

    assert gateway.last.headers["Authorization"] == f"Bearer {API_KEY}"


def test_client_sends_no_authorization_when_the_key_is_empty():
    gateway = FakeGateway(json_response({"data": []}))
    client = GatewayClient("http://gateway.test", "  ", transport=httpx.MockTransport(gateway))

    client.models.list()

    assert "Authorization" not in gateway.last.headers


def test_client_sets_explicit_timeouts_per_kind_of_call():
    timeouts = Timeouts()

    default = timeouts.for_kind(CallKind.DEFAULT)
    long = timeouts.for_kind(CallKind.LONG)
    upload = timeouts.for_kind(CallKind.UPLOAD)

    assert (default.connect, default.read, default.write, default.pool) == (5.0, 30.0, 30.0, 5.0)
    assert long.read == 600.0
    assert upload.write > default.write


def test_client_uses_long_read_timeout_for_sync_chat_media():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(request.extensions["timeout"])
        return json_response(
            {"choices": [{"message": {"content": "![i](https://x.test/a.png)"}, "finish_reason": "stop"}]}
        )

    client = GatewayClient("http://gateway.test", API_KEY, transport=httpx.MockTransport(handler))

    client.chat_media.generate(model="gpt-4o-image", prompt="a fox")

    assert seen["read"] == 600.0
    assert seen["connect"] == 5.0


def test_client_ignores_environment_and_does_not_follow_redirects():
    client = GatewayClient("http://gateway.test", API_KEY)

    # Environment proxies are only read without an injected transport, so check the settings.
    http_client = client._http._client
    assert http_client.trust_env is False
    assert http_client.follow_redirects is False
    client.close()
