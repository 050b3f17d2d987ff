"""A comparison in a real browser: one form sent to three image models, their three cards in one row
finishing without a reload, and two of the results side by side."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_generations import (  # noqa: F401 (fixtures)
    FINISHES,
    choose_family,
    console,
    csp_complaints,
    make_form,
    remember_this_page,
    studio,
)
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)


def test_compare_three_image_models_from_one_form_then_open_two_side_by_side(studio, console) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page, _project = studio
    is_same_page = remember_this_page(page)
    choose_family(page, "Image")
    form = make_form(page)
    form.get_by_label(re.compile(r"^Prompt:?$")).fill("a lighthouse at dawn, watercolour")
    form.get_by_text("Compare models or values").click()
    form.get_by_label("gpt-4o-image", exact=True).check()
    form.get_by_label("gemini-3-pro-image-preview", exact=True).check()

    form.get_by_role("button", name="Compare").click()

    row = page.get_by_role("region", name=re.compile(r"^Comparison \d+$"))
    cards = row.get_by_role("article")
    expect(cards).to_have_count(3)
    models = [card.locator("code").first.inner_text() for card in cards.all()]
    assert models == ["gemini-2.5-flash-image", "gpt-4o-image", "gemini-3-pro-image-preview"]
    boxes = [card.bounding_box() for card in cards.all()]
    assert all(box is not None for box in boxes)
    assert len({round(box["y"]) for box in boxes if box}) == 1  # side by side: one row
    for card in cards.all():
        expect(card.get_by_text("Done", exact=True)).to_be_visible(timeout=FINISHES)
        expect(card.get_by_role("img", name="Result 1")).to_be_visible()
    assert is_same_page()

    row.get_by_role("link", name=re.compile(r"^Comparison \d+$")).click()
    page.get_by_role("button", name="Open side by side").click()

    expect(page.get_by_role("heading", name=re.compile(r"side by side$"))).to_be_visible()
    images = page.get_by_role("img", name=re.compile(r"^Result of #\d+$"))
    expect(images).to_have_count(2)
    for image in images.all():
        # Visible is not loaded: decode() waits for the file (and rejects if it is broken).
        assert image.evaluate("(img) => img.decode().then(() => img.naturalWidth > 0)")
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []
