"""The review flow in a real browser: an owner approves a result, a member sees it and finds it in History.

Each person logs in like a person and works by labels and roles. No script error or CSP complaint allowed.
"""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from studio.accounts.models import Role
from studio.reviews.models import Review
from tests import factories
from tests.history.test_services import make_generation

PASSWORD = "a long enough passphrase 42"


def log_in(context: BrowserContext, base: str, email: str, complaints: list[str]) -> Page:
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()
    return page


def test_an_owner_approves_a_result_and_a_member_sees_it_and_filters_history_by_it(
    live_server, django_user_model, new_context
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    owner = django_user_model.objects.create_user(
        email="owner@example.com", password=PASSWORD, display_name="Olga"
    )
    member = django_user_model.objects.create_user(email="member@example.com", password=PASSWORD)
    team = factories.make_team(owner, "Agency")
    factories.add_member(team, member, Role.MEMBER)
    project = factories.make_project(team, "Spring campaign")
    chosen = make_generation(project, owner, prompt="a lighthouse at dusk", image=(20, 120, 200))
    make_generation(project, owner, prompt="a castle at dawn", image=(200, 120, 20))
    complaints: list[str] = []

    # The owner approves the lighthouse on its page; the box changes in place.
    reviewer = log_in(new_context(), base, "owner@example.com", complaints)
    reviewer.goto(f"{base}/generations/{chosen.pk}/")
    review = reviewer.get_by_role("region", name="Review")
    expect(review.get_by_text("Not reviewed")).to_be_visible()
    review.get_by_role("button", name="Approve").click()
    expect(review.get_by_role("button", name="Approve")).to_have_attribute("aria-pressed", "true")
    expect(review.get_by_text("Approved", exact=True)).to_be_visible()
    expect(review.get_by_text("by Olga")).to_be_visible()
    assert Review.objects.get().generation_id == chosen.pk

    # A member (not a reviewer by default) sees the state and who set it, with nothing to press.
    looker = log_in(new_context(), base, "member@example.com", complaints)
    looker.goto(f"{base}/generations/{chosen.pk}/")
    review = looker.get_by_role("region", name="Review")
    expect(review.get_by_text("Approved", exact=True)).to_be_visible()
    expect(review.get_by_text("by Olga")).to_be_visible()
    expect(review.get_by_role("button")).to_have_count(0)

    # In History, the member keeps only the approved results.
    looker.goto(f"{base}/projects/{project.pk}/history/")
    results = looker.get_by_role("region", name="Results")
    expect(results.get_by_text("a castle at dawn")).to_be_visible()
    looker.get_by_role("group", name="Review").get_by_role("checkbox", name="Approved").check()
    expect(looker).to_have_url(re.compile(r"review=approved"))
    expect(results.get_by_text("a castle at dawn")).to_have_count(0)
    expect(results.get_by_text("a lighthouse at dusk")).to_be_visible()
    expect(results.get_by_title("Reviewed by Olga")).to_be_visible()
    assert complaints == []
