"""Dates as the person asking sees them: days start at midnight in their time zone."""

from datetime import date, datetime, time

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """Midnight of `day` in the user's time zone (active in the request), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
