"""The team's audit log: one call records who did what."""

from __future__ import annotations

from typing import Any

from studio.accounts.models import AuditEvent, Team, User


def record_audit(
    *, team: Team | int, actor: User | None, action: str, summary: str, **data: Any
) -> AuditEvent:
    """Appends an event to the team's audit log."""
    team_id = team if isinstance(team, int) else team.pk
    return AuditEvent.objects.create(
        team_id=team_id, actor=actor, action=action, summary=summary[:300], data=data
    )
