"""The price sync's schedule: hourly, and first a minute after migrating, so a new studio shows prices."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_q.models import Schedule

SCHEDULE_NAME = "costs: sync prices"
soon = importlib.import_module("studio.costs.migrations.0004_first_price_sync_soon")

pytestmark = pytest.mark.django_db


def test_migrating_schedules_an_hourly_price_sync() -> None:
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "studio.costs.tasks.sync_all_prices",
        Schedule.HOURLY,
        -1,
    )


def test_the_first_price_sync_is_moved_up_to_a_minute_after_migrating_and_never_later() -> None:
    Schedule.objects.filter(name=SCHEDULE_NAME).update(next_run=timezone.now() + timedelta(hours=1))
    soon.sync_prices_soon(apps, None)
    moved = Schedule.objects.get(name=SCHEDULE_NAME).next_run
    assert moved <= timezone.now() + timedelta(minutes=1)

    earlier = timezone.now() + timedelta(seconds=5)
    Schedule.objects.filter(name=SCHEDULE_NAME).update(next_run=earlier)
    soon.sync_prices_soon(apps, None)
    assert Schedule.objects.get(name=SCHEDULE_NAME).next_run == earlier
