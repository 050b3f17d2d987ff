"""Roles and project state in a real browser: a page offers only what the person can do there."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from studio.accounts.models import Role
from tests import factories
from tests.history.test_services import make_generation

PASSWORD = "a long enough passphrase 42"


def log_in(context: BrowserContext, base: str, email: str) -> Page:
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()
    return page


def test_a_viewer_sees_no_bulk_bar_or_make_form_and_an_archived_project_says_why(
    live_server, django_user_model, new_context
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    owner = django_user_model.objects.create_user(email="owner@example.com", password=PASSWORD)
    viewer = django_user_model.objects.create_user(email="viewer@example.com", password=PASSWORD)
    team = factories.make_team(owner, "Agency")
    factories.add_member(team, viewer, Role.VIEWER)
    project = factories.make_project(team, "Spring campaign")
    make_generation(project, owner, prompt="a lighthouse at dusk", image=(20, 120, 200))

    # The viewer can look at the project and its history, with nothing to press that would be refused.
    looker = log_in(new_context(), base, "viewer@example.com")
    looker.goto(f"{base}{project.get_absolute_url()}")
    expect(looker.get_by_role("heading", name="Spring campaign")).to_be_visible()
    expect(
        looker.get_by_text("You are a viewer in this team: you can look but not generate.")
    ).to_be_visible()
    expect(looker.get_by_role("heading", name="Make something")).to_have_count(0)
    expect(looker.get_by_role("button", name="Generate")).to_have_count(0)
    looker.get_by_role("navigation", name="Views").get_by_role("link", name="History").click()
    expect(looker.get_by_role("heading", name="History of Spring campaign")).to_be_visible()
    expect(looker.get_by_text("a lighthouse at dusk")).to_be_visible()
    expect(looker.get_by_label("With the selected")).to_have_count(0)
    expect(looker.get_by_role("button", name="Apply to selected")).to_have_count(0)
    expect(looker.get_by_role("button", name="Download selected as ZIP")).to_be_visible()

    # The owner has the bulk bar, archives the project, and is told why it has no make form any more.
    maker = log_in(new_context(), base, "owner@example.com")
    maker.goto(f"{base}{project.get_absolute_url()}history/")
    expect(maker.get_by_label("With the selected")).to_be_visible()
    maker.get_by_role("navigation", name="Views").get_by_role("link", name="Make").click()
    expect(maker.get_by_role("button", name="Generate")).to_be_visible()
    maker.get_by_role("button", name="Archive").click()
    maker.goto(f"{base}{project.get_absolute_url()}")
    expect(maker.get_by_text("Archived", exact=True)).to_be_visible()
    expect(
        maker.get_by_role("alert").filter(
            has_text="This project is archived, so nothing new can be made in it."
        )
    ).to_be_visible()
    expect(maker.get_by_role("button", name="Generate")).to_have_count(0)
