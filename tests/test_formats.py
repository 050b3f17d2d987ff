"""Dates, times, numbers and relative times in the reader's language and time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from studio.accounts.models import User
from studio.generations.templatetags.generation_results import usage_summary
from studio.projects.models import Project
from tests.sharing.test_services import share

AFTERNOON = datetime(2036, 12, 3, 7, 4, tzinfo=UTC)  # 15:04 in Shanghai


def render_share_created(project: Project, user: User, language: str) -> str:
    link, token = share(user, "project", project, expires_at=AFTERNOON)
    with translation.override(language), timezone.override(ZoneInfo("Asia/Shanghai")):
        return render_to_string("sharing/_share_created.html", {"link": link, "url": token})


def test_a_sentence_ending_in_an_english_time_has_one_full_stop(project: Project, user: User) -> None:
    html = render_share_created(project, user, "en")

    assert "Works until 12/03/2036 3:04 PM." in html
    assert ".." not in html


def test_dates_are_written_the_chinese_way_in_the_users_time_zone(project: Project, user: User) -> None:
    html = render_share_created(project, user, "zh-hans")

    assert "2036年12月3日 15:04" in html


def test_usage_counts_are_grouped_the_way_the_language_writes_numbers() -> None:
    usage = {"prompt_tokens": 12345, "completion_tokens": 2000, "total_tokens": 14345}

    with translation.override("en"):
        assert usage_summary(usage) == "12,345 tokens in, 2,000 out (14,345 in all)"
    with translation.override("zh-hans"):
        # Chinese writes these without a thousands separator.
        assert "12345" in usage_summary(usage)


def test_team_links_say_when_a_link_was_last_viewed_relative_to_now(
    project: Project, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    link, _token = share(user, "project", project)
    link.last_viewed_at = timezone.now() - timedelta(hours=3)
    link.view_count = 1
    link.save()

    english = client_for(user).get(reverse("team_links", args=[project.team_id]), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client_for(user).get(
        reverse("team_links", args=[project.team_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert "last viewed 3\xa0hours ago" in english.text
    # django.contrib.humanize's own zh-Hans catalogue.
    assert "3小时之前" in chinese.text


def test_elapsed_time_units_reach_the_scripts_translated(user: User, client: Client, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(user).get(reverse("profile"))

    assert 'data-duration-minutes="%(m)d min %(s)02d s"' in page.text
