"""What a team does in a real browser: sign up, team and project, invite, roles, and strangers kept out."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from studio.accounts.models import Team
from studio.projects.models import Project

PASSWORD = "a long enough passphrase 42"


def sign_up(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()


def test_team_invites_member_who_becomes_viewer_and_stranger_gets_404(live_server, new_context) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url

    # Ann signs up and lands in her personal team.
    ann: Page = new_context().new_page()
    ann.goto(f"{base}/accounts/signup/")
    sign_up(ann, "ann@example.com")
    expect(ann.get_by_role("heading", name="Projects of ann's team")).to_be_visible()

    # She creates a team and a project in it.
    ann.get_by_label("Switch team").click()
    ann.get_by_role("link", name="All teams and new team…").click()
    ann.get_by_label("Name").fill("Agency")
    ann.get_by_role("button", name="Create team").click()
    expect(ann.get_by_role("heading", name="Projects of Agency")).to_be_visible()
    ann.get_by_label("Name").fill("Spring campaign")
    ann.get_by_label("Description").fill("Ads for the spring launch")
    ann.get_by_role("button", name="Create project").click()
    expect(ann.get_by_role("heading", name="Spring campaign")).to_be_visible()
    project_url = ann.url

    # She invites Bob by his address, and copies the link for him.
    ann.get_by_role("link", name="Members").click()
    ann.get_by_label("E-mail address").fill("bob@example.com")
    ann.get_by_label("Role").select_option("member")
    ann.get_by_role("button", name="Create invitation").click()
    link = ann.get_by_role("textbox", name="Invitation link").input_value()
    assert link.startswith(f"{base}/invitations/")

    # Bob follows the link, signs up on the way, accepts, and sees the project.
    bob_context: BrowserContext = new_context()
    bob = bob_context.new_page()
    bob.goto(link)
    bob.get_by_role("banner").get_by_role("link", name="Sign up").click()
    sign_up(bob, "bob@example.com")
    expect(bob.get_by_role("heading", name="Join “Agency”")).to_be_visible()
    bob.get_by_role("button", name="Accept invitation").click()
    expect(bob.get_by_text("Welcome to “Agency”.")).to_be_visible()
    bob.get_by_role("link", name="Spring campaign").click()
    expect(bob.get_by_role("link", name="Edit project")).to_be_visible()

    # Ann makes Bob a viewer.
    ann.get_by_role("link", name="Members").click()
    ann.get_by_label("Role of bob").select_option("viewer")
    ann.get_by_role("row", name=re.compile("bob@example.com")).get_by_role(
        "button", name="Change role"
    ).click()
    expect(ann.get_by_text("bob is now Viewer.")).to_be_visible()

    # Bob can still look, but no longer edit, even by typing the URL.
    bob.reload()
    expect(bob.get_by_role("heading", name="Spring campaign")).to_be_visible()
    expect(bob.get_by_role("link", name="Edit project")).to_have_count(0)
    response = bob.goto(project_url + "edit/")
    assert response is not None
    assert response.status == 403
    expect(bob.get_by_text("Viewers can look but not change anything in this team.")).to_be_visible()

    # Carol, who is in no shared team, gets 404 on the project's URL.
    carol = new_context().new_page()
    carol.goto(f"{base}/accounts/signup/")
    sign_up(carol, "carol@example.com")
    response = carol.goto(project_url)
    assert response is not None
    assert response.status == 404
    expect(carol.get_by_role("heading", name="Not found")).to_be_visible()
    assert Project.objects.get(name="Spring campaign").team.name == "Agency"


def test_pages_fit_a_phone_screen(live_server, new_context, django_user_model) -> None:  # type: ignore[no-untyped-def]
    django_user_model.objects.create_user(email="phone@example.com", password=PASSWORD)
    page = new_context(viewport={"width": 375, "height": 740}, is_mobile=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    assert overflow <= 0
    expect(page.get_by_role("button", name="Create project")).to_be_visible()


HEADER_ROWS = """() => {
  const items = Array.from(document.querySelectorAll(".topbar .brand, .topbar .nav > *"))
    .filter((element) => element.getBoundingClientRect().height > 0);
  const centres = items.map((element) => {
    const box = element.getBoundingClientRect();
    return (box.top + box.bottom) / 2;
  }).sort((a, b) => a - b);
  return centres.filter((centre, index) => index === 0 || centre - centres[index - 1] > 10).length;
}"""


def test_phone_header_takes_two_rows_and_history_search_fills_its_column(
    live_server, new_context, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(email="phone@example.com", password=PASSWORD)
    team = Team.objects.get(memberships__user=user)
    Team.objects.filter(pk=team.pk).update(name="A team with a rather long name")
    page = new_context(viewport={"width": 375, "height": 740}, is_mobile=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()

    search = page.get_by_role("searchbox")
    expect(search).to_be_visible()
    assert page.evaluate(HEADER_ROWS) == 2
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    sizes = search.evaluate(
        "(input) => ({width: input.getBoundingClientRect().width,"
        " column: input.parentElement.getBoundingClientRect().width,"
        " radius: getComputedStyle(input).borderTopLeftRadius})"
    )
    assert sizes["width"] >= sizes["column"] - 1
    assert sizes["radius"] == "8px"
