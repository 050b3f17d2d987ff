"""Fixtures for costs: the sandbox on loopback (shared with the engine's tests) and the sandbox's prices."""

from __future__ import annotations

import pytest

from studio.accounts.models import Team
from studio.costs.services import _store_price_list
from studio.sandbox import pricing
from studio.upstream.pricing import parse_price_list
from tests.generations.conftest import drive, sandbox, sandbox_project

__all__ = ["drive", "sandbox", "sandbox_project"]


@pytest.fixture
def priced_team(team: Team) -> Team:
    """The team with the sandbox gateway's price list, as a sync would store it."""
    _store_price_list(team=team, price_list=parse_price_list(pricing.price_list()), source_url="sandbox")
    return team
