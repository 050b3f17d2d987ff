"""Deletes for good the generations that stayed in the trash past TRASH_RETENTION_DAYS."""

from typing import Any

from django.core.management.base import BaseCommand

from studio.history.services import purge_expired_trash


class Command(BaseCommand):
    help = "Deletes for good what stayed in the trash past the retention period (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Deleted {purge_expired_trash()} generations for good.")
