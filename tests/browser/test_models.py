"""The team's Models page and the forms' model suggestions, in a real browser against the sandbox."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_generations import (  # noqa: F401 (fixtures)
    choose_family,
    console,
    csp_complaints,
    make_form,
    studio,
)
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)


def test_models_page_groups_the_gateways_models_and_refreshes_in_place(studio, console, live_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, project = studio
    page.goto(f"{live_server.url}/teams/{project.team_id}/gateway/")
    page.get_by_role("link", name="Models this gateway offers").click()

    expect(page.get_by_role("heading", name=re.compile("^Models of"))).to_be_visible()
    characters = page.get_by_role("region", name="Sora characters")
    expect(characters.get_by_role("rowheader", name="sora-2-character-real")).to_be_visible()
    midjourney = page.get_by_role("region", name="Midjourney")
    expect(midjourney.get_by_role("rowheader", name="mj_imagine")).to_be_visible()
    page.evaluate("window.studioPageMark = 'still here'")
    page.get_by_role("button", name="Refresh the list").click()

    expect(page.get_by_role("status").filter(has_text="The model list was refreshed.")).to_be_visible()
    assert page.evaluate("window.studioPageMark") == "still here"
    assert csp_complaints(console) == []


def test_forms_suggest_only_fitting_models_and_warn_about_a_typed_unknown_one(studio, console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    choose_family(page, "Video: Sora2")
    model = make_form(page).get_by_label(re.compile(r"^Model:?$"))
    suggestions = model.evaluate("(input) => Array.from(input.list.options).map((option) => option.value)")
    assert "sora-2-pro" in suggestions
    assert not [value for value in suggestions if "character" in value]
    warning = make_form(page).get_by_text("This model is not in the gateway's list")
    expect(warning).to_be_hidden()

    model.fill("sora-2-private-preview")

    expect(warning).to_be_visible()
    model.fill("sora-2-pro")
    expect(warning).to_be_hidden()
    assert csp_complaints(console) == []
