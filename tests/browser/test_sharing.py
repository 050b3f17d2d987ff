"""Sharing in a real browser: a member shares a finished video, a stranger plays it and seeks, then it dies.

The video is made for real: the sandbox gateway over loopback HTTP, then submit, polling and ingest run
in this process, as the worker and the poller would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from studio.accounts.models import Team, User
from studio.generations import services
from studio.generations.models import Generation, Kind, Status
from studio.projects.models import Project
from studio.sharing.models import ShareLink
from studio.sharing.services import create_share_link
from tests import factories
from tests.generations.conftest import drive, sandbox  # noqa: F401 (fixtures)

# Plays the muted video, jumps to `to` seconds and answers where it landed once the jump is done.
PLAY_AND_SEEK = """async (video, to) => {
  video.muted = true;
  await video.play();
  await new Promise((resolve, reject) => {
    video.addEventListener("seeked", resolve, {once: true});
    video.addEventListener("error", () => reject(new Error(`video error ${video.error?.code}`)));
    video.currentTime = to;
  });
  return {time: video.currentTime, duration: video.duration, ready: video.readyState};
}"""


@pytest.fixture
def finished_video(
    sandbox: str,  # noqa: F811 (the fixture imported above)
    drive,  # noqa: F811 (the fixture imported above)
    user: User,
    project: Project,
) -> Generation:
    generation = services.start_generation(
        project=project,
        user=user,
        kind=Kind.VEO3_VIDEO,
        model="veo3-fast",
        prompt="waves rolling onto a pebble beach",
        params={"aspect_ratio": "16:9"},
    )
    generation = drive(generation)
    assert generation.status == Status.SUCCEEDED, generation.error_message
    return generation


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=re.compile("Projects of"))).to_be_visible()


def test_shared_video_plays_with_seeking_for_a_stranger_until_revoked(
    live_server, settings, new_context, finished_video: Generation, user: User, team: Team
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    base = live_server.url
    create_share_link(
        team=team,
        user=user,
        scope=ShareLink.Scope.GENERATION,
        project=finished_video.project,
        generation=finished_video,
    )

    # The owner finds the link on the team's Links page and copies it.
    member = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    member.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    log_in(member, base, user.email)
    member.get_by_label("Switch team").click()
    member.get_by_role("button", name=re.compile("^Studio Team")).click()
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Links").click()
    expect(member.get_by_role("heading", name="Share links of Studio Team")).to_be_visible()
    row = member.get_by_role("row", name=re.compile("Video: Veo3"))
    expect(row.get_by_text("waves rolling onto a pebble beach")).to_be_visible()
    row.get_by_role("button", name="Copy").click()
    expect(row.get_by_role("button", name="Copied")).to_be_visible()
    url = row.get_by_role("textbox").input_value()
    assert url.startswith(f"{base}/s/")

    # A stranger on a phone, logged out, opens it, sees the prompt and plays the video with seeking.
    stranger = new_context(viewport={"width": 390, "height": 800}, is_mobile=True).new_page()
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    stranger.on("console", on_console)
    ranges: list[Response] = []
    stranger.on("response", lambda response: ranges.append(response) if response.status == 206 else None)
    stranger.goto(url)
    expect(stranger.get_by_role("heading", name="Video: Veo3")).to_be_visible()
    expect(stranger.get_by_text("waves rolling onto a pebble beach")).to_be_visible()
    expect(stranger.get_by_text("Studio Team")).to_have_count(0)
    expect(stranger.get_by_role("link", name="Log in")).to_have_count(0)
    video = stranger.get_by_label("Shared video")
    expect(video).to_have_attribute("poster", re.compile(r"/s/[\w-]+/media/\d+/poster/$"))
    played = video.evaluate(PLAY_AND_SEEK, 1.5)
    assert played["duration"] > 1.5
    assert played["time"] == pytest.approx(1.5, abs=0.5)
    assert any("/media/" in response.url for response in ranges)
    expect(stranger.get_by_role("link", name="Download Video")).to_be_visible()
    overflow = stranger.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert complaints == []
    media = video.get_attribute("src")
    assert media is not None

    # The owner revokes it; the row goes without a reload.
    row.get_by_role("button", name="Revoke").click()
    expect(member.get_by_role("row", name=re.compile("Video: Veo3"))).to_have_count(0)

    # The stranger's page and the video's address are dead at once.
    response = stranger.reload()
    assert response is not None
    assert response.status == 410
    expect(stranger.get_by_role("heading", name="This link no longer works")).to_be_visible()
    assert stranger.request.get(f"{base}{media}", headers={"Range": "bytes=0-1023"}).status == 410
    assert ShareLink.objects.get().view_count == 1
