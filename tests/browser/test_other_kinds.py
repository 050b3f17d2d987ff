"""The kinds the gateway answers within one request, made in a real browser with the real worker and poller:
a Gemini image-to-image from an uploaded picture, a chat answer growing on its card, speech that plays and
its transcription, and a Veo3 chat video whose progress lines appear before the video."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_generations import (  # noqa: F401 (fixtures)
    FINISHES,
    choose_family,
    console,
    csp_complaints,
    make_form,
    newest_card,
    remember_this_page,
    studio,
    wait_until_done,
)
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)

PLAYS = """(audio) => new Promise((resolve, reject) => {
  audio.muted = true;
  const report = () => resolve({time: audio.currentTime, duration: audio.duration});
  audio.play().then(() => setTimeout(report, 700), reject);
})"""


def prompt_field(page: Page, label: str = "Prompt") -> Locator:
    return make_form(page).get_by_label(re.compile(rf"^{label}:?$"))


def generate(page: Page) -> None:
    make_form(page).get_by_role("button", name="Generate").click()


def no_complaints(console: list[str]) -> None:  # noqa: F811 (the fixture's value)
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []


def test_gemini_image_to_image_from_an_uploaded_picture(studio, console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    is_same_page = remember_this_page(page)
    picture = tmp_path / "portrait.png"
    Image.new("RGB", (240, 320), (30, 140, 90)).save(picture)
    choose_family(page, "Image")

    form = make_form(page)
    expect(form.get_by_label(re.compile(r"^How to make it:?$"))).to_have_value("chat_image")
    expect(form.get_by_label(re.compile(r"^Model:?$"))).to_have_value("gemini-2.5-flash-image")
    expect(form.get_by_label(re.compile(r"^Style \(DALL·E 3\):?$"))).to_be_hidden()
    prompt_field(page).fill("the same scene at night, with a purple sky")
    form.get_by_label(re.compile(r"^Input images:?$")).set_input_files(picture)
    generate(page)

    card = newest_card(page, "Image via chat")
    wait_until_done(card)
    result = card.get_by_role("img", name="Result 1")
    expect(result).to_be_visible()
    # Visible is not loaded: decode() waits for the file (and rejects if it is broken).
    size = result.evaluate("(image) => image.decode().then(() => [image.naturalWidth, image.naturalHeight])")
    assert size[1] > size[0]  # The portrait input shaped the result.
    expect(
        card.get_by_role("navigation", name="Use result 1 as input").get_by_role(
            "link", name="Animate it with Veo3"
        )
    ).to_be_visible()
    assert is_same_page()
    no_complaints(console)


def test_a_streamed_chat_answer_grows_on_its_card(studio, console, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    settings.SANDBOX_TIME_SCALE = 1.0  # 0.05 s a word: about ten seconds of answer.
    words = " ".join(f"word{index}" for index in range(200))
    choose_family(page, "Text")

    prompt_field(page).fill(words)
    generate(page)

    card = newest_card(page, "Chat")
    answer_so_far = card.get_by_role("region", name="Answer so far")
    expect(answer_so_far).to_contain_text("You said: word0", timeout=FINISHES)
    first = len(answer_so_far.inner_text())
    expect(answer_so_far).not_to_have_text(re.compile(rf"^.{{0,{first}}}$", re.S), timeout=FINISHES)
    wait_until_done(card)
    expect(card.get_by_role("region", name="Answer")).to_have_text(f"[sandbox gpt-4o-mini] You said: {words}")
    expect(card.get_by_text(re.compile(r"Usage: \d+ tokens in, \d+ out"))).to_be_visible()
    no_complaints(console)


def test_text_to_speech_plays_and_its_transcription_gives_the_words_back(studio, console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    words = "Good morning, this is the studio speaking."
    choose_family(page, "Audio")

    form = make_form(page)
    expect(form.get_by_label(re.compile(r"^Audio or video to transcribe:?$"))).to_be_hidden()
    prompt_field(page, "Text to speak").fill(words)
    form.get_by_label(re.compile(r"^Voice:?$")).select_option("nova")
    generate(page)

    speech = newest_card(page, "Speech")
    wait_until_done(speech)
    played = speech.get_by_label("Result audio").evaluate(PLAYS)
    assert played["duration"] > 1
    assert played["time"] > 0

    speech.get_by_role("link", name="Transcribe it").click()
    form = make_form(page)
    expect(form.get_by_label(re.compile(r"^What to do:?$"))).to_have_value("transcription")
    expect(form.get_by_text("Using as input:")).to_be_visible()
    expect(form.get_by_label(re.compile(r"^Model:?$"))).to_have_value("whisper-1")
    generate(page)

    transcript = newest_card(page, "Transcription")
    wait_until_done(transcript)
    expect(transcript.get_by_role("region", name="Answer")).to_have_text(words)
    expect(transcript.get_by_role("link", name="Download Text 1")).to_be_visible()
    no_complaints(console)


def test_a_veo3_chat_video_shows_its_progress_lines_before_the_video(studio, console, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    settings.SANDBOX_TIME_SCALE = 0.1  # The reseller's script takes about nine seconds.
    is_same_page = remember_this_page(page)
    choose_family(page, "Video via chat")

    expect(make_form(page).get_by_label(re.compile(r"^Model:?$"))).to_have_value("veo3-fast")
    prompt_field(page).fill("waves rolling onto a beach at sunset")
    generate(page)

    card = newest_card(page, "Video via chat")
    progress = card.get_by_role("list", name="Progress of the answer")
    expect(progress).to_contain_text("视频生成任务已创建", timeout=FINISHES)
    expect(card.get_by_label("Result video")).to_have_count(0)
    wait_until_done(card)
    expect(card.get_by_label("Result video")).to_be_visible()
    expect(card.get_by_text("What the model said")).to_be_visible()
    # Only a Sora video carries a watermark: a Veo3 video is not offered its removal.
    expect(card.get_by_role("link", name="Remove the watermark")).to_have_count(0)
    assert is_same_page()
    no_complaints(console)
