"""Making things in a real browser, with the real worker and poller against the sandbox gateway.

Each test logs in like a person, fills the form by its labels, and watches the cards change without a
reload: the page's single poller brings every change. No test may leave a Content-Security-Policy
complaint or a script error in the console.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from studio.accounts.models import Team
from studio.accounts.services import update_gateway
from studio.projects.models import Project
from tests import factories
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)

PASSWORD = "a long enough passphrase 42"
# Submit, a few polls of the gateway, the download and the poster, then the page's next poll (every 3 s).
FINISHES = 25_000


@pytest.fixture
def console(page: Page) -> list[str]:
    """Everything the page complained about: console errors and uncaught script errors."""
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    return complaints


@pytest.fixture
def studio(
    live_server,
    studio_workers,  # noqa: F811 (the fixture imported above)
    django_user_model,
    page: Page,
    console: list[str],
) -> tuple[Page, Project]:
    """A person logged in, on the page of a project of their team, with the worker and poller running."""
    user = django_user_model.objects.create_user(email="maker@example.com", password=PASSWORD)
    project = factories.make_project(factories.make_team(user, "Studio"), "Launch film")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("maker@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_role("heading", name="Launch film")).to_be_visible()
    return page, project


def csp_complaints(console: list[str]) -> list[str]:
    return [
        text for text in console if "Content Security Policy" in text or "Content-Security-Policy" in text
    ]


def make_form(page: Page) -> Locator:
    return page.get_by_role("region", name="Make something")


def choose_family(page: Page, tab: str) -> None:
    make_form(page).get_by_role("navigation", name="What to make").get_by_role("link", name=tab).click()
    expect(make_form(page).get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")


def generate(page: Page, prompt: str, **choices: str) -> None:
    form = make_form(page)
    form.get_by_label(re.compile(r"^Prompt:?$")).fill(prompt)
    for label, value in choices.items():
        form.get_by_label(label).select_option(value)
    form.get_by_role("button", name="Generate").click()


def card_id(card: Locator) -> int:
    return int((card.get_attribute("id") or "").removeprefix("generation-"))


def newest_card(page: Page, title: str) -> Locator:
    """The newest card with this title, pinned by its id so it stays the same card as others arrive."""
    card = page.get_by_role("article", name=title).first
    expect(card).to_be_visible()
    return page.get_by_role("article").and_(page.locator(f"#generation-{card_id(card)}"))


def status_of(card: Locator, status: str) -> Locator:
    return card.get_by_text(status, exact=True)


def wait_until_done(card: Locator) -> None:
    expect(status_of(card, "Done")).to_be_visible(timeout=FINISHES)


def remember_this_page(page: Page) -> Callable[[], bool]:
    """A mark in the page's JavaScript state: it survives htmx swaps but not a reload or a navigation."""
    page.evaluate("window.studioPageMark = 'still here'")
    return lambda: page.evaluate("window.studioPageMark") == "still here"


VIDEO_SIZE = """(video) => new Promise((resolve, reject) => {
  const done = () => resolve({width: video.videoWidth, height: video.videoHeight});
  if (video.readyState >= 1) return done();
  video.addEventListener("loadedmetadata", done, {once: true});
  video.addEventListener("error", () => reject(new Error(`video error ${video.error && video.error.code}`)));
})"""

POSTER_SIZE = """(video) => new Promise((resolve) => {
  const image = new Image();
  image.addEventListener("load", () => resolve({width: image.naturalWidth, height: image.naturalHeight}));
  image.addEventListener("error", () => resolve(null));
  image.src = video.poster;
})"""


def test_veo3_portrait_job_becomes_a_playable_video_with_poster_without_reload(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, _project = studio
    is_same_page = remember_this_page(page)

    generate(page, "a red fox walking in the snow", **{"Aspect ratio": "9:16"})

    card = newest_card(page, "Video: Veo3")
    expect(status_of(card, "Queued")).to_be_visible()
    expect(card.get_by_text("a red fox walking in the snow")).to_be_visible()
    expect(make_form(page).get_by_label(re.compile(r"^Prompt:?$"))).to_have_value("")
    wait_until_done(card)
    video = card.get_by_label("Result video")
    expect(video).to_have_attribute("poster", re.compile(r"/assets/\d+/poster/$"))
    size = video.evaluate(VIDEO_SIZE)
    poster = video.evaluate(POSTER_SIZE)

    assert size["height"] > size["width"] > 0
    assert poster is not None
    assert poster["height"] > poster["width"]
    expect(card.get_by_role("link", name="Download Video 1")).to_have_attribute(
        "href", re.compile(r"/assets/\d+/file/\?download=1$")
    )
    assert is_same_page()
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []
    assert page.url.endswith(f"/projects/{_project.pk}/")


def test_midjourney_imagine_upscale_and_zoom_make_a_chain_of_three_cards(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, _project = studio
    is_same_page = remember_this_page(page)
    choose_family(page, "Midjourney")

    generate(page, "a castle on a hill at dawn")
    grid = newest_card(page, "Midjourney imagine")
    wait_until_done(grid)
    expect(grid.get_by_role("img", name="Result 1")).to_be_visible()
    grid.get_by_role("group", name="Midjourney buttons").get_by_role("button", name="U2", exact=True).click()

    upscaled = newest_card(page, "Midjourney action · U2")
    expect(upscaled.get_by_role("link", name=f"from #{card_id(grid)}")).to_have_attribute(
        "href", f"#generation-{card_id(grid)}"
    )
    wait_until_done(upscaled)
    buttons = upscaled.get_by_role("group", name="Midjourney buttons")
    buttons.get_by_role("button", name=re.compile(r"Zoom Out 2x")).click()

    zoomed = newest_card(page, "Midjourney action · Zoom Out 2x")
    expect(zoomed.get_by_role("link", name=f"from #{card_id(upscaled)}")).to_have_attribute(
        "href", f"#generation-{card_id(upscaled)}"
    )
    wait_until_done(zoomed)

    expect(zoomed.get_by_role("img", name="Result 1")).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(3)
    assert len({card_id(grid), card_id(upscaled), card_id(zoomed)}) == 3
    assert is_same_page()
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []


def test_sora_remix_of_a_finished_video_finishes_as_its_child(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, _project = studio
    is_same_page = remember_this_page(page)
    choose_family(page, "Video: Sora2")

    generate(page, "a paper boat on a pond")
    video = newest_card(page, "Video: Sora2")
    wait_until_done(video)
    video.get_by_text("Remix this video").click()
    video.get_by_label("What to change").fill("make it night, with lanterns")
    video.get_by_role("button", name="Remix", exact=True).click()

    remix = newest_card(page, "Sora2 remix")
    expect(remix.get_by_role("link", name=f"from #{card_id(video)}")).to_be_visible()
    expect(remix.get_by_text("make it night, with lanterns")).to_be_visible()
    wait_until_done(remix)

    size = remix.get_by_label("Result video").evaluate(VIDEO_SIZE)
    assert size["width"] > 0
    assert is_same_page()
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []


def test_failed_job_shows_its_reason_and_retry_makes_a_new_card_that_finishes(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, project = studio
    team: Team = project.team
    update_gateway(team=team, base_url="", api_key="sk-sandbox-fault-fail")
    is_same_page = remember_this_page(page)

    generate(page, "a fox that will not render")
    failed = newest_card(page, "Video: Veo3")
    expect(status_of(failed, "Failed")).to_be_visible(timeout=FINISHES)
    reason = failed.get_by_role("alert")
    expect(reason).to_contain_text("The provider could not generate this.")
    expect(reason).to_contain_text("The gateway said:")

    update_gateway(team=team, base_url="", api_key="sk-sandbox")
    failed.get_by_role("button", name="Retry").click()

    expect(page.get_by_role("article", name="Video: Veo3")).to_have_count(2)
    retried = newest_card(page, "Video: Veo3")
    assert card_id(retried) > card_id(failed)
    expect(retried.get_by_text("a fox that will not render")).to_be_visible()
    wait_until_done(retried)
    expect(retried.get_by_label("Result video")).to_be_visible()
    expect(status_of(failed, "Failed")).to_be_visible()
    assert is_same_page()
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []


def test_a_job_whose_gateway_refuses_connections_fails_with_that_reason(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, project = studio
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    Team.objects.filter(pk=project.team_id).update(gateway_base_url=f"http://127.0.0.1:{closed_port}")

    generate(page, "a lighthouse in the fog")
    card = newest_card(page, "Video: Veo3")

    expect(status_of(card, "Failed")).to_be_visible(timeout=FINISHES)
    expect(card.get_by_role("alert")).to_contain_text("the connection was refused")
    assert csp_complaints(console) == []


def test_midjourney_buttons_read_as_words_and_custom_zoom_keeps_the_typed_prompt(studio, console) -> None:  # type: ignore[no-untyped-def]
    page, _project = studio
    choose_family(page, "Midjourney")
    generate(page, "a lighthouse in a storm")
    grid = newest_card(page, "Midjourney imagine")
    wait_until_done(grid)
    grid.get_by_role("group", name="Midjourney buttons").get_by_role("button", name="U1", exact=True).click()
    upscaled = newest_card(page, "Midjourney action · U1")
    wait_until_done(upscaled)
    buttons = upscaled.get_by_role("group", name="Midjourney buttons")

    expect(buttons.get_by_role("button", name="⬅️ Pan left")).to_be_visible()
    expect(buttons.get_by_role("button", name="❤️ Bookmark")).to_be_visible()
    expect(buttons.get_by_role("button", name=re.compile("MJ::"))).to_have_count(0)
    zoom_prompt = buttons.get_by_label("Prompt for Custom Zoom")
    expect(zoom_prompt).to_have_value("a lighthouse in a storm --zoom 1.5")
    zoom_prompt.fill("a lighthouse in a storm, wide bay --zoom 2")
    buttons.get_by_role("button", name="🔍 Custom Zoom").click()

    zoomed = newest_card(page, "Midjourney action · Custom Zoom")
    expect(zoomed.get_by_text("a lighthouse in a storm, wide bay --zoom 2")).to_be_visible()
    wait_until_done(zoomed)
    buttons.get_by_role("button", name="❤️ Bookmark").click()
    expect(upscaled.get_by_role("status")).to_contain_text("Bookmarked")
    assert csp_complaints(console) == []
