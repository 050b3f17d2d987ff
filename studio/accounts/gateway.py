"""The team's gateway as the rest of the studio reaches it: the client a team uses, the addresses it may
connect to, and how a gateway's error reads to a person. Generations, costs and the settings pages all ask
here, so the direction stays one way (accounts below everything that makes or bills generations)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from studio.accounts.models import Team
from studio.lib.gateway_text import STUDIO_STATE_CODES, UNKNOWN_GATEWAY_ERROR, explanation
from studio.upstream import AddressPolicy, GatewayClient, Timeouts, UpstreamError, get_client


def address_policy() -> AddressPolicy:
    """Where the gateway client may connect: the rules result downloads follow, with the same allow-list.

    Plain http goes only to allow-listed hosts (the sandbox's), except in development.
    """
    return AddressPolicy.build(
        allowed_private_hosts=settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS, allow_plain_http=settings.DEBUG
    )


def client_for(team: Team, *, timeouts: Timeouts | None = None) -> GatewayClient:
    """The shared, pooled client of the team's gateway (one per gateway and key per process)."""
    options: dict[str, Any] = {"policy": address_policy()}
    if timeouts is not None:
        options["timeouts"] = timeouts
    return get_client(team.effective_gateway_url, team.effective_api_key, **options)


def explain(exc: UpstreamError) -> str:
    """A sentence a user can act on; the gateway's own words are shown beside it."""
    known = exc.code not in STUDIO_STATE_CODES and explanation(exc.code)
    return known or str(UNKNOWN_GATEWAY_ERROR)
