"""The costs pages: the live estimate, prices, budgets, spend and its CSV, and who may see and change what."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from studio.accounts.models import Role
from studio.costs import services
from studio.costs.models import MICROS, Budget, ModelPrice
from studio.generations.models import Kind
from studio.generations.services import start_generation


def start(project, user, model="veo3-fast"):  # type: ignore[no-untyped-def]
    return start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model=model, prompt="a fox", params={}
    )


def test_estimate_follows_the_forms_parameters(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("cost_estimate", args=[project.pk])
    base = {"family": "sora2", "sora2-model": "sora-2", "sora2-size": "1280x720", "sora2-prompt": ""}

    four = client.post(url, {**base, "sora2-seconds": "4"}, headers={"HX-Request": "true"})
    twelve = client.post(url, {**base, "sora2-seconds": "12"}, headers={"HX-Request": "true"})

    assert "0.40 USD" in four.content.decode()
    assert "1.20 USD" in twelve.content.decode()


def test_estimate_says_price_unknown_never_zero(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("cost_estimate", args=[project.pk]),
        {"family": "image", "image-mode": "chat_image", "image-model": "gemini-2.5-flash-image-preview"},
    )

    assert "price unknown for gemini-2.5-flash-image-preview" in response.content.decode()


def test_estimate_warns_when_the_submit_would_pass_a_budget(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    services.save_budget(team=priced_team, actor=user, scope="team", limit=MICROS // 2, warn_percent=50)
    start(project, user)

    response = client_for(user).post(
        reverse("cost_estimate", args=[project.pk]), {"family": "veo3", "veo3-model": "veo3-fast"}
    )

    assert "This would pass the team&#x27;s monthly budget" in response.content.decode()


def test_refused_submit_shows_the_budget_message_on_the_form(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    services.save_budget(team=priced_team, actor=user, scope="team", limit=MICROS // 10, warn_percent=50)

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]),
        {"family": "veo3", "veo3-model": "veo3-fast", "veo3-prompt": "a fox", "veo3-aspect_ratio": "16:9"},
    )

    assert response.status_code == 400
    assert "Not sent: this would pass the team" in response.content.decode()


def test_card_shows_the_cost(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    start(project, user)

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    assert "est. 0.40 USD" in response.content.decode()


def test_price_override_rejects_unknown_models_negative_and_non_numeric_prices(
    priced_team, user, client_for
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("team_prices", args=[priced_team.pk])
    form = {"action": "price", "price-quota_type": "call"}

    unknown = client.post(url, {**form, "price-name": "no-such-model", "price-model_price": "1"})
    negative = client.post(url, {**form, "price-name": "veo3", "price-model_price": "-1"})
    words = client.post(url, {**form, "price-name": "veo3", "price-model_price": "cheap"})

    assert unknown.status_code == negative.status_code == words.status_code == 400
    assert "does not offer" in unknown.content.decode()
    assert "cannot be negative" in negative.content.decode()
    assert "Enter a number" in words.content.decode()
    assert not ModelPrice.objects.filter(source="override").exists()


def test_price_override_wins_over_the_gateway(priced_team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("team_prices", args=[priced_team.pk]),
        {
            "action": "price",
            "price-name": "veo3-fast",
            "price-quota_type": "call",
            "price-model_price": "0.5",
        },
    )

    assert response.status_code == 302
    assert (
        services.estimate_cost(
            team=priced_team, kind=Kind.VEO3_VIDEO, model="veo3-fast", params={}, prompt=""
        ).amount
        == 500_000
    )


def test_members_cannot_change_prices_or_budgets(priced_team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(member_of(Role.MEMBER))

    price = client.post(
        reverse("team_prices", args=[priced_team.pk]),
        {"action": "price", "price-name": "veo3", "price-quota_type": "call", "price-model_price": "0"},
    )
    budget = client.post(
        reverse("team_budgets", args=[priced_team.pk]),
        {"scope": "team", "limit": "100", "warn_percent": "80"},
    )

    assert price.status_code == budget.status_code == 403


def test_budget_form_rejects_negative_limits_and_saves_good_ones(
    priced_team, project, user, client_for
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("team_budgets", args=[priced_team.pk])

    bad = client.post(url, {"scope": "project", "project": project.pk, "limit": "-5", "warn_percent": "80"})
    missing = client.post(url, {"scope": "project", "limit": "5", "warn_percent": "80"})
    good = client.post(
        url, {"scope": "project", "project": project.pk, "limit": "12.50", "warn_percent": "75"}
    )

    assert bad.status_code == missing.status_code == 400
    assert "cannot be negative" in bad.content.decode()
    assert "Choose the project" in missing.content.decode()
    assert good.status_code == 302
    assert Budget.objects.get(project=project).limit == 12_500_000


def test_spend_page_shows_the_team_to_owners_and_their_own_to_members(  # type: ignore[no-untyped-def]
    priced_team, project, user, member_of, client_for, django_assert_max_num_queries
) -> None:
    member = member_of(Role.MEMBER)
    start(project, user)
    start(project, member, model="veo3")
    owner_client = client_for(user)

    with django_assert_max_num_queries(20):
        owner = owner_client.get(reverse("team_spend", args=[priced_team.pk])).content.decode()
    mine = client_for(member).get(reverse("team_spend", args=[priced_team.pk])).content.decode()

    assert "2.40 USD" in owner
    assert "<svg" in owner
    assert "2.00 USD" in mine
    assert "2.40 USD" not in mine


def test_spend_csv_streams_every_charge(priced_team, project, user, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    start(project, user)
    start(project, member, model="veo3")

    response = client_for(user).get(reverse("spend_csv", args=[priced_team.pk]))
    own = client_for(member).get(reverse("spend_csv", args=[priced_team.pk]))

    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["model"], row["amount"], row["state"]) for row in rows] == [
        ("veo3-fast", "0.4", "reserved"),
        ("veo3", "2", "reserved"),
    ]
    assert len(list(csv.DictReader(io.StringIO(b"".join(own.streaming_content).decode())))) == 1


def test_costs_pages_need_login(client, priced_team) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("team_spend", args=[priced_team.pk]))

    assert response.status_code == 302


def test_detail_page_shows_the_cost(priced_team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    generation = start(project, user)

    response = client_for(user).get(reverse("generation_detail", args=[generation.pk]))

    assert "est. 0.40 USD" in response.content.decode()
