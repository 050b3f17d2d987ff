"""The first price sync runs a minute after migrating, not an hour: a new studio (the demo's sandbox team)
showed "price unknown" on every card for its first hour."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "costs: sync prices"
FIRST_RUN_AFTER = timedelta(minutes=1)


def sync_prices_soon(apps, schema_editor):  # type: ignore[no-untyped-def]
    soon = timezone.now() + FIRST_RUN_AFTER
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME, next_run__gt=soon).update(
        next_run=soon
    )


class Migration(migrations.Migration):
    dependencies = [
        ("costs", "0003_spend_counter_per_team"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(sync_prices_soon, migrations.RunPython.noop)]
