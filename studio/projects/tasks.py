"""Background work of the history (django-q2): thin functions that take ids and call one service each.

Exports are queued by dotted path in `exports.queue_zip_export`, so no service imports this module.
"""

from __future__ import annotations

from studio.projects import exports, history


def build_zip_export(export_id: int) -> None:
    """Builds a queued ZIP export."""
    exports.build_zip_export(export_id)


def purge_trash() -> int:
    """Deletes for good what stayed in the trash past the retention period."""
    return history.purge_expired_trash()
