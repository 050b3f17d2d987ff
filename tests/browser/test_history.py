"""The history in a real browser: filtering and searching a gallery, and using a result as a new job's input.

Each test logs in like a person and works by labels and roles. No test may leave a Content-Security-Policy
complaint or a script error in the console.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from studio.accounts.models import User
from studio.generations.models import Generation, GenerationInput, Kind
from studio.projects.models import Project
from tests import factories
from tests.generations.conftest import sandbox  # noqa: F401 (fixture)
from tests.history.test_services import make_generation

PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def console(page: Page) -> list[str]:
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    return complaints


@pytest.fixture
def maker(live_server, django_user_model, page: Page) -> tuple[User, Project]:  # type: ignore[no-untyped-def]
    """A person logged in through the login form, with a project in their team."""
    user = django_user_model.objects.create_user(email="maker@example.com", password=PASSWORD)
    project = factories.make_project(factories.make_team(user, "Studio"), "Launch film")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("maker@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()
    return user, project


def remember_this_page(page: Page) -> Callable[[], bool]:
    """A mark in the page's JavaScript state: it survives htmx swaps but not a reload or a navigation."""
    page.evaluate("window.studioPageMark = 'still here'")
    return lambda: page.evaluate("window.studioPageMark") == "still here"


def test_gallery_filters_and_search_narrow_in_place_and_survive_a_reload(
    live_server,  # type: ignore[no-untyped-def]
    maker: tuple[User, Project],
    page: Page,
    console: list[str],
) -> None:
    user, project = maker
    now = timezone.now()
    prompts = {
        "a castle on a hill": Kind.MJ_IMAGINE,
        "a castle at dawn": Kind.MJ_IMAGINE,
        "a quiet lighthouse": Kind.MJ_IMAGINE,
        "a castle in the fog": Kind.VEO3_VIDEO,
        "a red fox": Kind.VEO3_VIDEO,
    }
    for index, (prompt, kind) in enumerate(prompts.items()):
        make_generation(project, user, kind=kind, prompt=prompt, created_at=now - timedelta(minutes=index))
    page.goto(f"{live_server.url}/projects/{project.pk}/history/")
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_text("a red fox")).to_be_visible()
    is_same_page = remember_this_page(page)

    page.get_by_role("checkbox", name="Midjourney imagine").check()

    expect(page).to_have_url(re.compile(r"kind=mj_imagine"))
    expect(results.get_by_text("a red fox")).to_have_count(0)
    expect(results.get_by_text("a quiet lighthouse")).to_be_visible()

    search = page.get_by_label("Search prompts and answers")
    search.fill("CASTLE")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"q=CASTLE"))
    expect(results.get_by_text("a quiet lighthouse")).to_have_count(0)
    expect(results.get_by_text("a castle on a hill")).to_be_visible()
    expect(results.get_by_text("a castle at dawn")).to_be_visible()
    expect(results.get_by_text("a castle in the fog")).to_have_count(0)
    assert is_same_page()
    bookmarked = page.url
    assert "kind=mj_imagine" in bookmarked

    page.reload()

    assert page.url == bookmarked
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_text("a castle on a hill")).to_be_visible()
    expect(results.get_by_text("a castle at dawn")).to_be_visible()
    expect(results.get_by_text("a quiet lighthouse")).to_have_count(0)
    expect(results.get_by_text("a castle in the fog")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Midjourney imagine")).to_be_checked()
    expect(page.get_by_label("Search prompts and answers")).to_have_value("CASTLE")
    assert not is_same_page()
    assert console == []


def test_use_as_input_from_an_image_result_starts_a_veo3_job_from_that_frame(
    live_server,  # type: ignore[no-untyped-def]
    sandbox,  # noqa: F811 (the fixture imported above)
    maker: tuple[User, Project],
    page: Page,
    console: list[str],
) -> None:
    user, project = maker
    source = make_generation(project, user, prompt="a lighthouse at dusk", image=(30, 60, 200))
    frame = source.assets.get()
    page.goto(f"{live_server.url}/generations/{source.pk}/")
    results = page.get_by_role("region", name="Results")

    # The detail page offers what the card offers (the kinds' specs say which), with the same words.
    results.get_by_role("link", name="Animate it with Veo3", exact=True).click()

    expect(page).to_have_url(
        re.compile(rf"/projects/{project.pk}/\?family=veo3&use={frame.pk}(#generation-form)?$")
    )
    make = page.get_by_role("region", name="Make something")
    expect(make.get_by_text("Using as input:")).to_be_visible()
    expect(make.get_by_role("img", name="Chosen input")).to_have_attribute(
        "src", f"/assets/{frame.pk}/thumb/"
    )
    expect(make.get_by_label(re.compile(r"^Prompt:?$"))).to_have_value("a lighthouse at dusk")

    make.get_by_role("button", name="Generate").click()

    expect(page.get_by_role("article", name="Video: Veo3")).to_have_count(1)
    video = Generation.objects.get(kind=Kind.VEO3_VIDEO)
    first_frames = list(
        GenerationInput.objects.filter(generation=video).values_list("role", "position", "asset_id")
    )
    assert first_frames == [("first_frame", 0, frame.pk)]
    assert (video.prompt, video.project_id) == ("a lighthouse at dusk", project.pk)
    assert console == []
