"""Background work of the history (django-q2): thin functions that take ids, and their enqueue helpers."""

from __future__ import annotations

from studio import queue
from studio.projects.models import ZipExport


def build_zip_export(export_id: int) -> None:
    """Builds a queued ZIP export."""
    from studio.projects.exports import build_zip_export as build

    build(export_id)


def purge_trash() -> int:
    """Deletes for good what stayed in the trash past the retention period."""
    from studio.projects.history import purge_expired_trash

    return purge_expired_trash()


def enqueue_zip_export(export: ZipExport) -> None:
    """Queues the export's building once the current transaction commits."""
    queue.enqueue("studio.projects.tasks.build_zip_export", export.pk, task_name=f"zip-{export.pk}")
