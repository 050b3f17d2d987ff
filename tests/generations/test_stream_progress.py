"""Progress lines of chat-format answers (Veo3 and Sora2 via chat, streamed chat) move the card's progress
bar while they arrive, and the card shows the newest line as plain text."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from studio.accounts.models import User
from studio.generations import services
from studio.generations.engine import run as engine_run
from studio.generations.engine.run import Run, run_generation
from studio.generations.models import Generation, Kind, Status
from studio.generations.templatetags.generation_results import latest_progress_line
from studio.projects.models import Project


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """(progress, newest progress line) as stored after each save of a run, as the poller reads them."""
    rows: list[tuple[int, str]] = []
    save = Run.save
    monkeypatch.setattr(engine_run, "STREAM_SAVE_EVERY", 0.0)

    def spy(self: Run, **options: Any) -> None:
        save(self, **options)
        stored = Generation.objects.values("progress", "result_text").get(pk=self.generation.pk)
        rows.append((stored["progress"], latest_progress_line(stored["result_text"])))

    monkeypatch.setattr(Run, "save", spy)
    return rows


@pytest.mark.parametrize(
    ("model", "a_line"),
    [("sora-2", "进度 94%"), ("veo3-fast", "🎬 开始生成视频...")],
)
def test_chat_video_progress_lines_move_the_stored_progress_while_streaming(
    sandbox_project: Project, user: User, saved: list[tuple[int, str]], model: str, a_line: str
) -> None:
    generation = services.start_generation(
        project=sandbox_project,
        user=user,
        kind=Kind.CHAT_VIDEO,
        model=model,
        prompt="a red fox in the snow",
        params={"stream": True},
    )

    run_generation(generation.pk)

    generation.refresh_from_db()
    assert generation.status == Status.SUCCEEDED, generation.error_message
    in_between = [progress for progress, _line in saved if 0 < progress < 100]
    assert len(set(in_between)) >= 2
    assert in_between == sorted(in_between)
    lines = [line for _progress, line in saved if line]
    assert any(line.startswith(a_line) for line in lines)
    assert all("**" not in line and not line.startswith(">") for line in lines)


def test_running_card_shows_the_progress_and_the_newest_line(project: Project, user: User, client) -> None:  # type: ignore[no-untyped-def]
    generation = services.start_generation(
        project=project, user=user, kind=Kind.CHAT_VIDEO, model="sora-2", prompt="a fox", params={}
    )
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.RUNNING, progress=41, result_text="> 排队中.\n\n> 进度 **12%**\n\n> 进度 **41%**\n\n"
    )
    client.force_login(user)

    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()

    assert 'max="100" value="41"' in page
    assert 'aria-label="Latest progress">进度 41%</p>' in page


def test_latest_progress_line_skips_links_and_plain_answers() -> None:
    text = "> [任务页](https://example.com/t/1)\n> 生成中 **63%**\n"

    assert latest_progress_line(text) == "生成中 63%"
    assert latest_progress_line("Just an answer.") == ""
