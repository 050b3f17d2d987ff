"""Writing what the gateway said about a task: its progress, and its move to running, ingesting or failed.

Every change is a compare-and-set from the statuses a polled task may be in, so a cancel or a second
poller's answer in between wins, and a success queues the ingest once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.generations.engine import enqueue
from studio.generations.kinds import TIMED_OUT_POLL
from studio.generations.models import POLLED, Generation, Status
from studio.upstream import TaskStatus, TaskView


def poll_interval(generation: Generation, now: datetime) -> timedelta:
    """How long until the next check: soon after submit, then slower as the task ages."""
    base = timedelta(seconds=settings.GENERATION_POLL_INTERVAL)
    if generation.status == Status.TIMED_OUT:
        return TIMED_OUT_POLL
    age = now - (generation.submitted_at or generation.created_at)
    if age < timedelta(minutes=5):
        return base
    if age < timedelta(minutes=20):
        return base * 2
    return base * 4


def apply_task_view(generation: Generation, view: TaskView) -> int:
    """Writes what the gateway said about a task; returns 1 if the generation changed.

    Side effects: status transition (compare-and-set), progress, the event log, and an ingest task
    enqueued when the gateway reports success.
    """
    now = timezone.now()
    next_poll = now + poll_interval(generation, now)
    common: dict[str, Any] = {"poll_count": generation.poll_count + 1, "claim_token": None}
    if view.buttons:
        common["buttons"] = [
            {"custom_id": b.custom_id, "label": b.label, "emoji": b.emoji} for b in view.buttons
        ]
    if view.status == TaskStatus.SUCCEEDED:
        urls = result_candidates(view)
        with transaction.atomic():
            changed = generation.mark_ingesting(
                payload=dict(view.raw) if view.raw else None,
                progress=100,
                result_urls=urls,
                result_text=view.text_result or view.character_username or generation.result_text,
                error_code="",
                error_message="",
                succeeded_at=now,
                next_poll_at=None,
                claim_expires_at=None,
                last_progress_at=now,
                **common,
            )
            if changed:
                enqueue.ingest(generation)
        return int(changed)
    if view.status == TaskStatus.FAILED:
        reason = view.failure_reason or _("The provider reported a failure without a reason.")
        changed = generation.mark_failed(
            "generation_failed",
            _("The provider could not generate this."),
            reason,
            allowed_from=POLLED,
            payload=dict(view.raw) if view.raw else None,
            next_poll_at=None,
            **common,
        )
        return int(changed)
    progress = max(generation.progress, view.progress)
    made_progress = progress > generation.progress
    fields: dict[str, Any] = {
        "progress": progress,
        "next_poll_at": next_poll,
        **common,
    }
    if made_progress:
        fields["last_progress_at"] = now
    if view.status == TaskStatus.RUNNING and generation.status == Status.SUBMITTED:
        return int(generation.mark_running(payload=_raw(view), **fields))
    updated = Generation.objects.filter(pk=generation.pk, status__in=POLLED).update(
        updated_at=now if made_progress else generation.updated_at, **fields
    )
    return int(bool(updated) and made_progress)


def result_candidates(view: TaskView) -> list[str]:
    """Every address the gateway gave for the task's one result, best first (download, then display).

    The gateway often repeats one file under several keys (`fail_reason`, `videoUrl`, a download link);
    they are alternatives for the same result, tried in order, never separate results.
    """
    ordered = [view.download_url, view.display_url, *view.result_urls]
    return list(dict.fromkeys(url for url in ordered if url))


def _raw(view: TaskView) -> dict[str, object] | None:
    return dict(view.raw) if view.raw else None
