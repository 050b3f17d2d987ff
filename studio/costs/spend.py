"""The spend page's figures: this month's totals by day, project, member, model and kind, as bar charts."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from studio.accounts.models import Team, User
from studio.costs.models import Charge
from studio.costs.services import format_amount
from studio.generations.kinds import Kind

CHART_WIDTH = 640
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 200
MAX_BARS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    amount: int
    text: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 5


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def value_x(self) -> int:
        return self.label_width + 6


def bar_chart(title: str, rows: Iterable[tuple[str, int]], *, keep_order: bool = False) -> BarChart:
    """Horizontal bars, scaled to the largest, longest first (or in the given order); geometry only, drawn
    as SVG by the template."""
    cleaned = [(label, amount or 0) for label, amount in rows]
    ordered = cleaned if keep_order else sorted(cleaned, key=lambda row: -row[1])[:MAX_BARS]
    largest = max((amount for _label, amount in ordered), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 90
    bars = [
        Bar(
            label=label[:32],
            amount=amount,
            text=format_amount(amount),
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=max(1, int(room * amount / largest)) if amount > 0 else 0,
        )
        for index, (label, amount) in enumerate(ordered)
    ]
    return BarChart(title=title, bars=bars, height=max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP))


def month_bounds(today: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The start of this month and of the next, as aware datetimes in the team's time zone."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, zone), datetime.combine(following, time.min, zone)


@dataclass(frozen=True)
class Spend:
    total: int
    count: int
    estimated: int
    by_day: BarChart
    by_project: BarChart
    by_member: BarChart
    by_model: BarChart
    by_kind: BarChart
    month: date


def team_charges(team: Team, *, member: User | None) -> Any:
    """The team's charges, or only one member's (members see their own spend)."""
    charges = Charge.objects.for_team(team)
    return charges.filter(user=member) if member is not None else charges


def month_spend(team: Team, *, zone_name: str, member: User | None) -> Spend:
    """This month's spend (team time zone): totals and five breakdowns, each one grouped query."""
    zone = zoneinfo.ZoneInfo(zone_name)
    today = timezone.localtime(timezone.now(), zone).date()
    start, end = month_bounds(today, zone)
    charges = team_charges(team, member=member).filter(created_at__gte=start, created_at__lt=end).counted()
    # One scan for the three totals: at 100k charges each scan is a good part of the page's time.
    totals = charges.aggregate(
        total=Sum("amount"), count=Count("pk"), estimated=Sum("amount", filter=Q(is_estimated=True))
    )

    def grouped(*fields: str) -> Iterator[dict[str, Any]]:
        return iter(charges.order_by().values(*fields).annotate(total=Sum("amount")))

    days = {
        row["day"]: row["total"] or 0
        for row in charges.annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(total=Sum("amount"))
    }
    return Spend(
        total=totals["total"] or 0,
        count=totals["count"] or 0,
        estimated=totals["estimated"] or 0,
        by_day=_days_chart(days),
        by_project=bar_chart("project", ((r["project__name"], r["total"]) for r in grouped("project__name"))),
        by_member=bar_chart(
            "member",
            ((r["user__display_name"] or r["user__email"] or "—", r["total"]) for r in _members(charges)),
        ),
        by_model=bar_chart("model", ((r["model"], r["total"]) for r in grouped("model"))),
        by_kind=bar_chart("kind", ((str(Kind(r["kind"]).label), r["total"]) for r in grouped("kind"))),
        month=today.replace(day=1),
    )


def _members(charges: Any) -> Any:
    return charges.order_by().values("user__display_name", "user__email").annotate(total=Sum("amount"))


def _days_chart(days: dict[date, int]) -> BarChart:
    """One bar per day that had spend, in calendar order."""
    return bar_chart("day", [(f"{day:%d %b}", days[day]) for day in sorted(days)], keep_order=True)
