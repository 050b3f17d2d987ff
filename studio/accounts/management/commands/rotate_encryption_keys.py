"""Re-encrypts every stored gateway key under the newest FIELD_ENCRYPTION_KEYS entry."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from studio.accounts.models import Team


class Command(BaseCommand):
    help = (
        "Re-encrypts stored secrets under the first key of FIELD_ENCRYPTION_KEYS; "
        "afterwards the older keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        with transaction.atomic():
            # Loading decrypts with whichever key matches; saving encrypts with the newest one.
            for team in Team.objects.exclude(gateway_api_key="").select_for_update():
                team.save(update_fields=["gateway_api_key"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} stored key(s) under the newest key.")
