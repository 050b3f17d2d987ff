"""Background work of costs: the price sync, run hourly by the task queue's scheduler."""

from __future__ import annotations

import logging

from studio.accounts.gateway import client_for
from studio.accounts.models import Team
from studio.costs import services
from studio.upstream import UpstreamError

logger = logging.getLogger(__name__)


def sync_all_prices() -> int:
    """Refreshes the price list of every team that uses costs; a gateway that is down keeps its last list.

    Returns how many teams were refreshed.
    """
    refreshed = 0
    for team in Team.objects.filter(cost_settings__isnull=False):
        try:
            services.sync_prices(team=team, client=client_for(team))
        except UpstreamError as exc:
            logger.info("Price sync of team %s failed: %s", team.pk, exc)
            continue
        refreshed += 1
    return refreshed
