"""Background work of the history (django-q2): thin functions that take ids."""

from __future__ import annotations

from studio.history import exports, services


def build_zip_export(export_id: int) -> None:
    """Builds a queued ZIP export."""
    exports.build_zip_export(export_id)


def purge_trash() -> int:
    """Deletes for good what stayed in the trash past the retention period."""
    return services.purge_expired_trash()
