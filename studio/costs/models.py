"""Prices, budgets and what each generation cost.

Amounts are whole micro-units (millionths) of the team's currency, so sums are exact on every database.
The gateway counts in quota: 500,000 quota make one unit of its currency, so one quota is two micro-units.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import TIME_ZONE_CHOICES, Team
from studio.generations.kinds import Kind
from studio.generations.models import Generation
from studio.projects.models import Project

MICROS = 1_000_000
MICROS_PER_QUOTA = 2  # 500,000 quota = 1 unit = 1,000,000 micro-units


class CostSettings(models.Model):
    """A team's price list header: its currency label, time zone for monthly budgets, and last sync."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="cost_settings"
    )
    currency = models.CharField(
        _("currency label"),
        max_length=12,
        default="USD",
        help_text=_("Shown beside every amount. The gateway's prices are in this currency."),
    )
    time_zone = models.CharField(
        _("time zone for budgets"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default=settings.TIME_ZONE,
        help_text=_("Monthly budgets start on the first of the month in this time zone."),
    )
    group = models.CharField(
        _("gateway group"),
        max_length=64,
        default="default",
        help_text=_("The group of the team's gateway key; its ratio multiplies every price."),
    )
    group_ratio = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))
    synced_at = models.DateTimeField(null=True, blank=True)
    synced_from = models.CharField(max_length=300, blank=True)
    sync_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("cost settings")
        verbose_name_plural = _("cost settings")

    def __str__(self) -> str:
        return f"{self.team_id}: {self.currency}"


class QuotaType(models.TextChoices):
    PER_CALL = "call", _("per call")
    PER_TOKEN = "token", _("per token")


class ModelPriceQuerySet(models.QuerySet["ModelPrice"]):
    def for_team(self, team: Team | int) -> ModelPriceQuerySet:
        return self.filter(team=team)


class ModelPrice(models.Model):
    """One model's price for a team: as the gateway published it, or an owner's override."""

    class Source(models.TextChoices):
        GATEWAY = "gateway", _("gateway")
        OVERRIDE = "override", _("override")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="model_prices")
    name = models.CharField(_("model"), max_length=120)
    source = models.CharField(max_length=10, choices=Source.choices)
    quota_type = models.CharField(_("priced"), max_length=8, choices=QuotaType.choices)
    # Per call: units of the currency a call (before the group ratio).
    model_price = models.DecimalField(
        _("price per call"), max_digits=14, decimal_places=6, default=Decimal(0)
    )
    # Per token: quota a prompt token; completion tokens count `completion_ratio` times.
    model_ratio = models.DecimalField(_("model ratio"), max_digits=14, decimal_places=6, default=Decimal(0))
    completion_ratio = models.DecimalField(
        _("completion ratio"), max_digits=14, decimal_places=6, default=Decimal(1)
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModelPriceQuerySet.as_manager()

    class Meta:
        ordering = ("name", "source")
        constraints = [
            models.UniqueConstraint(fields=("team", "name", "source"), name="unique_model_price_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    @property
    def is_per_call(self) -> bool:
        return self.quota_type == QuotaType.PER_CALL

    @property
    def per_million_tokens(self) -> Decimal:
        """The prompt price of a million tokens, in the currency (model ratio 1 ≈ 2 units)."""
        return self.model_ratio * 2


class Budget(models.Model):
    """A monthly spending limit on the whole team, one project or one member, with a warning level."""

    class Scope(models.TextChoices):
        TEAM = "team", _("Team")
        PROJECT = "project", _("Project")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="budgets")
    scope = models.CharField(_("applies to"), max_length=8, choices=Scope.choices)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    limit = models.PositiveBigIntegerField(_("monthly limit"))
    warn_percent = models.PositiveSmallIntegerField(_("warn at (%)"), default=80)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("scope", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("team",), condition=Q(scope="team"), name="one_team_budget_per_team"
            ),
            models.UniqueConstraint(
                fields=("team", "project"), condition=Q(scope="project"), name="one_budget_per_project"
            ),
            models.UniqueConstraint(
                fields=("team", "user"), condition=Q(scope="member"), name="one_budget_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} budget of team {self.team_id}"

    @property
    def scope_id(self) -> int:
        if self.scope == self.Scope.PROJECT:
            return int(self.project_id or 0)
        if self.scope == self.Scope.MEMBER:
            return int(self.user_id or 0)
        return int(self.team_id)

    def describe(self) -> str:
        """The budget's name in a sentence: "the team's budget", "the budget of project Launch film"."""
        if self.scope == self.Scope.PROJECT and self.project is not None:
            return str(_("the budget of project “%(name)s”") % {"name": self.project.name})
        if self.scope == self.Scope.MEMBER and self.user is not None:
            return str(_("the monthly budget of %(name)s") % {"name": self.user.name})
        return str(_("the team's monthly budget"))


class SpendCounter(models.Model):
    """What one scope (team, project or member) has reserved and spent in one month, kept by atomic updates.

    Budgets compare against this row with one conditional UPDATE, so concurrent submits cannot together
    pass a limit on any database.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=8, choices=Budget.Scope.choices)
    scope_id = models.BigIntegerField()
    month = models.DateField()
    amount = models.BigIntegerField(default=0)
    # Whether the scope's budget warning was sent this month: once per budget per month.
    warned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # The team is part of the key: a member of two teams has a counter in each.
            models.UniqueConstraint(
                fields=("team", "scope", "scope_id", "month"), name="unique_spend_counter_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id} in {self.month:%Y-%m}: {self.amount}"


class ChargeQuerySet(models.QuerySet["Charge"]):
    def for_team(self, team: Team | int) -> ChargeQuerySet:
        return self.filter(team=team)

    def counted(self) -> ChargeQuerySet:
        """Charges that cost something or still hold a reservation (not released)."""
        return self.exclude(state=Charge.State.RELEASED)


class Charge(models.Model):
    """What one generation costs: the estimate reserved at submit, then the actual once it finishes.

    The team, project, member, kind and model are copied from the generation so the spend page and its
    CSV read this one table.
    """

    class State(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        SETTLED = "settled", _("Settled")
        RELEASED = "released", _("Released")

    generation = models.OneToOneField(
        Generation, on_delete=models.CASCADE, primary_key=True, related_name="charge"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    model = models.CharField(max_length=120)
    price_name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    # The first day of the budget month (team time zone) the charge counts in, and its day there.
    month = models.DateField()
    day = models.DateField()
    # None when no price was known: "price unknown", never 0.
    estimate = models.BigIntegerField(null=True, blank=True)
    amount = models.BigIntegerField(null=True, blank=True)
    # What the gateway reported while the task ran (task `quota`), kept until the charge settles.
    reported = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=12, default="USD")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RESERVED)
    is_estimated = models.BooleanField(default=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("team", "created_at"), name="charge_team_recent"),
            models.Index(fields=("team", "user", "created_at"), name="charge_member_recent"),
            models.Index(fields=("project", "amount"), name="charge_project_amount"),
        ]

    def __str__(self) -> str:
        return f"charge of generation {self.generation_id}: {self.amount}"

    @property
    def is_price_unknown(self) -> bool:
        return self.amount is None


class SpendDay(models.Model):
    """One day's spend (team time zone) of one member on one project, model or kind, kept as charges are
    reserved and settled, so the spend page adds up a few thousand of these instead of every charge.

    Each charge counts in three rows, one per dimension; `key` is the project's id, the model or the kind.
    """

    class Dimension(models.TextChoices):
        PROJECT = "project", _("Project")
        MODEL = "model", _("Model")
        KIND = "kind", _("Kind")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # The member's id, 0 for none: a plain number so a deleted member's spend stays in the totals.
    user_pk = models.BigIntegerField(default=0)
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=120)
    amount = models.BigIntegerField(default=0)
    estimated = models.BigIntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("team", "day", "user_pk", "dimension", "key"), name="unique_spend_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} on {self.day}: {self.amount}"


def local_day(moment: Any, zone: str) -> date:
    """`moment`'s date in the time zone `zone`."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(zone)).date()


def month_start(moment: Any, zone: str) -> date:
    """The first day of `moment`'s month in the time zone `zone`."""
    return local_day(moment, zone).replace(day=1)
