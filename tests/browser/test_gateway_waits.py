"""A person sees on the card that the gateway asked to wait, and "Check now" says until when."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from studio.accounts.services import update_gateway
from studio.generations import services
from studio.generations.engine import poller, submit
from studio.generations.models import Kind, Status
from tests import factories
from tests.generations.conftest import _make_due, sandbox  # noqa: F401 (fixture)

PASSWORD = "a long enough passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_card_says_the_gateway_asked_to_wait_and_check_now_says_until_when(
    sandbox: str,  # noqa: F811 (the fixture imported above)
    django_user_model,
    page: Page,
) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(email="maker@example.com", password=PASSWORD)
    team = factories.make_team(user, "Studio")
    project = factories.make_project(team, "Launch film")
    generation = services.start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt="a red fox", params={}
    )
    submit.submit_generation(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    # The gateway now answers every status check with 429 and Retry-After: 300.
    update_gateway(team=team, base_url="", api_key="sk-sandbox-fault-429-300")
    _make_due(generation)
    poller.poll_due_generations()

    live_url = sandbox.removesuffix("/sandbox")
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("Email").fill("maker@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_url}/projects/{project.pk}/")

    card = page.get_by_role("article", name="Video: Veo3")
    notice = card.get_by_role("status").filter(has_text="The gateway asked us to wait")
    expect(notice).to_contain_text(re.compile(r"next check at \d\d:\d\d:\d\d"))

    card.get_by_role("button", name="Check now").click()

    answer = page.get_by_role("article", name="Video: Veo3").get_by_role("status").filter(has_text="until")
    expect(answer).to_contain_text(
        re.compile(r"asked us to wait until \d\d:\d\d:\d\d; it will be checked then")
    )
