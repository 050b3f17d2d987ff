"""The spend page's figures: this month's totals by day, project, member, model and kind, as bar charts."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from studio.accounts.models import Team, User
from studio.costs.models import Charge, SpendDay
from studio.costs.services import format_amount
from studio.generations.kinds import Kind
from studio.projects.models import Project

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
    """This month's spend (team time zone): totals and five breakdowns, from the month's daily rows.

    Two grouped queries over at most days × members × (projects + models + kinds) rows, whatever the
    number of generations, and two for the names of the projects and members.
    """
    zone = zoneinfo.ZoneInfo(zone_name)
    today = timezone.localtime(timezone.now(), zone).date()
    first = today.replace(day=1)
    rows = SpendDay.objects.filter(
        team=team, day__gte=first, day__lt=(first + timedelta(days=32)).replace(day=1)
    )
    if member is not None:
        rows = rows.filter(user_pk=member.pk)
    by_dimension: dict[str, dict[str, int]] = {dimension: {} for dimension in SpendDay.Dimension.values}
    for row in rows.order_by().values("dimension", "key").annotate(total=Sum("amount")):
        by_dimension[row["dimension"]][row["key"]] = row["total"]
    # Every charge counts once in the kind rows, so they alone give the totals, the days and the members.
    days: dict[date, int] = defaultdict(int)
    members: dict[int, int] = defaultdict(int)
    total = count = estimated = 0
    for day_row in (
        rows.filter(dimension=SpendDay.Dimension.KIND)
        .order_by()
        .values("day", "user_pk")
        .annotate(total=Sum("amount"), count=Sum("count"), estimated=Sum("estimated"))
    ):
        if not day_row["count"]:
            continue  # only released charges: nothing was spent that day
        days[day_row["day"]] += day_row["total"]
        members[day_row["user_pk"]] += day_row["total"]
        total, count, estimated = (
            total + day_row["total"],
            count + day_row["count"],
            estimated + day_row["estimated"],
        )
    project_names = dict(
        Project.objects.filter(team=team, pk__in=list(by_dimension["project"])).values_list("pk", "name")
    )
    member_names = {
        pk: display_name or email
        for pk, display_name, email in User.objects.filter(pk__in=list(members)).values_list(
            "pk", "display_name", "email"
        )
    }
    return Spend(
        total=total,
        count=count,
        estimated=estimated,
        by_day=_days_chart(days),
        by_project=bar_chart(
            "project",
            ((project_names.get(int(pk), "—"), amount) for pk, amount in by_dimension["project"].items()),
        ),
        by_member=bar_chart(
            "member", ((member_names.get(pk, "—"), amount) for pk, amount in members.items())
        ),
        by_model=bar_chart("model", by_dimension["model"].items()),
        by_kind=bar_chart(
            "kind", ((str(Kind(kind).label), amount) for kind, amount in by_dimension["kind"].items())
        ),
        month=first,
    )


def _days_chart(days: dict[date, int]) -> BarChart:
    """One bar per day that had spend, in calendar order."""
    return bar_chart("day", [(f"{day:%d %b}", days[day]) for day in sorted(days)], keep_order=True)
