"""The team's waiting line in a real browser, with the real worker and poller against the sandbox gateway.

The team may run one Midjourney job at a time. While the sandbox works on the first job, the next ones wait
in the studio: their cards say how many jobs are ahead and how long they have waited, a waiting job can be
canceled without ever reaching the gateway, and the next one goes when the first is done, all without a
reload.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from studio.generations.models import HOLDING_SLOT, Generation, GenerationEvent, Status
from studio.sandbox.models import SandboxTask
from tests.browser.test_generations import (
    FINISHES,
    card_id,
    choose_family,
    console,  # noqa: F401 (fixture)
    csp_complaints,
    generate,
    newest_card,
    remember_this_page,
    status_of,
    studio,  # noqa: F401 (fixture)
)
from tests.generations.conftest import sandbox, studio_workers  # noqa: F401 (fixtures)

# At this scale a Midjourney grid runs about 22 s at the sandbox (seen done within 30 s): long enough to
# queue two more jobs behind it and cancel one while it holds the team's only slot.
HOLDING_SCALE = 0.5
HOLDS = 60_000


def submit(page: Page, prompt: str, *, cards: int) -> Locator:
    """Generates from the form and returns the new card, once the page shows `cards` Midjourney cards."""
    generate(page, prompt)
    expect(page.get_by_role("article", name="Midjourney imagine")).to_have_count(cards)
    return newest_card(page, "Midjourney imagine")


def waiting_line(card: Locator) -> Locator:
    return card.get_by_role("status").filter(has_text="Waiting for a free slot")


def test_jobs_wait_for_the_teams_slot_show_their_place_can_be_canceled_and_go_in_turn(
    studio,  # noqa: F811 (the fixture imported above)
    console,  # noqa: F811
    settings,
) -> None:  # type: ignore[no-untyped-def]
    page, project = studio
    team = project.team
    team.midjourney_slots = 1
    team.save(update_fields=["midjourney_slots"])
    settings.SANDBOX_TIME_SCALE = HOLDING_SCALE
    is_same_page = remember_this_page(page)
    choose_family(page, "Midjourney")

    first = submit(page, "first castle, held by the gateway", cards=1)
    expect(first.get_by_text(re.compile(r"^(Submitted|Running)$"))).to_be_visible(timeout=HOLDS)
    # The jobs behind it run quickly once their turn comes (a task keeps the scale it was made with).
    settings.SANDBOX_TIME_SCALE = 0.02
    second = submit(page, "second castle, canceled while waiting", cards=2)
    third = submit(page, "third castle, goes after the first", cards=3)

    expect(waiting_line(second)).to_have_text(
        re.compile(r"^Waiting for a free slot — 0 ahead of this one · waited \d+ s$")
    )
    expect(waiting_line(third)).to_have_text(
        re.compile(r"^Waiting for a free slot — 1 ahead of this one · waited \d+ s$")
    )
    waited = waiting_line(third).locator("[data-elapsed-since]")
    waited_before = waited.inner_text()
    expect(waited).not_to_have_text(waited_before)  # The time waited counts up on the page.
    expect(status_of(first, "Running").or_(status_of(first, "Submitted"))).to_be_visible()

    second.get_by_role("button", name="Cancel").click()

    expect(status_of(second, "Canceled")).to_be_visible()
    expect(waiting_line(second)).to_have_count(0)
    expect(waiting_line(third)).to_have_text(re.compile(r"^Waiting for a free slot — 0 ahead of this one"))
    expect(status_of(first, "Done")).to_be_visible(timeout=HOLDS)
    expect(status_of(third, "Done")).to_be_visible(timeout=FINISHES)
    expect(third.get_by_role("img", name="Result 1")).to_be_visible()
    expect(status_of(second, "Canceled")).to_be_visible()

    held, canceled, went = (Generation.objects.get(pk=card_id(card)) for card in (first, second, third))
    first_freed = (
        held.events.filter(status_from__in=HOLDING_SLOT).exclude(status_to__in=HOLDING_SLOT).earliest("at").at
    )
    assert went.events.get(kind=GenerationEvent.Kind.REQUEST).at > first_freed
    assert canceled.status == Status.CANCELED
    assert not canceled.events.filter(kind=GenerationEvent.Kind.REQUEST).exists()
    assert not canceled.events.filter(status_to=Status.SUBMITTING).exists()
    assert not SandboxTask.objects.filter(prompt__contains="second castle").exists()
    assert is_same_page()
    assert csp_complaints(console) == []
    assert [text for text in console if text.startswith("page error")] == []
