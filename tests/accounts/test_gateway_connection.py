""" "Test connection" asks the team's gateway for its models over real HTTP (the sandbox on loopback)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studio.accounts import services
from studio.accounts.models import Team, User


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
