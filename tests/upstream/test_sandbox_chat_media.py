"""Chat-format media models against the sandbox: templates, progress streams, real files, in-band failures."""

from __future__ import annotations

import base64
import time

import pytest

from studio.upstream import GenerationFailed, MediaDone, ProgressUpdate, TextDelta
from tests.sandbox.helpers import data_url, decode_image


def decode_data_url(url):
    header, _, encoded = url.partition(",")
    assert header == "data:image/png;base64"
    return decode_image(base64.b64decode(encoded))


def test_chat_media_generate_gpt_4o_image_links_a_png_to_view_and_to_download(gateway, download):
    result = gateway.chat_media.generate(model="gpt-4o-image", prompt="a red fox in snow")

    assert [file.kind for file in result.files] == ["image"]
    assert "/sandbox/cdn/download/" in result.download_url
    assert result.display_url == result.download_url.replace("/cdn/download/", "/cdn/")
    shown, saved = download(result.display_url), download(result.download_url)
    assert shown.content == saved.content
    assert saved.headers["content-disposition"].startswith("attachment")
    assert decode_image(shown.content).size == (1024, 1024)
    assert result.completion.model == "gpt-4o-image"


def test_chat_media_generate_gpt_4o_image_follows_the_aspect_in_the_prompt(gateway, fetch_image):
    result = gateway.chat_media.generate(model="gpt-4o-image", prompt="a tall lighthouse --ar 2:3")

    assert fetch_image(result.display_url).size == (1024, 1536)


def test_chat_media_stream_gpt_4o_image_reports_rising_progress_before_the_image(gateway, fetch_image):
    with gateway.chat_media.stream(model="gpt-4o-image", prompt="a red fox in snow") as stream:
        events = list(stream)

    percents = [event.percent for event in events if isinstance(event, ProgressUpdate) and event.percent]
    assert percents == [3, 11, 27, 41, 63, 88]
    assert any(isinstance(event, TextDelta) for event in events)
    assert isinstance(events[-1], MediaDone)
    assert stream.result is events[-1].result
    assert fetch_image(stream.result.display_url).size == (1024, 1024)


def test_chat_media_generate_gpt_4o_image_edits_the_given_image(gateway, fetch_image):
    plain = gateway.chat_media.generate(model="gpt-4o-image", prompt="a red fox in snow")
    edited = gateway.chat_media.generate(
        model="gpt-4o-image", prompt="a red fox in snow", images=[data_url((64, 64), (10, 200, 10))]
    )

    assert edited.display_url != plain.display_url
    assert fetch_image(edited.display_url).tobytes() != fetch_image(plain.display_url).tobytes()


def test_chat_media_generate_gemini_2_5_flash_image_answers_with_a_data_url(gateway):
    result = gateway.chat_media.generate(model="gemini-2.5-flash-image", prompt="a harbour at dawn 16:9")

    assert result.links[0].is_data_url
    assert result.files[0].kind == "image"
    assert result.download_url == result.display_url
    assert decode_data_url(result.display_url).size == (1024, 576)
    assert result.text.startswith("好的")


def test_chat_media_stream_gemini_2_5_flash_image_edits_an_image_keeping_its_aspect(gateway):
    with gateway.chat_media.stream(
        model="gemini-2.5-flash-image",
        prompt="make the sky purple",
        images=[data_url((64, 48), (20, 20, 220))],
    ) as stream:
        events = list(stream)

    assert isinstance(events[-1], MediaDone)
    assert decode_data_url(events[-1].result.display_url).size == (1024, 768)


def test_chat_media_generate_gemini_3_pro_image_preview_links_to_the_cdn(gateway, fetch_image):
    result = gateway.chat_media.generate(model="gemini-3-pro-image-preview", prompt="a quiet library")

    assert not result.links[0].is_data_url
    assert "/sandbox/cdn/" in result.display_url
    assert fetch_image(result.download_url).size == (1024, 1024)


def test_chat_media_generate_gemini_3_pro_image_preview_edits_an_image_from_the_cdn(gateway, fetch_image):
    portrait = gateway.chat_media.generate(model="gemini-3-pro-image-preview", prompt="a tall tower 9:16")

    edited = gateway.chat_media.generate(
        model="gemini-3-pro-image-preview", prompt="add snow", images=[portrait.display_url]
    )

    assert edited.display_url != portrait.display_url
    assert fetch_image(edited.display_url).size == (576, 1024)


def test_chat_media_remove_watermark_links_a_clean_mp4(gateway, fetch_video):
    result = gateway.chat_media.remove_watermark(video_url="https://sora.chatgpt.com/p/s_68a1b2c3d4")

    assert [file.kind for file in result.files] == ["video"]
    assert result.gateway_task_id is not None
    assert result.gateway_task_id.startswith("remover_")
    facts = fetch_video(result.download_url)
    assert (facts.codec, facts.width, facts.height) == ("h264", 180, 320)
    assert facts.frames > 1


def test_chat_media_remove_watermark_fails_in_band_without_a_sora_link(gateway):
    with pytest.raises(GenerationFailed) as caught:
        gateway.chat_media.remove_watermark(video_url="no link here")

    assert "未找到有效的 Sora 视频链接" in caught.value.gateway_message


def test_chat_media_stream_veo3_sends_progress_before_the_video(gateway, fetch_video):
    arrivals = []
    with gateway.chat_media.stream(model="veo3-fast", prompt="a paper boat on a rainy street") as stream:
        for event in stream:
            arrivals.append((time.monotonic(), event))

    progress = [(moment, event) for moment, event in arrivals if isinstance(event, ProgressUpdate)]
    done_at, done = arrivals[-1]
    assert isinstance(done, MediaDone)
    lines = [event.line for _moment, event in progress]
    assert lines[0] == "视频生成任务已创建"
    assert lines[1] == f"任务ID: `{done.result.gateway_task_id}`"
    assert any("开始生成视频" in event.line for _moment, event in progress)
    # The stream is delivered as it is produced, not buffered: progress is seen well before the end.
    assert done_at - progress[0][0] > 0.2
    result = done.result
    assert result.gateway_task_id is not None
    assert result.gateway_task_id.startswith("veo3-fast:")
    assert all("asyncdata.net" not in link.url for link in result.links)
    assert [file.kind for file in result.files] == ["video"]
    assert result.download_url.replace("/cdn/download/", "/cdn/") == result.display_url
    facts = fetch_video(result.display_url)
    assert (facts.codec, facts.width, facts.height) == ("h264", 320, 180)


def test_chat_media_generate_veo3_waits_for_the_video(gateway, fetch_video):
    result = gateway.chat_media.generate(model="veo3", prompt="a kite over the dunes")

    assert "> 类型: 文字生成" in result.text
    assert "高质量视频已生成" in result.text
    assert result.completion.usage is not None
    assert result.completion.usage.completion_tokens > 0
    assert fetch_video(result.download_url).width == 320


def test_chat_media_generate_veo3_with_image_follows_the_image_orientation(gateway, fetch_video):
    result = gateway.chat_media.generate(
        model="veo3-fast-frames", prompt="the boat sails away", images=[data_url((48, 64))]
    )

    assert "> 类型: 图片生成" in result.text
    facts = fetch_video(result.download_url)
    assert (facts.width, facts.height) == (180, 320)


@pytest.mark.parametrize(
    ("model", "size"),
    [("sora-2", (180, 320)), ("sora2-landscape-10s", (320, 180))],
    ids=["default", "landscape"],
)
def test_chat_media_stream_sora2_reports_percent_progress_then_the_video(gateway, fetch_video, model, size):
    with gateway.chat_media.stream(model=model, prompt="a corgi surfing at sunset") as stream:
        events = list(stream)

    percents = [event.percent for event in events if isinstance(event, ProgressUpdate) and event.percent]
    assert percents == [9, 23, 37, 52, 68, 81, 94]
    assert isinstance(events[-1], MediaDone)
    result = events[-1].result
    assert result.gateway_task_id is not None
    assert result.gateway_task_id.startswith("sora-2:task_")
    assert result.files[0].kind == "video"
    facts = fetch_video(result.display_url)
    assert (facts.width, facts.height) == size


def test_chat_media_stream_sora2_image_to_video_follows_the_image_orientation(gateway, fetch_video):
    with gateway.chat_media.stream(
        model="sora-2", prompt="the wave rolls in", images=[data_url((96, 54), (0, 90, 200))]
    ) as stream:
        events = list(stream)

    facts = fetch_video(events[-1].result.download_url)
    assert (facts.width, facts.height) == (320, 180)


FAILURES = [
    ("gpt-4o-image", "a fox", "内容审核未通过 (content policy violation)"),
    ("gemini-2.5-flash-image", "a fox", "模型未返回图片"),
    ("gemini-3-pro-image-preview", "a fox", "模型未返回图片"),
    ("veo3-fast", "a boat", "内容审核未通过，请修改提示词后重试"),
    ("sora-2", "a corgi", "This content may violate our content policies."),
    ("sora_remover", "https://sora.chatgpt.com/p/s_68a1b2c3d4", "视频解析失败"),
]


@pytest.mark.parametrize(("model", "prompt", "words"), FAILURES, ids=[model for model, *_ in FAILURES])
def test_chat_media_generate_raises_generation_failed_in_the_models_words_when_it_fails(
    gateway_for, model, prompt, words
):
    client = gateway_for("sk-test-fault-fail")

    with pytest.raises(GenerationFailed) as caught:
        client.chat_media.generate(model=model, prompt=prompt)

    assert words in caught.value.gateway_message
    assert words in str(caught.value)
    assert caught.value.request_id


@pytest.mark.parametrize(
    ("model", "prompt", "words"), FAILURES[::2], ids=[model for model, *_ in FAILURES[::2]]
)
def test_chat_media_stream_raises_generation_failed_after_its_progress_when_it_fails(
    gateway_for, model, prompt, words
):
    client = gateway_for("sk-test-fault-fail")
    seen = []

    with (
        pytest.raises(GenerationFailed) as caught,
        client.chat_media.stream(model=model, prompt=prompt) as stream,
    ):
        seen.extend(stream)

    assert seen
    assert not any(isinstance(event, MediaDone) for event in seen)
    assert words in caught.value.gateway_message
