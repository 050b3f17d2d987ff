"""Notifications in a real browser: the badge counts, marking read updates it in place, no CSP errors."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from studio.accounts.models import Team
from studio.notifications.services import notify

PASSWORD = "a long enough passphrase 42"


def test_marking_read_clears_the_badge_and_the_page_stays_csp_clean(
    live_server, django_user_model, page: Page
) -> None:  # type: ignore[no-untyped-def]
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    user = django_user_model.objects.create_user(email="reader@example.com", password=PASSWORD)
    team = Team.objects.get(memberships__user=user)
    for title in ("Harbour", "Lighthouse"):
        notify(recipients=[user], team=team, kind="generation_finished", params={"title": title})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page.get_by_label("2 unread")).to_be_visible()
    expect(page.get_by_text("Your generation “Lighthouse” is ready.")).to_be_visible()
    page.get_by_role("button", name="Mark read").first.click()
    expect(page.get_by_label("1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()

    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(page.locator("#notification-badge .badge")).to_have_count(0)
    assert complaints == []
