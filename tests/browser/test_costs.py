"""Costs in a real browser: the estimate follows the form as a person changes it, and a budget refuses."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from studio.costs.services import _store_price_list, save_budget
from studio.sandbox import pricing
from studio.upstream.pricing import parse_price_list
from tests import factories

PASSWORD = "a long enough passphrase 42"


def test_estimate_updates_live_and_an_over_budget_submit_is_refused(
    live_server, django_user_model, page: Page
) -> None:  # type: ignore[no-untyped-def]
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    user = django_user_model.objects.create_user(email="maker@example.com", password=PASSWORD)
    team = factories.make_team(user, "Studio")
    project = factories.make_project(team, "Launch film")
    _store_price_list(team=team, price_list=parse_price_list(pricing.price_list()), source_url="sandbox")
    save_budget(team=team, actor=user, scope="project", project=project, limit=1_000_000, warn_percent=80)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("maker@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()
    page.goto(f"{live_server.url}/projects/{project.pk}/?family=sora2")
    form = page.get_by_role("region", name="Make something")
    estimate = form.get_by_role("status")

    expect(estimate).to_contain_text("Estimated cost: 0.40 USD")
    form.get_by_label("Length").select_option("8")
    expect(estimate).to_contain_text("Estimated cost: 0.80 USD")
    form.get_by_label("Length").select_option("12")
    expect(estimate).to_contain_text("Estimated cost: 1.20 USD")
    expect(estimate).to_contain_text("This would pass the budget of project “Launch film”")

    form.get_by_label(re.compile(r"^Prompt:?$")).fill("a paper boat at dawn")
    form.get_by_role("button", name="Generate").click()

    alert = page.get_by_role("region", name="Make something").get_by_role("alert").first
    expect(alert).to_contain_text("Not sent: this would pass the budget of project “Launch film”")
    expect(alert).to_contain_text("The team's owners and admins can raise it: maker")
    expect(page.get_by_role("article")).to_have_count(0)
    assert complaints == []
