"""Tells a generation's creator when a long generation ends (inside the status change's own transaction)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.dispatch import receiver

from studio.generations.models import Generation, Status, status_changed
from studio.notifications.models import NotificationKind
from studio.notifications.services import notify

# A generation that ends sooner was most likely watched on its card; only longer ones are worth a notice.
LONG_GENERATION = timedelta(seconds=30)
ENDINGS = {
    Status.SUCCEEDED: NotificationKind.GENERATION_FINISHED,
    Status.FAILED: NotificationKind.GENERATION_FAILED,
}


def title_of(generation: Generation) -> str:
    """What the notification calls the generation: the start of its prompt, or its kind and number."""
    prompt = " ".join(generation.prompt.split())
    return prompt[:60] + "…" if len(prompt) > 60 else prompt or str(generation)


@receiver(status_changed, sender=Generation, dispatch_uid="notifications-generation-ended")
def notify_long_generation_ended(
    sender: type[Generation], *, generation: Generation, status: str, fields: dict[str, Any], **kwargs: Any
) -> None:
    kind = ENDINGS.get(Status(status))
    if kind is None or generation.created_by is None:
        return
    finished_at = fields.get("finished_at")
    if finished_at is None or finished_at - generation.created_at < LONG_GENERATION:
        return
    params = {"title": title_of(generation)}
    if kind == NotificationKind.GENERATION_FAILED:
        params["reason"] = str(fields.get("error_message") or generation.error_code or "")
    notify(
        recipients=[generation.created_by],
        team=generation.team,
        kind=kind,
        target=generation,
        params=params,
    )
