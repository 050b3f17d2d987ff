""" "Test connection" asks the team's gateway for its models over real HTTP (the sandbox on loopback)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from studio.accounts import services
from studio.accounts.gateway import client_for as client_for_team
from studio.accounts.models import Team, User
from studio.upstream import NotSentTimeout, network


@pytest.fixture
def sandbox_url(live_server, settings) -> str:  # type: ignore[no-untyped-def]
    settings.SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    return str(settings.SANDBOX_BASE_URL)


def test_check_gateway_connection_counts_the_sandboxs_models(sandbox_url: str, team: Team) -> None:
    check = services.check_gateway_connection(team=team)

    assert check.ok
    assert check.model_count > 10
    assert f"offers {check.model_count} models" in check.message


def test_check_gateway_connection_shows_the_gateways_own_error(sandbox_url: str, team: Team) -> None:
    services.update_gateway(team=team, base_url="", api_key="sk-invalid-key")

    check = services.check_gateway_connection(team=team)

    assert not check.ok
    assert "无效的令牌" in check.message


def test_check_gateway_connection_says_when_nothing_answers(team: Team, db: None) -> None:
    services.update_gateway(team=team, base_url="http://127.0.0.1:9", api_key="sk-real-key")

    check = services.check_gateway_connection(team=team)

    assert not check.ok
    assert "Could not reach the gateway" in check.message


def test_team_gateway_test_button_answers_with_the_result_partial(
    sandbox_url: str, team: Team, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("team_gateway_test", args=[team.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert 'id="connection-result"' in response.text
    assert "Connected: the gateway offers" in response.text


def test_team_gateway_test_without_htmx_redirects_with_a_message(
    sandbox_url: str, team: Team, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("team_gateway_test", args=[team.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("team_gateway", args=[team.pk])
    assert "Connected: the gateway offers" in response.text


# --- The gateway's address is checked at every connection, not only when the form is saved. ---------------


class _Listener:
    """A loopback HTTP server that answers every request the same way and counts what reaches it."""

    def __init__(self, host: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.connections = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class CountingServer(ThreadingHTTPServer):
            def verify_request(self, request, client_address) -> bool:  # type: ignore[no-untyped-def]
                listener.connections += 1
                return True

        self.server = CountingServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listen() -> Iterator[Callable[..., _Listener]]:
    listeners: list[_Listener] = []

    def start(
        *,
        host: str = "127.0.0.1",
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> _Listener:
        listener = _Listener(host, status, body, headers or {})
        listeners.append(listener)
        return listener

    yield start
    for listener in listeners:
        listener.close()


def answering(*addresses: str) -> Callable[[str, int], list[network.IPAddress]]:
    """A stand-in for DNS: the one resolver both the form and the client ask."""

    def resolve(host: str, port: int) -> list[network.IPAddress]:
        if host in ("127.0.0.1", "localhost"):
            return [ipaddress.ip_address("127.0.0.1")]
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


SECRET_BODY = b"<html>aws_secret_access_key=AKIAINTERNALSECRET internal admin console</html>"


@pytest.mark.parametrize("internal", ["127.0.0.1", "10.0.0.7", "169.254.169.254"])
def test_gateway_refuses_a_name_that_resolves_to_a_private_address_at_connect_time(
    internal: str, team: Team, user: User, client_for, listen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Something internal listens where the rebound name will point (for 127.0.0.1 it is really reachable).
    inside = listen(status=200, body=SECRET_BODY)
    url = f"https://gateway.rebind.test:{inside.port}"
    monkeypatch.setattr(network, "resolve_addresses", answering("93.184.216.34"))
    saved = client_for(user).post(
        reverse("team_gateway", args=[team.pk]), {"base_url": url, "api_key": "sk-x"}
    )
    assert saved.status_code == 302
    team.refresh_from_db()
    assert team.gateway_base_url == url

    monkeypatch.setattr(network, "resolve_addresses", answering(internal))
    check = services.check_gateway_connection(team=team)

    assert not check.ok
    assert "not a public internet address" in check.message
    assert inside.connections == 0
    assert "AKIAINTERNALSECRET" not in check.message


def test_gateway_client_refuses_a_mixed_answer_with_one_private_address(team: Team, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services.update_gateway(team=team, base_url="https://gateway.rebind.test", api_key="sk-x")
    monkeypatch.setattr(network, "resolve_addresses", answering("93.184.216.34", "169.254.169.254"))

    with pytest.raises(NotSentTimeout) as caught:
        client_for_team(team).models.list()

    assert caught.value.code == "forbidden_address"
    assert not caught.value.retryable


def test_gateway_redirect_to_a_private_address_is_not_followed(team: Team, listen) -> None:  # type: ignore[no-untyped-def]
    # 127.0.0.2 is loopback but not allow-listed: it stands for any internal host.
    internal = listen(host="127.0.0.2", status=200, body=SECRET_BODY)
    redirector = listen(
        status=302,
        body=b"moved to the admin console, token AKIAINTERNALSECRET",
        headers={"Location": f"http://127.0.0.2:{internal.port}/latest/meta-data/"},
    )
    services.update_gateway(team=team, base_url=f"http://127.0.0.1:{redirector.port}", api_key="sk-x")

    check = services.check_gateway_connection(team=team)

    assert not check.ok
    assert redirector.connections == 1
    assert internal.connections == 0
    assert "AKIAINTERNALSECRET" not in check.message
    assert "127.0.0.2" not in check.message
    assert "The gateway answered 302 at /v1/models." in check.message


@pytest.mark.parametrize(
    ("status", "content_type", "reason"),
    [
        (404, "text/html", "The gateway answered 404 at /v1/models."),
        (404, "application/json", "The gateway answered 404 at /v1/models."),
        (500, "text/plain", "The gateway answered 500 at /v1/models."),
        (200, "text/html", "The gateway answered 200 at /v1/models, not JSON."),
    ],
)
def test_test_connection_never_echoes_a_body_that_is_not_the_gateways(
    status: int, content_type: str, reason: str, team: Team, user: User, client_for, listen
) -> None:  # type: ignore[no-untyped-def]
    body = b'{"internal": "AKIAINTERNALSECRET"}' if content_type == "application/json" else SECRET_BODY
    server = listen(status=status, body=body, headers={"Content-Type": content_type})
    services.update_gateway(team=team, base_url=f"http://127.0.0.1:{server.port}", api_key="sk-x")

    response = client_for(user).post(
        reverse("team_gateway_test", args=[team.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert server.connections == 1
    assert "AKIAINTERNALSECRET" not in response.text
    assert "internal admin console" not in response.text
    assert reason in response.text


def test_team_gateway_refuses_plain_http_in_production(
    team: Team, user: User, client_for, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(network, "resolve_addresses", answering("93.184.216.34"))

    response = client_for(user).post(
        reverse("team_gateway", args=[team.pk]), {"base_url": "http://gw.example.com"}
    )

    assert response.status_code == 400
    assert "The address must start with https://" in response.text
    team.refresh_from_db()
    assert team.gateway_base_url == ""


def test_team_gateway_accepts_plain_http_in_development(
    team: Team, user: User, client_for, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    monkeypatch.setattr(network, "resolve_addresses", answering("93.184.216.34"))

    response = client_for(user).post(
        reverse("team_gateway", args=[team.pk]), {"base_url": "http://gw.example.com"}
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.gateway_base_url == "http://gw.example.com"


def test_gateway_client_refuses_a_stored_plain_http_url_in_production(
    team: Team, listen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Saved before the rule (or while DEBUG was on): the connection itself still refuses it.
    monkeypatch.setattr(network, "resolve_addresses", answering("93.184.216.34"))
    services.update_gateway(team=team, base_url="http://gw.example.com", api_key="sk-x")

    check = services.check_gateway_connection(team=team)

    assert not check.ok
    assert "must start with https://" in check.message
