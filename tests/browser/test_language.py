"""Chinese in a real browser: switch to 中文 in the header, then log in, generate, browse the history and
open a share link, and find no English left in the studio's own words.

What counts as "English left" (checked on every page):
* any text or label (aria-label, title, alt, placeholder) that is one of the catalogue's English messages,
  placeholders and all (so an untranslated or uncompiled message is caught);
* any English word in the studio's chrome (header, navigation, headings, buttons, labels, table heads,
  summaries) that is not a name: the brand, product and model names, and what the person typed (so a
  string that never went through gettext is caught too).
The names of the languages in the switch are written in their own language on purpose and are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from studio.accounts.models import Team
from studio.generations.models import Generation, Status
from studio.sharing.models import ShareLink
from studio.sharing.services import create_share_link
from tests import factories
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)
from tests.test_translations import CATALOGUE, read_catalogue

EMAIL = "maker@example.com"
PROMPT = "a paper boat on a pond"
FINISHES = 25_000
# Names, not words: the brand, providers, models, formats and units, and this test's own data.
NAMES = {
    "aitre", "studio", "midjourney", "veo", "veo3", "sora", "sora2", "gemini", "dall", "flux", "gpt",
    "openai", "api", "url", "zip", "png", "jpeg", "webp", "mp4", "mp3", "wav", "srt", "vtt", "json", "svg",
    "http", "https", "kb", "mb", "gb", "fast", "launch", "film", "maker", "example", "com", "paper",
    "boat", "pond", "webhook",
}  # fmt: skip
# A word on its own: identifiers glued to digits or dashes (request ids, veo3-fast) are not words.
ENGLISH_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z'’]+(?![\w-])")
CHROME = "header, nav, h1, h2, h3, button, label, th, summary, legend, .badge"
SKIP = ".language-switch, script, style, code, pre, option, datalist, .prompt, [hidden]"

# Every text node and labelling attribute, with whether it sits in the chrome.
VISIBLE_TEXT = """([chrome, skip]) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest(skip)) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) found.push({text, chrome: Boolean(element.closest(chrome))});
  }
  for (const element of document.body.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
    if (element.closest(skip)) continue;
    for (const name of ["aria-label", "title", "alt", "placeholder"]) {
      const value = (element.getAttribute(name) || "").trim();
      if (value) found.push({text: value, chrome: true});
    }
  }
  found.push({text: document.title, chrome: true});
  return found;
}"""


def english_patterns() -> list[re.Pattern[str]]:
    """The catalogue's English messages as patterns over whole texts (placeholders match anything)."""
    patterns = []
    for entry in read_catalogue(CATALOGUE):
        for message in filter(None, (entry.msgid, entry.msgid_plural)):
            if "<" in message or not re.search(r"[A-Za-z]{2}", message):
                continue  # split over several elements, or no words at all
            if all(word.lower() in NAMES for word in ENGLISH_WORD.findall(message)):
                continue  # a name such as "Midjourney", the same in every language
            parts = re.split(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%[sd]", " ".join(message.split()))
            body = ".+?".join(re.escape(part) for part in parts)
            patterns.append(re.compile(body, re.IGNORECASE))
    return patterns


def english_left(page: Page, patterns: list[re.Pattern[str]]) -> list[str]:
    left = []
    for item in page.evaluate(VISIBLE_TEXT, [CHROME, SKIP]):
        text = item["text"]
        if any(pattern.fullmatch(text) for pattern in patterns):
            left.append(f"message: {text!r}")
        elif item["chrome"]:
            words = [word for word in ENGLISH_WORD.findall(text) if word.lower() not in NAMES]
            if any(len(word) > 2 for word in words):
                left.append(f"chrome: {text!r}")
    return left


def assert_all_chinese(page: Page, patterns: list[re.Pattern[str]]) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    left = english_left(page, patterns)
    assert left == [], f"{page.url}: {left}"


@pytest.fixture
def patterns() -> list[re.Pattern[str]]:
    assert Path(CATALOGUE).exists()
    return english_patterns()


def test_switching_to_chinese_leaves_no_english_from_log_in_to_a_share_page(
    live_server,
    settings,
    studio_workers,  # noqa: F811 (the fixture imported above)
    new_context,
    patterns: list[re.Pattern[str]],
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    base = live_server.url
    user = factories.make_user(EMAIL)
    team = factories.make_team(user, "Studio")
    project = factories.make_project(team, "Launch film")
    # The personal team is named in the language of the moment it was made: data, like any name.
    Team.objects.filter(memberships__user=user, is_personal=True).update(name="我的团队")
    page = new_context(locale="en-US").new_page()

    # An English browser: the log-in page is English until the switch in the header says otherwise.
    page.goto(f"{base}{reverse('account_login')}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("group", name="Language").get_by_role("button", name="简体中文").click()
    assert_all_chinese(page, patterns)

    page.locator("input[name=login]").fill(EMAIL)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    assert_all_chinese(page, patterns)

    page.locator("details.team-switcher > summary").click()
    page.get_by_role("button", name=re.compile("^Studio")).click()
    project_link = page.get_by_role("link", name="Launch film").first
    expect(project_link).to_be_visible()
    assert_all_chinese(page, patterns)

    project_link.click()
    expect(page.get_by_role("heading", name="Launch film")).to_be_visible()
    assert_all_chinese(page, patterns)

    # A sandbox generation, made with the default kind of the form, run by the real worker and poller.
    form = page.locator("#generation-form form")
    form.locator("textarea[name$=prompt]").fill(PROMPT)
    form.locator("button[type=submit]").first.click()  # Generate: the form's default (first) button
    card = page.locator("article.gen-card").first
    expect(card).to_have_attribute("data-status", Status.SUCCEEDED, timeout=FINISHES)
    assert_all_chinese(page, patterns)

    page.locator(f"nav a[href='{reverse('team_history', args=[team.pk])}']").click()
    expect(page.locator("article, .tile, li").filter(has_text=PROMPT).first).to_be_visible()
    assert_all_chinese(page, patterns)

    generation = Generation.objects.get(project=project)
    page.goto(f"{base}{reverse('generation_detail', args=[generation.pk])}")
    assert_all_chinese(page, patterns)

    # A stranger whose browser asks for Chinese opens a share link: no switch, Accept-Language decides.
    _link, token = create_share_link(
        team=team, user=user, scope=ShareLink.Scope.GENERATION, project=project, generation=generation
    )
    stranger = new_context(locale="zh-CN").new_page()
    stranger.goto(f"{base}{reverse('share_page', args=[token])}")
    expect(stranger.get_by_text(PROMPT)).to_be_visible()
    assert_all_chinese(stranger, patterns)
