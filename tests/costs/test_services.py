"""Costs end to end: prices from the gateway, estimates per kind, reservations, settlement and budgets."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from studio.accounts.gateway import client_for
from studio.accounts.models import AuditEvent, Role
from studio.costs import services
from studio.costs.models import MICROS, Budget, Charge, ModelPrice, SpendCounter, SpendDay
from studio.generations.models import Generation, Kind, Status
from studio.generations.services import GenerationRuleError, cancel_generation, start_generation
from studio.sandbox import pricing
from studio.upstream import GatewayClient, UpstreamError
from studio.upstream.pricing import parse_price_list
from tests import factories


def start(project, user, kind=Kind.VEO3_VIDEO, model="veo3-fast", params=None, prompt="a fox"):  # type: ignore[no-untyped-def]
    return start_generation(
        project=project, user=user, kind=kind, model=model, prompt=prompt, params=params or {}
    )


def estimate(team, kind, model, params=None, prompt="a fox"):  # type: ignore[no-untyped-def]
    return services.estimate_cost(
        team=team, kind=kind, model=model, params=params or {}, prompt=prompt
    ).amount


def test_sync_reads_the_sandbox_price_list_over_http(sandbox, team) -> None:  # type: ignore[no-untyped-def]
    services.cost_settings_for(team)
    # The team is on the sandbox: its client follows the studio's address rules, as in production.
    count = services.sync_prices(team=team, client=client_for(team))

    assert count > 50
    veo = ModelPrice.objects.get(team=team, name="veo3-fast")
    assert veo.is_per_call
    assert veo.model_price == Decimal("0.4")
    chat = ModelPrice.objects.get(team=team, name="gpt-4o")
    assert not chat.is_per_call
    assert (chat.model_ratio, chat.completion_ratio) == (Decimal("1.25"), Decimal(4))
    assert not ModelPrice.objects.filter(team=team, name="gemini-2.5-flash-image-preview").exists()


def test_sync_keeps_the_last_list_and_overrides_when_the_gateway_is_down(priced_team, user) -> None:  # type: ignore[no-untyped-def]
    services.save_price_override(
        team=priced_team,
        actor=user,
        name="veo3",
        quota_type="call",
        model_price=Decimal("1.5"),
        model_ratio=Decimal(0),
        completion_ratio=Decimal(1),
    )
    before = ModelPrice.objects.filter(team=priced_team).count()

    with GatewayClient("http://127.0.0.1:9", "sk-x") as client, pytest.raises(UpstreamError):
        services.sync_prices(team=priced_team, client=client)

    assert ModelPrice.objects.filter(team=priced_team).count() == before
    assert services.effective_prices(priced_team)["veo3"].model_price == Decimal("1.5")
    assert services.cost_settings_for(priced_team).sync_error


@pytest.mark.parametrize(
    ("kind", "model", "params", "expected"),
    [
        (Kind.VEO3_VIDEO, "veo3-fast", {}, "0.4"),
        (Kind.SORA2_VIDEO, "sora-2", {"seconds": 8, "size": "1280x720"}, "0.8"),
        (Kind.SORA2_VIDEO, "sora-2", {"seconds": 4, "size": "1792x1024"}, "0.666667"),
        (Kind.IMAGES_GENERATE, "flux-dev", {"n": 3}, "0.075"),
        (Kind.MJ_IMAGINE, "midjourney", {}, "0.1"),
        (Kind.MJ_ACTION, "midjourney", {"custom_id": "MJ::JOB::upsample::2::abc"}, "0.05"),
        (Kind.MJ_SWAP_FACE, "swap_face", {}, "0.05"),
    ],
)
def test_estimate_follows_the_kinds_pricing_rule(priced_team, kind, model, params, expected) -> None:  # type: ignore[no-untyped-def]
    assert estimate(priced_team, kind, model, params) == int(Decimal(expected) * MICROS)


def test_estimate_of_a_per_token_model_counts_prompt_and_answer_tokens(priced_team) -> None:  # type: ignore[no-untyped-def]
    # gpt-4o: ratio 1.25, completion 4; 8 prompt tokens + 100 answer tokens × 4 = 408 tokens × 1.25 quota.
    amount = estimate(priced_team, Kind.CHAT, "gpt-4o", {"max_tokens": 100}, prompt="x" * 32)

    assert amount == 408 * 125 // 100 * 2


def test_a_model_without_a_price_is_unknown_not_free(priced_team) -> None:  # type: ignore[no-untyped-def]
    assert estimate(priced_team, Kind.CHAT_IMAGE, "gemini-2.5-flash-image-preview") is None


def test_group_ratio_multiplies_every_price(priced_team, user) -> None:  # type: ignore[no-untyped-def]
    settings = services.cost_settings_for(priced_team)
    settings.group_ratio = Decimal("0.8")
    settings.save()

    assert estimate(priced_team, Kind.VEO3_VIDEO, "veo3-fast") == int(Decimal("0.32") * MICROS)


def test_submit_reserves_the_estimate_in_the_same_transaction(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(project, user)

    charge = Charge.objects.get(generation=generation)
    assert (charge.state, charge.amount, charge.estimate) == ("reserved", 400_000, 400_000)
    assert SpendCounter.objects.get(scope="project", scope_id=project.pk).amount == 400_000
    assert SpendCounter.objects.get(scope="member", scope_id=user.pk).amount == 400_000


def test_submit_over_budget_is_refused_naming_the_budget_and_who_can_raise_it(  # type: ignore[no-untyped-def]
    priced_team, project, user
) -> None:
    services.save_budget(
        team=priced_team, actor=user, scope="project", project=project, limit=1_000_000, warn_percent=80
    )
    start(project, user)
    start(project, user)

    with pytest.raises(GenerationRuleError) as refusal:
        start(project, user)

    message = str(refusal.value)
    assert "the budget of project" in message
    assert project.name in message
    assert "0.80 of 1.00 USD" in message
    assert user.name in message  # the owner, who can raise it
    assert Generation.objects.filter(project=project).count() == 2
    assert SpendCounter.objects.get(scope="project", scope_id=project.pk).amount == 800_000


def test_reserving_a_priced_submit_takes_four_queries_once_the_month_has_counters(  # type: ignore[no-untyped-def]
    priced_team, project, user, django_assert_num_queries
) -> None:
    services.save_budget(team=priced_team, actor=user, scope="team", limit=10 * MICROS, warn_percent=80)
    services.save_budget(
        team=priced_team, actor=user, scope="project", project=project, limit=10 * MICROS, warn_percent=80
    )

    def new_generation() -> Generation:
        return Generation.objects.create(
            team=priced_team,
            project=project,
            created_by=user,
            kind=Kind.VEO3_VIDEO,
            model="veo3-fast",
            prompt="a fox",
        )

    # The month's first: settings with the price, the guarded UPDATE (which finds no counters), their
    # insert-if-missing, the guarded UPDATE again, the charge, and the upsert of the day's spend rows.
    first = new_generation()
    with django_assert_num_queries(6):
        services.reserve_cost(generation=first)
    # Every later one: settings with the price, the guarded UPDATE of the counters, the charge, the upsert.
    second = new_generation()
    with django_assert_num_queries(4):
        services.reserve_cost(generation=second)

    assert SpendCounter.objects.get(scope="team", scope_id=priced_team.pk).amount == 800_000
    assert SpendCounter.objects.get(scope="member", scope_id=user.pk).amount == 800_000
    assert SpendDay.objects.get(dimension="model", key="veo3-fast").count == 2


def test_a_budget_set_mid_month_counts_what_was_already_spent(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    start(project, user)
    start(project, user)
    services.save_budget(team=priced_team, actor=user, scope="team", limit=1_000_000, warn_percent=80)

    with pytest.raises(GenerationRuleError, match=r"0\.80 of 1\.00 USD"):
        start(project, user)


def test_a_lowered_budget_applies_to_the_next_submit(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    budget = services.save_budget(
        team=priced_team, actor=user, scope="member", user=user, limit=10 * MICROS, warn_percent=80
    )
    start(project, user)
    services.save_budget(
        team=priced_team, actor=user, scope="member", user=user, limit=500_000, warn_percent=80
    )

    with pytest.raises(GenerationRuleError, match="monthly budget of"):
        start(project, user)
    services.delete_budget(budget=Budget.objects.get(pk=budget.pk), actor=user)
    start(project, user)
    assert SpendCounter.objects.get(scope="member", scope_id=user.pk).amount == 800_000


def test_member_budget_applies_only_to_that_member(priced_team, project, user, member_of) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    services.save_budget(
        team=priced_team, actor=user, scope="member", user=member, limit=500_000, warn_percent=80
    )
    start(project, member)

    with pytest.raises(GenerationRuleError, match="monthly budget of"):
        start(project, member)
    start(project, user)  # the owner has no budget of their own


def test_a_member_of_two_teams_is_counted_and_limited_in_each_team_apart(  # type: ignore[no-untyped-def]
    priced_team, project, user
) -> None:
    other_team = factories.make_team(user, "Second Team")
    services._store_price_list(
        team=other_team,
        price_list=parse_price_list(pricing.price_list()),
        source_url="sandbox",
    )
    other_project = factories.make_project(other_team, "Other film")
    services.save_budget(
        team=other_team, actor=user, scope="member", user=user, limit=500_000, warn_percent=80
    )
    start(project, user)
    start(project, user)

    start(other_project, user)  # the first team's spend does not count against the second's budget
    with pytest.raises(GenerationRuleError, match="monthly budget of"):
        start(other_project, user)

    counters = SpendCounter.objects.filter(scope="member", scope_id=user.pk)
    assert dict(counters.values_list("team_id", "amount")) == {
        priced_team.pk: 800_000,
        other_team.pk: 400_000,
    }


def test_unknown_price_is_refused_only_when_a_budget_applies(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(project, user, kind=Kind.CHAT_IMAGE, model="gemini-2.5-flash-image-preview")
    assert Charge.objects.get(generation=generation).amount is None

    services.save_budget(team=priced_team, actor=user, scope="team", limit=10 * MICROS, warn_percent=80)
    with pytest.raises(GenerationRuleError, match="no known price"):
        start(project, user, kind=Kind.CHAT_IMAGE, model="gemini-2.5-flash-image-preview")


def test_cancel_before_sending_releases_the_reservation(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(project, user)

    assert cancel_generation(generation=generation, user=user)

    charge = Charge.objects.get(generation=generation)
    assert (charge.state, charge.amount) == ("released", 0)
    assert SpendCounter.objects.get(scope="team", scope_id=priced_team.pk).amount == 0


def test_settling_twice_changes_nothing(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    generation = start(project, user)
    cancel_generation(generation=generation, user=user)

    services.settle_cost(
        generation=generation, previous="queued", status=Status.CANCELED, fields={}, payload=None
    )

    assert SpendCounter.objects.get(scope="team", scope_id=priced_team.pk).amount == 0


@pytest.mark.parametrize("version", ["2025", "2026"])
def test_veo3_actual_cost_is_within_five_percent_of_the_estimate(  # type: ignore[no-untyped-def]
    sandbox_project, priced_team, user, drive, settings, version
) -> None:
    settings.SANDBOX_API_VERSION = version
    generation = drive(start(sandbox_project, user))

    assert generation.status == Status.SUCCEEDED
    charge = Charge.objects.get(generation=generation)
    assert charge.state == "settled"
    # The 2026 task record reports its quota; the older one reports nothing, so the estimate stands.
    assert charge.is_estimated is (version == "2025")
    assert abs(charge.amount - charge.estimate) <= charge.estimate * 0.05


def test_failed_task_costs_nothing_as_the_gateway_refunds_it(
    sandbox_project, priced_team, team, user, drive
) -> None:  # type: ignore[no-untyped-def]
    from studio.accounts.services import update_gateway

    update_gateway(team=team, base_url="", api_key="sk-sandbox-fault-fail")
    generation = drive(start(sandbox_project, user))

    assert generation.status == Status.FAILED
    charge = Charge.objects.get(generation=generation)
    assert (charge.state, charge.amount) == ("released", 0)
    assert SpendCounter.objects.get(scope="team", scope_id=team.pk).amount == 0


def test_chat_actual_cost_comes_from_the_usage_the_gateway_reports(
    sandbox_project, priced_team, user
) -> None:  # type: ignore[no-untyped-def]
    from studio.generations.engine.run import run_generation

    generation = start(sandbox_project, user, kind=Kind.CHAT, model="gpt-4o-mini", prompt="Say hello")
    run_generation(generation.pk)
    generation.refresh_from_db()

    assert generation.status == Status.SUCCEEDED
    usage = generation.usage
    charge = Charge.objects.get(generation=generation)
    expected = round((usage["prompt_tokens"] + usage["completion_tokens"] * 4) * 0.075 * 2)
    assert (charge.amount, charge.is_estimated) == (expected, False)
    assert SpendCounter.objects.get(scope="project", scope_id=sandbox_project.pk).amount == expected


def test_concurrent_submits_never_pass_the_budget(transactional_db, user) -> None:  # type: ignore[no-untyped-def]
    team = factories.make_team(user)
    project = factories.make_project(team)
    services.save_price_override(
        team=team, actor=user, name="veo3-fast", quota_type="call",
        model_price=Decimal("0.4"), model_ratio=Decimal(0), completion_ratio=Decimal(1),
    )  # fmt: skip
    services.save_budget(team=team, actor=user, scope="team", limit=4 * MICROS, warn_percent=80)
    accepted: list[int] = []
    refused: list[str] = []
    barrier = threading.Barrier(20)

    def submit() -> None:
        try:
            barrier.wait()
            accepted.append(start(project, user).pk)
        except GenerationRuleError as exc:
            refused.append(str(exc))
        finally:
            connection.close()  # each thread has its own; leave none open on PostgreSQL

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(accepted) == 10
    assert len(refused) == 10
    assert SpendCounter.objects.get(scope="team", scope_id=team.pk).amount == 4 * MICROS
    assert Charge.objects.filter(team=team).count() == 10


def test_budget_and_price_changes_are_audit_events(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    budget = services.save_budget(
        team=priced_team, actor=user, scope="project", project=project, limit=5 * MICROS, warn_percent=70
    )
    services.delete_budget(budget=budget, actor=user)
    services.save_price_override(
        team=priced_team, actor=user, name="veo3", quota_type="call",
        model_price=Decimal(1), model_ratio=Decimal(0), completion_ratio=Decimal(1),
    )  # fmt: skip

    actions = list(
        AuditEvent.objects.filter(team=priced_team).values_list("action", flat=True).order_by("id")
    )
    # The fixture's price sync comes first: the gateway's prices appearing is a price change too.
    assert actions == ["price.synced", "budget.set", "budget.removed", "price.override"]
    assert not Budget.objects.exists()


def test_a_price_sync_that_changes_prices_is_an_audit_event(team, user) -> None:  # type: ignore[no-untyped-def]
    from studio.sandbox import pricing
    from studio.upstream.pricing import parse_price_list

    published = pricing.price_list()
    services._store_price_list(team=team, price_list=parse_price_list(published), source_url="sandbox")
    first_sync = AuditEvent.objects.filter(team=team, action="price.synced").count()
    services._store_price_list(team=team, price_list=parse_price_list(published), source_url="sandbox")
    assert AuditEvent.objects.filter(team=team, action="price.synced").count() == first_sync == 1

    for item in published["data"]:
        if item["model_name"] == "veo3-fast":
            item["model_price"] = 0.5
    services._store_price_list(
        team=team, price_list=parse_price_list(published), source_url="sandbox", actor=user
    )

    event = AuditEvent.objects.filter(team=team, action="price.synced").latest("id")
    assert event.data["changed"] == ["veo3-fast"]
    assert event.actor == user


def test_month_spend_totals_count_estimates_apart(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    from studio.costs.spend import month_spend

    settled = start(project, user)
    start(project, user, model="veo3")
    # The gateway reports 0.50 for the first: the actual, no longer an estimate.
    services.settle_cost(
        generation=settled, previous="running", status=Status.SUCCEEDED, fields={}, payload={"quota": 250_000}
    )

    figures = month_spend(priced_team, zone_name="UTC", member=None)

    assert (figures.total, figures.count, figures.estimated) == (2_500_000, 2, 2_000_000)


def test_spend_days_follow_reserve_settle_and_release_as_a_recount_would(  # type: ignore[no-untyped-def]
    priced_team, project, user, member_of
) -> None:
    from studio.costs.spend import month_spend

    member = member_of(Role.MEMBER)
    other_project = factories.make_project(priced_team, "Trailer")
    settled = start(project, user)
    start(other_project, member, model="veo3")
    cancel_generation(generation=start(project, member), user=member)
    services.settle_cost(
        generation=settled, previous="running", status=Status.SUCCEEDED, fields={}, payload={"quota": 250_000}
    )
    kept = sorted(
        SpendDay.objects.values_list("day", "user_pk", "dimension", "key", "amount", "estimated", "count")
    )

    services.rebuild_spend_days(team=priced_team)

    recounted = SpendDay.objects.values_list(
        "day", "user_pk", "dimension", "key", "amount", "estimated", "count"
    )
    # The released charge leaves rows at zero behind; a recount has none for it.
    assert [row for row in kept if row[-1]] == sorted(recounted)
    figures = month_spend(priced_team, zone_name="UTC", member=None)
    assert (figures.total, figures.count) == (2_500_000, 2)
    assert sorted((bar.label, bar.amount) for bar in figures.by_project.bars) == [
        (project.name, 500_000),
        ("Trailer", 2_000_000),
    ]
    assert [bar.amount for bar in month_spend(priced_team, zone_name="UTC", member=member).by_model.bars] == [
        2_000_000
    ]


def test_sora_actual_cost_comes_from_the_billing_ratios_of_the_create_answer(
    sandbox_project, priced_team, user, drive
) -> None:  # type: ignore[no-untyped-def]
    generation = drive(
        start(sandbox_project, user, kind=Kind.SORA2_VIDEO, model="sora-2", params={"seconds": "8"})
    )

    assert generation.status == Status.SUCCEEDED
    submitted = generation.events.get(status_to=Status.SUBMITTED)
    assert submitted.payload == {"other_ratios": {"seconds": 8.0}}
    charge = Charge.objects.get(generation=generation)
    # sora-2 is 0.10 a second on the sandbox: eight seconds as the gateway reported them, not estimated.
    assert (charge.amount, charge.is_estimated, charge.state) == (800_000, False, "settled")


def test_sora_remix_is_estimated_from_its_parents_seconds(sandbox_project, priced_team, user, drive) -> None:  # type: ignore[no-untyped-def]
    from studio.generations.services import remix_sora_video

    parent = drive(
        start(sandbox_project, user, kind=Kind.SORA2_VIDEO, model="sora-2", params={"seconds": "12"})
    )

    remix = remix_sora_video(generation=parent, user=user, prompt="at night")

    assert Charge.objects.get(generation=remix).estimate == 1_200_000
    remix = drive(remix)
    assert Charge.objects.get(generation=remix).amount == 1_200_000


def test_crossing_a_budgets_warning_level_notifies_managers_and_the_member_once_a_month(  # type: ignore[no-untyped-def]
    priced_team, project, user, member_of
) -> None:
    from studio.notifications.models import Notification

    admin = member_of(Role.ADMIN)
    member = member_of(Role.MEMBER)
    bystander = member_of(Role.MEMBER)
    # 2.00 with a warning at 50%: the third 0.40 submit reaches 1.20 (60%).
    services.save_budget(
        team=priced_team, actor=user, scope="member", user=member, limit=2 * MICROS, warn_percent=50
    )
    start(project, member)
    start(project, member)
    assert not Notification.objects.exists()

    start(project, member)
    start(project, member)

    warnings = Notification.objects.filter(kind="budget_warning")
    assert sorted(warnings.values_list("recipient_id", flat=True)) == sorted([user.pk, admin.pk, member.pk])
    assert warnings.first().params == {"budget": f"the monthly budget of {member.name}", "percent": 60}
    assert bystander.pk not in warnings.values_list("recipient_id", flat=True)


def test_settling_above_the_estimate_can_cross_the_warning_level(priced_team, project, user) -> None:  # type: ignore[no-untyped-def]
    from studio.notifications.models import Notification

    services.save_budget(team=priced_team, actor=user, scope="team", limit=MICROS, warn_percent=80)
    generation = start(project, user)
    assert not Notification.objects.exists()

    # The gateway reports 0.90 for a 0.40 estimate: 90% of the team's budget.
    services.settle_cost(
        generation=generation,
        previous="running",
        status=Status.SUCCEEDED,
        fields={},
        payload={"quota": 450_000},
    )

    warning = Notification.objects.get(kind="budget_warning", recipient=user)
    assert warning.params == {"budget": "the team's monthly budget", "percent": 90}
