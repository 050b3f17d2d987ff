"""Use cases of costs: estimate, reserve against budgets, settle to the actual, sync and edit prices, budgets.

Budgets follow the gateway's own pattern: the estimate is reserved in the transaction that records the
generation (one UPDATE of the team, project and member counters, each guarded by its budget, so
concurrent submits cannot together pass a limit), settled to the actual when the generation finishes,
and released when it failed before being charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from studio.accounts.audit import record_audit
from studio.accounts.models import MANAGER_ROLES, Membership, Team, User
from studio.costs.models import (
    MICROS,
    MICROS_PER_QUOTA,
    Budget,
    Charge,
    CostSettings,
    ModelPrice,
    QuotaType,
    SpendCounter,
    SpendDay,
    local_day,
    month_start,
)
from studio.generations.kinds import KINDS, PriceBasis
from studio.generations.models import Generation, Status
from studio.notifications.models import NotificationKind
from studio.notifications.services import notify
from studio.projects.models import Project
from studio.upstream import GatewayClient, PriceList, UpstreamError


class CostRefused(Exception):
    """A submit refused because it would pass a budget; the message names the budget and who can raise it."""


@dataclass(frozen=True)
class Estimate:
    basis: PriceBasis
    price: ModelPrice | None
    amount: int | None  # micro-units; None when no price is known
    currency: str

    @property
    def is_known(self) -> bool:
        return self.amount is not None


def cost_settings_for(team: Team | int) -> CostSettings:
    """The team's cost settings, created with defaults on first use."""
    team_id = team if isinstance(team, int) else team.pk
    found = CostSettings.objects.filter(team_id=team_id).first()
    if found is not None:
        return found
    found, _created = CostSettings.objects.get_or_create(team_id=team_id)
    return found


def effective_prices(team: Team | int, names: list[str] | None = None) -> dict[str, ModelPrice]:
    """Each model's price in force: an override wins over what the gateway published."""
    rows = ModelPrice.objects.for_team(team)
    if names is not None:
        rows = rows.filter(name__in=names)
    prices: dict[str, ModelPrice] = {}
    for price in rows:
        if price.name not in prices or price.source == ModelPrice.Source.OVERRIDE:
            prices[price.name] = price
    return prices


def _micros(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cost_of(price: ModelPrice, basis: PriceBasis, group_ratio: Decimal) -> int:
    """What the gateway charges for `basis` at `price`, in micro-units (new-api's formula)."""
    if price.quota_type == QuotaType.PER_CALL:
        return _micros(price.model_price * Decimal(str(basis.calls)) * group_ratio * MICROS)
    tokens = Decimal(basis.prompt_tokens) + Decimal(basis.completion_tokens) * price.completion_ratio
    return _micros(tokens * price.model_ratio * group_ratio * MICROS_PER_QUOTA)


def estimate_cost(
    *,
    team: Team | int,
    kind: str,
    model: str,
    params: Mapping[str, Any],
    prompt: str,
) -> Estimate:
    """The estimated cost of one generation, from the kind's pricing rule and the team's prices; no writes
    (but the team's settings on first use). One query."""
    team_id = team if isinstance(team, int) else team.pk
    return _estimate(team_id, KINDS[kind].priced(model=model, params=params, prompt=prompt))[1]


def _estimate(team_id: int, basis: PriceBasis) -> tuple[CostSettings, Estimate]:
    settings, price = _settings_and_price(team_id, basis.price_name)
    amount = cost_of(price, basis, settings.group_ratio) if price is not None else None
    return settings, Estimate(basis=basis, price=price, amount=amount, currency=settings.currency)


def _settings_and_price(team_id: int, name: str) -> tuple[CostSettings, ModelPrice | None]:
    """The team's cost settings and the price in force of `name` (an override wins), in one query.

    Written as SQL because every priced submit runs it: the two ORM queries it replaces took about 1.3 ms
    each on SQLite, mostly building and converting (bench/budget.py); this takes a third of that.
    """
    quote = connection.ops.quote_name
    sql = (
        f"SELECT s.currency, s.time_zone, s.group_ratio, p.id, p.source, p.quota_type, p.model_price,"
        f" p.model_ratio, p.completion_ratio FROM {quote(CostSettings._meta.db_table)} s"
        f" LEFT JOIN {quote(ModelPrice._meta.db_table)} p ON p.team_id = s.team_id AND p.name = %s"
        f" WHERE s.team_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [name, team_id])
        rows = cursor.fetchall()
    if not rows:
        return cost_settings_for(team_id), effective_prices(team_id, [name]).get(name)
    currency, time_zone, group_ratio = rows[0][:3]
    settings = CostSettings(
        team_id=team_id, currency=currency, time_zone=time_zone, group_ratio=_decimal(group_ratio, 4)
    )
    prices = {
        source: ModelPrice(
            id=pk,
            team_id=team_id,
            name=name,
            source=source,
            quota_type=quota_type,
            model_price=_decimal(model_price, 6),
            model_ratio=_decimal(model_ratio, 6),
            completion_ratio=_decimal(completion_ratio, 6),
        )
        for *_settings, pk, source, quota_type, model_price, model_ratio, completion_ratio in rows
        if pk is not None
    }
    return settings, prices.get(ModelPrice.Source.OVERRIDE) or prices.get(ModelPrice.Source.GATEWAY)


def _decimal(value: Any, places: int) -> Decimal:
    """A decimal column's value as the ORM would give it (SQLite hands back a float)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(Decimal(1).scaleb(-places))


def _scopes(team_id: int, project_id: int, user_id: int | None) -> list[tuple[str, int]]:
    scopes = [(Budget.Scope.TEAM.value, team_id), (Budget.Scope.PROJECT.value, project_id)]
    if user_id is not None:
        scopes.append((Budget.Scope.MEMBER.value, user_id))
    return scopes


def _applicable_budgets(team_id: int, project_id: int, user_id: int | None) -> list[Budget]:
    return list(
        Budget.objects.filter(team_id=team_id)
        .filter(
            Q(scope=Budget.Scope.TEAM)
            | Q(scope=Budget.Scope.PROJECT, project_id=project_id)
            | Q(scope=Budget.Scope.MEMBER, user_id=user_id)
        )
        .select_related("project", "user")
    )


def _reserve_in_counters(
    *, team_id: int, project_id: int, user_id: int | None, month: Any, amount: int
) -> tuple[bool, bool]:
    """Adds `amount` to the month's counters of the team, project and member, each only if it stays within
    that scope's budget; returns whether every counter took it, and whether one reached its budget's
    warning level (not yet warned of this month).

    One query when the month's counters exist; the first submit of a month creates them (INSERT ... ON
    CONFLICT DO NOTHING) and adds to them in two more. When this returns False some counters may have
    been raised, so the caller must roll its transaction back.
    """
    scopes = _scopes(team_id, project_id, user_id)
    taken = _add_within_budgets(team_id=team_id, scopes=scopes, month=month, amount=amount)
    missing = [scope for scope in scopes if scope not in taken]
    if missing:
        SpendCounter.objects.bulk_create(
            [
                SpendCounter(team_id=team_id, scope=scope, scope_id=scope_id, month=month)
                for scope, scope_id in missing
            ],
            ignore_conflicts=True,
        )
        taken |= _add_within_budgets(team_id=team_id, scopes=missing, month=month, amount=amount)
    return len(taken) == len(scopes), any(taken.values())


def _add_within_budgets(
    *, team_id: int, scopes: list[tuple[str, int]], month: Any, amount: int
) -> dict[tuple[str, int], bool]:
    """One guarded UPDATE of the scopes' counters: each takes `amount` only if it stays within its budget.
    Returns the counters that took it, each with whether it has now reached its warning level unwarned.

    Written as SQL because it runs on every priced submit: the same statement built by the ORM (a
    correlated subquery in the WHERE, another to find the warning) cost about ten times the query itself
    to compile (bench/budget.py). UPDATE ... RETURNING runs on PostgreSQL and SQLite 3.35+.
    """
    quote = connection.ops.quote_name
    counter = quote(SpendCounter._meta.db_table)
    budget_of = (
        f"SELECT {{column}} FROM {quote(Budget._meta.db_table)} b WHERE b.team_id = {counter}.team_id"
        f" AND b.scope = {counter}.scope AND (b.scope = %s"
        f" OR (b.scope = %s AND b.project_id = {counter}.scope_id)"
        f" OR (b.scope = %s AND b.user_id = {counter}.scope_id))"
    )
    scope_names = [Budget.Scope.TEAM.value, Budget.Scope.PROJECT.value, Budget.Scope.MEMBER.value]
    which = " OR ".join(["(scope = %s AND scope_id = %s)"] * len(scopes))
    sql = (
        f"UPDATE {counter} SET amount = amount + %s"
        f" WHERE team_id = %s AND month = %s AND ({which})"
        f" AND amount + %s <= COALESCE(({budget_of.format(column='b.' + quote('limit'))}), amount + %s)"
        f" RETURNING scope, scope_id, NOT warned AND amount * 100 >= COALESCE(("
        f"{budget_of.format(column='b.' + quote('limit') + ' * b.warn_percent')}), amount * 100 + 1)"
    )
    params: list[Any] = [amount, team_id, connection.ops.adapt_datefield_value(month)]
    params += [value for scope in scopes for value in scope]
    params += [amount, *scope_names, amount, *scope_names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(scope, int(scope_id)): bool(crossed) for scope, scope_id, crossed in cursor.fetchall()}


def _counters_budget() -> Any:
    """The budget of the spend counter in the outer query (for subqueries on SpendCounter)."""
    return Budget.objects.filter(team_id=OuterRef("team_id"), scope=OuterRef("scope")).filter(
        Q(scope=Budget.Scope.TEAM)
        | Q(scope=Budget.Scope.PROJECT, project_id=OuterRef("scope_id"))
        | Q(scope=Budget.Scope.MEMBER, user_id=OuterRef("scope_id"))
    )


def _counters_of(scopes: list[tuple[str, int]]) -> Q:
    which = Q()
    for scope, scope_id in scopes:
        which |= Q(scope=scope, scope_id=scope_id)
    return which


def warn_of_budgets(*, team_id: int, scopes: list[tuple[str, int]], month: Any) -> int:
    """Notifies the team's owners and admins (and the member, for a member budget) of each budget whose
    month just reached its warning level, once per budget per month; returns how many were notified.

    Side effects: one query when no budget crossed; otherwise the counter's `warned` flag, set with a
    compare-and-set so concurrent submits warn once, and the notifications (e-mails after commit).
    """
    budget = _counters_budget()
    crossed = (
        SpendCounter.objects.filter(_counters_of(scopes), team_id=team_id, month=month, warned=False)
        .annotate(
            limit=Subquery(budget.values("limit")[:1]),
            warn_percent=Subquery(budget.values("warn_percent")[:1]),
            hundredfold=F("amount") * 100,
        )
        .filter(limit__isnull=False, hundredfold__gte=F("limit") * F("warn_percent"))
    )
    warned = 0
    for counter in crossed:
        if not SpendCounter.objects.filter(pk=counter.pk, warned=False).update(warned=True):
            continue
        for budget_row in _applicable_budgets(team_id, *_scope_ids(counter)):
            if (budget_row.scope, budget_row.scope_id) == (counter.scope, counter.scope_id):
                _notify_budget_warning(budget_row, counter.amount)
                warned += 1
    return warned


def _scope_ids(counter: SpendCounter) -> tuple[int, int | None]:
    """The project and member ids to look a counter's budget up by (0 never matches a row)."""
    return (
        counter.scope_id if counter.scope == Budget.Scope.PROJECT else 0,
        counter.scope_id if counter.scope == Budget.Scope.MEMBER else 0,
    )


def _notify_budget_warning(budget: Budget, used: int) -> None:
    managers = [
        membership.user
        for membership in Membership.objects.filter(
            team_id=budget.team_id, role__in=MANAGER_ROLES
        ).select_related("user")
    ]
    recipients = managers + ([budget.user] if budget.user is not None else [])
    notify(
        recipients=recipients,
        team=budget.team,
        kind=NotificationKind.BUDGET_WARNING,
        params={
            "budget": budget.describe(),
            "percent": int(used * 100 / budget.limit) if budget.limit else 100,
        },
    )


def _passed_budget(budgets: list[Budget], month: Any, amount: int) -> tuple[Budget, int]:
    """The budget `amount` would pass this month, and how much of it is used."""
    used = {
        (scope, scope_id): value
        for scope, scope_id, value in SpendCounter.objects.filter(
            team_id=budgets[0].team_id, month=month
        ).values_list("scope", "scope_id", "amount")
    }
    for budget in budgets:
        spent = used.get((budget.scope, budget.scope_id), 0)
        if spent + amount > budget.limit:
            return budget, spent
    raise AssertionError("a counter refused an amount no budget limits")


def _who_can_raise(team_id: int) -> str:
    names = [
        membership.user.name
        for membership in Membership.objects.filter(team_id=team_id, role__in=MANAGER_ROLES)
        .select_related("user")
        .order_by("role", "user__email")[:3]
    ]
    return ", ".join(names)


def _refusal(budget: Budget, used: int, currency: str) -> CostRefused:
    return CostRefused(
        _(
            "Not sent: this would pass %(budget)s (%(used)s of %(limit)s %(currency)s used this month). "
            "The team's owners and admins can raise it: %(who)s."
        )
        % {
            "budget": budget.describe(),
            "used": format_amount(used),
            "limit": format_amount(budget.limit),
            "currency": currency,
            "who": _who_can_raise(budget.team_id),
        }
    )


def reserve_cost(*, generation: Generation) -> Charge:
    """Holds the generation's estimate against every budget that applies; call it inside the transaction
    that records the generation. Raises CostRefused when a budget would be passed, and the caller must then
    roll that transaction back (start_generation does), as some counters may already have been raised.

    Side effects: a Charge row, the month's spend counters of the team, project and member, and the day's
    spend rows. A priced submit costs four queries once the month's counters exist: the settings with
    the price, one guarded UPDATE of all three counters, the charge, and one upsert of the day's rows; two
    more the first time in a month, one more when a budget reaches its warning level.
    """
    basis = KINDS[generation.kind].priced(
        model=generation.model, params=generation.params, prompt=generation.prompt
    )
    settings, estimate = _estimate(generation.team_id, basis)
    day = local_day(generation.created_at, settings.time_zone)
    month = day.replace(day=1)
    if estimate.amount is None:
        if _applicable_budgets(generation.team_id, generation.project_id, generation.created_by_id):
            raise CostRefused(
                _(
                    "Not sent: %(name)s has no known price, and a budget applies to this work. "
                    "An owner or admin can enter its price on the prices page: %(who)s."
                )
                % {"name": estimate.basis.price_name, "who": _who_can_raise(generation.team_id)}
            )
    else:
        reserved, crossed = _reserve_in_counters(
            team_id=generation.team_id,
            project_id=generation.project_id,
            user_id=generation.created_by_id,
            month=month,
            amount=estimate.amount,
        )
        if not reserved:
            budgets = _applicable_budgets(generation.team_id, generation.project_id, generation.created_by_id)
            budget, used = _passed_budget(budgets, month, estimate.amount)
            raise _refusal(budget, used, settings.currency)
        if crossed:
            warn_of_budgets(
                team_id=generation.team_id,
                scopes=_scopes(generation.team_id, generation.project_id, generation.created_by_id),
                month=month,
            )
    # bulk_create: a plain INSERT, without save()'s bookkeeping (Charge has no save signals), on every submit.
    [charge] = Charge.objects.bulk_create(
        [
            Charge(
                generation=generation,
                team_id=generation.team_id,
                project_id=generation.project_id,
                user_id=generation.created_by_id,
                kind=generation.kind,
                model=generation.model,
                price_name=estimate.basis.price_name,
                created_at=generation.created_at,
                month=month,
                day=day,
                estimate=estimate.amount,
                amount=estimate.amount,
                currency=settings.currency,
            )
        ]
    )
    _add_to_spend_days(charge, amount=estimate.amount or 0, estimated=estimate.amount or 0, count=1)
    return charge


def _spend_day_keys(charge: Charge) -> list[tuple[str, str]]:
    return [
        (SpendDay.Dimension.PROJECT.value, str(charge.project_id)),
        (SpendDay.Dimension.MODEL.value, charge.model),
        (SpendDay.Dimension.KIND.value, charge.kind),
    ]


def _add_to_spend_days(charge: Charge, *, amount: int, estimated: int, count: int) -> None:
    """Adds a charge's change to its day's project, model and kind rows, created if missing: one upsert
    (INSERT ... ON CONFLICT DO UPDATE, in SQL as the ORM has no additive upsert)."""
    quote = connection.ops.quote_name
    table = quote(SpendDay._meta.db_table)
    columns = ["team_id", "day", "user_pk", "dimension", "key", "amount", "estimated", "count"]
    keys = _spend_day_keys(charge)
    day = connection.ops.adapt_datefield_value(charge.day)
    sums = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in columns[5:]
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(name) for name in columns)})"
        f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(keys))}"
        f" ON CONFLICT ({', '.join(quote(name) for name in columns[:5])}) DO UPDATE SET {sums}"
    )
    params: list[Any] = []
    for dimension, key in keys:
        params += [charge.team_id, day, charge.user_id or 0, dimension, key, amount, estimated, count]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild_spend_days(*, team: Team) -> int:
    """Adds the team's charges up into its daily spend rows again (after bulk imports or repairs).

    Side effects: replaces the team's SpendDay rows; returns how many there are now.
    """
    charges = Charge.objects.for_team(team).counted().order_by()
    estimated = Sum("amount", filter=Q(is_estimated=True))
    rows = [
        SpendDay(
            team=team,
            day=row["day"],
            user_pk=row["user_id"] or 0,
            dimension=dimension,
            key=str(row[field]),
            amount=row["total"] or 0,
            estimated=row["estimated"] or 0,
            count=row["count"],
        )
        for dimension, field in (
            (SpendDay.Dimension.PROJECT, "project_id"),
            (SpendDay.Dimension.MODEL, "model"),
            (SpendDay.Dimension.KIND, "kind"),
        )
        for row in charges.values("day", "user_id", field).annotate(
            total=Sum("amount"), estimated=estimated, count=Count("pk")
        )
    ]
    with transaction.atomic():
        SpendDay.objects.filter(team=team).delete()
        SpendDay.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _reported_quota(payload: Any) -> int | None:
    """The `quota` a task record reports (newer new-api), in micro-units; None when absent or zero."""
    if not isinstance(payload, Mapping):
        return None
    for record in (payload, payload.get("data")):
        if isinstance(record, Mapping):
            quota = record.get("quota")
            if isinstance(quota, int | float) and not isinstance(quota, bool) and quota > 0:
                return int(quota) * MICROS_PER_QUOTA
    return None


def _from_other_ratios(generation: Generation, payload: Any) -> int | None:
    """The cost a create answer's billing ratios imply (`{"seconds": 8}`): the per-call price times every
    ratio, as the gateway multiplies them; None without ratios or a per-call price."""
    ratios = payload.get("other_ratios") if isinstance(payload, Mapping) else None
    if not isinstance(ratios, Mapping) or not ratios:
        return None
    price_name = (
        KINDS[generation.kind]
        .priced(model=generation.model, params=generation.params, prompt=generation.prompt)
        .price_name
    )
    price = effective_prices(generation.team_id, [price_name]).get(price_name)
    if price is None or not price.is_per_call:
        return None
    calls = 1.0
    for ratio in ratios.values():
        calls *= float(ratio)
    group_ratio = cost_settings_for(generation.team_id).group_ratio
    return cost_of(price, PriceBasis(price_name, calls=calls), group_ratio)


def _from_usage(charge: Charge, usage: Any) -> int | None:
    """The actual cost from a chat, images or audio answer's token `usage`, for a per-token price."""
    if not isinstance(usage, Mapping):
        return None
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    completion = usage.get("completion_tokens", usage.get("output_tokens", 0))
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    price = effective_prices(charge.team_id, [charge.price_name]).get(charge.price_name)
    if price is None or price.is_per_call:
        return None
    group_ratio = cost_settings_for(charge.team_id).group_ratio
    return cost_of(price, PriceBasis(charge.price_name, 0, prompt, completion), group_ratio)


def settle_cost(
    *, generation: Generation, previous: str, status: str, fields: Mapping[str, Any], payload: Any
) -> None:
    """Follows a generation's status change: notes a task's reported quota, then settles or releases its
    charge once it finishes. Runs inside the status change's transaction; idempotent.

    Side effects: the Charge row and the spend counters of its month.
    """
    if status == Status.SUBMITTED:
        from_ratios = _from_other_ratios(generation, payload)
        if from_ratios is not None:
            Charge.objects.filter(generation_id=generation.pk, reported__isnull=True).update(
                reported=from_ratios
            )
        return
    if status == Status.INGESTING:
        reported = _reported_quota(payload)
        if reported is not None:
            Charge.objects.filter(generation_id=generation.pk).update(reported=reported)
        return
    if status not in {Status.SUCCEEDED, Status.FAILED, Status.CANCELED, Status.OUTCOME_UNKNOWN}:
        return
    charge = Charge.objects.select_for_update().filter(generation_id=generation.pk).first()
    if charge is None or charge.state != Charge.State.RESERVED:
        return
    reported = _from_usage(charge, fields.get("usage")) or _reported_quota(payload) or charge.reported
    # The gateway refunds a task that fails, and never charged a request it never received; a canceled
    # task that was sent is still charged (the gateway has no cancel), as is one whose result we lost.
    was_charged = status == Status.SUCCEEDED or previous == Status.INGESTING
    if status == Status.CANCELED:
        was_charged = previous != Status.QUEUED
    elif status == Status.OUTCOME_UNKNOWN:
        was_charged = True
    if not was_charged:
        final: int | None = 0
        estimated = False
    elif reported is not None:
        final, estimated = reported, False
    else:
        final, estimated = charge.estimate, True
    delta = (final or 0) - (charge.amount or 0)
    estimated_delta = ((final or 0) if estimated else 0) - (
        (charge.amount or 0) if charge.is_estimated else 0
    )
    count_delta = 0 if was_charged else -1
    if delta or estimated_delta or count_delta:
        _add_to_spend_days(charge, amount=delta, estimated=estimated_delta, count=count_delta)
    if delta:
        scopes = _scopes(charge.team_id, charge.project_id, charge.user_id)
        SpendCounter.objects.filter(_counters_of(scopes), team_id=charge.team_id, month=charge.month).update(
            amount=F("amount") + delta
        )
        if delta > 0:
            warn_of_budgets(team_id=charge.team_id, scopes=scopes, month=charge.month)
    charge.amount = final
    charge.is_estimated = estimated
    charge.state = Charge.State.SETTLED if was_charged else Charge.State.RELEASED
    charge.settled_at = timezone.now()
    charge.save(update_fields=["amount", "is_estimated", "state", "settled_at"])


def price_labels(team: Team) -> dict[str, str]:
    """Each priced model's price in force as people read it, the group ratio included ("0.40 USD a call").

    Two queries: the settings and the prices. A model missing here has no known price.
    """
    settings = cost_settings_for(team)
    labels: dict[str, str] = {}
    for name, price in effective_prices(team).items():
        if price.is_per_call:
            amount = _micros(price.model_price * settings.group_ratio * MICROS)
            labels[name] = _("%(amount)s %(currency)s a call") % {
                "amount": format_amount(amount),
                "currency": settings.currency,
            }
        else:
            amount = _micros(price.per_million_tokens * settings.group_ratio * MICROS)
            labels[name] = _("%(amount)s %(currency)s per million prompt tokens") % {
                "amount": format_amount(amount),
                "currency": settings.currency,
            }
    return labels


def format_amount(micros: int | None) -> str:
    """An amount with two decimals, or up to four for amounts under one unit ("0.0012")."""
    if micros is None:
        return ""
    value = Decimal(micros) / MICROS
    if abs(value) >= 1 or value == 0:
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"
    text = f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"
    return text if not text.endswith("00") else text[:-2]


# Prices


def sync_prices(*, team: Team, client: GatewayClient, actor: User | None = None) -> int:
    """Replaces the team's gateway prices with the gateway's published list; overrides stay.

    On any gateway error the last list stays and the error is remembered. Returns how many prices were
    stored. Side effects: one gateway call (outside any transaction), ModelPrice rows, the sync status,
    and an audit event when a price or the group ratio changed (`actor` is None for the hourly sync).
    """
    try:
        price_list = client.pricing()
    except UpstreamError as exc:
        CostSettings.objects.filter(pk=cost_settings_for(team).pk).update(sync_error=str(exc)[:1000])
        raise
    return _store_price_list(team=team, price_list=price_list, source_url=client.base_url, actor=actor)


def _price_terms(price: ModelPrice) -> tuple[str, Decimal, Decimal, Decimal]:
    """A price as stored (six decimal places), to tell whether a sync changed it."""
    places = Decimal("0.000001")
    return (
        price.quota_type,
        Decimal(price.model_price).quantize(places),
        Decimal(price.model_ratio).quantize(places),
        Decimal(price.completion_ratio).quantize(places),
    )


def _store_price_list(
    *, team: Team, price_list: PriceList, source_url: str, actor: User | None = None
) -> int:
    settings = cost_settings_for(team)
    rows = [
        ModelPrice(
            team=team,
            name=item.model_name[:120],
            source=ModelPrice.Source.GATEWAY,
            quota_type=QuotaType.PER_CALL if item.is_per_call else QuotaType.PER_TOKEN,
            model_price=item.model_price,
            model_ratio=item.model_ratio,
            completion_ratio=item.completion_ratio,
        )
        for item in price_list.models
        if item.model_price >= 0 and item.model_ratio >= 0 and item.completion_ratio >= 0
    ]
    ratio = Decimal(price_list.group_ratios.get(settings.group, Decimal(1))).quantize(Decimal("0.0001"))
    with transaction.atomic():
        gateway_prices = ModelPrice.objects.filter(team=team, source=ModelPrice.Source.GATEWAY)
        before = {price.name: _price_terms(price) for price in gateway_prices}
        after = {price.name: _price_terms(price) for price in rows}
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        gateway_prices.delete()
        ModelPrice.objects.bulk_create(rows)
        CostSettings.objects.filter(pk=settings.pk).update(
            group_ratio=ratio, synced_at=timezone.now(), synced_from=source_url[:300], sync_error=""
        )
        if changed or ratio != settings.group_ratio:
            record_audit(
                team=team,
                actor=actor,
                action="price.synced",
                summary=ngettext(
                    "The gateway changed the price of %(count)d model",
                    "The gateway changed the prices of %(count)d models",
                    len(changed),
                )
                % {"count": len(changed)},
                changed=changed[:100],
                added=len(after.keys() - before.keys()),
                removed=len(before.keys() - after.keys()),
                group_ratio=str(ratio),
                previous_group_ratio=str(settings.group_ratio),
            )
    return len(rows)


def save_price_override(
    *,
    team: Team,
    actor: User,
    name: str,
    quota_type: str,
    model_price: Decimal,
    model_ratio: Decimal,
    completion_ratio: Decimal,
) -> ModelPrice:
    """Sets an owner's price for one model, over the gateway's. Side effects: a ModelPrice row, audit."""
    with transaction.atomic():
        price, _created = ModelPrice.objects.update_or_create(
            team=team,
            name=name,
            source=ModelPrice.Source.OVERRIDE,
            defaults={
                "quota_type": quota_type,
                "model_price": model_price,
                "model_ratio": model_ratio,
                "completion_ratio": completion_ratio,
            },
        )
        record_audit(
            team=team,
            actor=actor,
            action="price.override",
            summary=_("Set the price of %(name)s") % {"name": name},
            model=name,
            quota_type=quota_type,
            model_price=str(model_price),
            model_ratio=str(model_ratio),
            completion_ratio=str(completion_ratio),
        )
    return price


def delete_price_override(*, team: Team, actor: User, name: str) -> bool:
    """Removes an override, so the gateway's price applies again. Side effects: an audit event."""
    with transaction.atomic():
        deleted, _rows = ModelPrice.objects.filter(
            team=team, name=name, source=ModelPrice.Source.OVERRIDE
        ).delete()
        if deleted:
            record_audit(
                team=team,
                actor=actor,
                action="price.override_removed",
                summary=_("Removed the price override of %(name)s") % {"name": name},
                model=name,
            )
    return bool(deleted)


def update_cost_settings(
    *, team: Team, actor: User, currency: str, time_zone: str, group: str
) -> CostSettings:
    """Saves the currency label, budget time zone and gateway group. Side effects: an audit event."""
    settings = cost_settings_for(team)
    with transaction.atomic():
        settings.currency, settings.time_zone, settings.group = currency, time_zone, group
        settings.save(update_fields=["currency", "time_zone", "group"])
        record_audit(
            team=team,
            actor=actor,
            action="costs.settings",
            summary=_("Changed the cost settings"),
            currency=currency,
            time_zone=time_zone,
            group=group,
        )
    return settings


# Budgets


def save_budget(
    *,
    team: Team,
    actor: User,
    scope: str,
    limit: int,
    warn_percent: int,
    project: Project | None = None,
    user: User | None = None,
) -> Budget:
    """Sets the monthly limit of the team, a project or a member. Side effects: a Budget row, audit."""
    with transaction.atomic():
        budget, created = Budget.objects.update_or_create(
            team=team,
            scope=scope,
            project=project if scope == Budget.Scope.PROJECT else None,
            user=user if scope == Budget.Scope.MEMBER else None,
            defaults={"limit": limit, "warn_percent": warn_percent},
        )
        record_audit(
            team=team,
            actor=actor,
            action="budget.set",
            summary=_("Set %(budget)s to %(limit)s")
            % {"budget": budget.describe(), "limit": format_amount(limit)},
            scope=scope,
            project_id=budget.project_id,
            user_id=budget.user_id,
            limit=limit,
            warn_percent=warn_percent,
            created=created,
        )
    return budget


def delete_budget(*, budget: Budget, actor: User) -> None:
    """Removes a budget. Side effects: an audit event."""
    with transaction.atomic():
        record_audit(
            team=budget.team_id,
            actor=actor,
            action="budget.removed",
            summary=_("Removed %(budget)s") % {"budget": budget.describe()},
            scope=budget.scope,
            project_id=budget.project_id,
            user_id=budget.user_id,
        )
        budget.delete()


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    used: int

    @property
    def percent(self) -> int:
        return int(self.used * 100 / self.budget.limit) if self.budget.limit else 100

    @property
    def is_warning(self) -> bool:
        return self.percent >= self.budget.warn_percent

    @property
    def is_exhausted(self) -> bool:
        return self.used >= self.budget.limit


def budget_statuses(
    *, team: Team, project: Project | None = None, user: User | None = None, all_budgets: bool = False
) -> list[BudgetStatus]:
    """This month's use of the team's budgets: all of them, or those that apply to a project and member."""
    settings = cost_settings_for(team)
    month = month_start(timezone.now(), settings.time_zone)
    budgets = Budget.objects.filter(team=team).select_related("project", "user")
    if not all_budgets:
        budgets = budgets.filter(
            Q(scope=Budget.Scope.TEAM)
            | Q(scope=Budget.Scope.PROJECT, project=project)
            | Q(scope=Budget.Scope.MEMBER, user=user)
        )
    budget_list = list(budgets)
    used = {
        (scope, scope_id): amount
        for scope, scope_id, amount in SpendCounter.objects.filter(team=team, month=month).values_list(
            "scope", "scope_id", "amount"
        )
    }
    return [BudgetStatus(budget, used.get((budget.scope, budget.scope_id), 0)) for budget in budget_list]
