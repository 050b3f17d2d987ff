"""The gateway's Markdown as plain text on cards, and its known errors in the studio's own words."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from studio.accounts.gateway import explain
from studio.accounts.models import User
from studio.generations.models import REQUEST_ID_PREFIX, Generation, GenerationEvent, Kind, Status
from studio.generations.templatetags.generation_results import progress_lines
from studio.lib.gateway_text import EXPLANATIONS, explanation, plain_text
from studio.projects.models import Project
from studio.upstream import errors
from tests.sharing.test_services import make_generation

# Plain text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("进度 **12%**", "进度 12%"),
        ("> 排队中..", "排队中.."),
        ("> > 🎬 开始生成视频....", "🎬 开始生成视频...."),
        ("__生成中__ *请稍候*", "生成中 请稍候"),
        ("~~旧的~~ 新的", "旧的 新的"),
        ("任务ID: `veo3-fast:7c0e`", "任务ID: veo3-fast:7c0e"),
        ("[点击下载](https://filesystem.site/cdn/x.mp4)", "点击下载"),
        ("![预览图](https://filesystem.site/cdn/x.png)", "预览图"),
        ("见 <https://example.com/task/1>", "见 https://example.com/task/1"),
        ("## 生成失败\n失败原因: 内容违规", "生成失败\n失败原因: 内容违规"),
        ("- 第一\n- 第二", "• 第一\n• 第二"),
        ('```json\n{"code": 1}\n```', '{"code": 1}'),
        ("❌ 生成失败 **", "❌ 生成失败"),
        (r"价格 \*不变\*", "价格 *不变*"),
        ("a\n\n\n\nb", "a\n\nb"),
    ],
)
def test_plain_text_keeps_the_words_and_drops_the_markup(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


@pytest.mark.parametrize("text", ["task_id snake_case_name", "2 * 3 = 6", "a_b * c_d", "100%", ""])
def test_plain_text_leaves_text_without_markup_alone(text: str) -> None:
    assert plain_text(text) == text


def test_plain_text_drops_html_tags_and_keeps_their_words() -> None:
    assert plain_text('<b>失败</b><script>alert("x")</script>') == '失败alert("x")'


def test_progress_lines_are_plain_text() -> None:
    text = (
        "> 视频生成任务已创建\n> 进度 **41%**\n> [数据预览](https://asyncdata.net/web/x)\n> ✅ **生成完成**\n"
    )

    assert progress_lines(text) == ["视频生成任务已创建", "进度 41%", "✅ 生成完成"]


# Explanations -------------------------------------------------------------------------------------------

UPSTREAM_ERRORS = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.UpstreamError) and cls is not errors.UpstreamError
]


@pytest.mark.parametrize("error_class", UPSTREAM_ERRORS, ids=lambda cls: cls.__name__)
def test_every_upstream_error_but_outcome_unknown_has_its_own_explanation(error_class) -> None:  # type: ignore[no-untyped-def]
    exc = error_class()

    assert exc.code in EXPLANATIONS
    expected = explain(exc)
    if exc.code == "outcome_unknown":
        # Asking the gateway whether it is there (Test connection) says nothing about billing.
        assert expected == "The gateway could not handle the request."
    else:
        assert expected == explanation(exc.code)


def test_explanation_is_none_for_a_code_the_studio_does_not_know() -> None:
    assert explanation("something_new") is None


def test_error_explanation_is_looked_up_in_the_readers_language_not_the_workers(
    project: Project, user: User
) -> None:
    generation = make_generation(project, user)
    generation.status = Status.FAILED
    generation.error_code = "quota_exhausted"
    # Written by a worker that happened to speak another language.
    generation.error_message = "网关账户的额度已用完。"

    with translation.override("en"):
        assert generation.error_explanation == "The gateway account has no quota left. Top it up, then retry."


def test_error_explanation_keeps_the_recorded_message_for_an_unknown_code(
    project: Project, user: User
) -> None:
    generation = make_generation(project, user)
    generation.error_code = "too_large"
    generation.error_message = "The result could not be downloaded: it is larger than 50 MB."

    assert generation.error_explanation == generation.error_message


# Card and detail page -----------------------------------------------------------------------------------

GATEWAY_WORDS = "**提示词违规**：包含 `nsfw`，请修改后重试 <b>[详情](https://example.com/x)</b>"


def failed_midjourney(project: Project, user: User) -> Generation:
    generation = make_generation(project, user, kind=Kind.MJ_IMAGINE, prompt="a nsfw fox")
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.FAILED,
        error_code="banned_prompt",
        error_message="网关拒绝了这个提示词。",
        gateway_message=GATEWAY_WORDS,
    )
    generation.refresh_from_db()
    return generation


def card_of(client: Client, generation: Generation) -> str:
    page = client.get(reverse("project_detail", args=[generation.project_id])).text
    match = re.search(rf'<article id="generation-{generation.pk}".*?</article>', page, re.S)
    assert match
    return match.group(0)


def test_card_explains_a_known_error_and_shows_the_gateways_words_as_plain_text(
    project: Project, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    generation = failed_midjourney(project, user)

    card = card_of(client_for(user), generation)

    assert html.escape(str(EXPLANATIONS["banned_prompt"])) in card
    assert "网关拒绝了这个提示词。" not in card
    assert "提示词违规：包含 nsfw，请修改后重试 详情" in html.unescape(card)
    assert "**" not in card
    assert "<b>" not in card


def test_detail_page_keeps_the_gateways_original_text(project: Project, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    generation = failed_midjourney(project, user)

    page = client_for(user).get(reverse("generation_detail", args=[generation.pk])).text

    assert html.escape(GATEWAY_WORDS) in page
    assert html.escape(str(EXPLANATIONS["banned_prompt"])) in page


def test_events_read_in_the_readers_language(project: Project, user: User) -> None:
    generation = make_generation(project, user)
    step = GenerationEvent(generation=generation, kind=GenerationEvent.Kind.STATUS, status_to=Status.QUEUED)
    response = GenerationEvent(
        generation=generation, kind=GenerationEvent.Kind.RESPONSE, message=f"{REQUEST_ID_PREFIX}abc123"
    )
    said = GenerationEvent(generation=generation, kind=GenerationEvent.Kind.NOTE, message="排队中")

    with translation.override("en"):
        assert step.status_to_label == "Queued"
        assert response.readable_message == "request id abc123"
    assert said.readable_message == "排队中"
