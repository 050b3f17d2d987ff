"""Chat-format media models: sync answers, progress streams and in-band failures."""

from __future__ import annotations

import pytest

from studio.upstream import GenerationFailed, MediaDone, ProgressUpdate, TextDelta
from tests.upstream.fakes import FakeGateway, chat_answer, sse_chunks, sse_response
from tests.upstream.test_media import GPT_4O_IMAGE_ANSWER, VEO3_ANSWER


def test_chat_media_generate_reads_image_from_gpt_4o_image_answer():
    gateway = FakeGateway(chat_answer(GPT_4O_IMAGE_ANSWER))

    result = gateway.client().chat_media.generate(model="gpt-4o-image", prompt="a red fox in snow")

    assert result.display_url == "https://filesystem.site/cdn/20250828/Xy12AbCdEf.png"
    assert result.download_url == "https://filesystem.site/cdn/download/20250828/Xy12AbCdEf.png"
    assert result.files[0].kind == "image"
    assert result.completion.raw["model"] == "gpt-4o-image"
    assert gateway.last_json()["messages"] == [{"role": "user", "content": "a red fox in snow"}]


def test_chat_media_generate_sends_image_to_image_content_array():
    gateway = FakeGateway(chat_answer("![image](https://filesystem.site/cdn/out.png)"))

    gateway.client().chat_media.generate(
        model="gemini-2.5-flash-image",
        prompt="Make the sky purple",
        images=["data:image/png;base64,iVBORw0"],
    )

    content = gateway.last_json()["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "Make the sky purple"}
    assert content[1] == {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0"}}


def test_chat_media_generate_reads_video_and_gateway_task_id_from_veo3_answer():
    gateway = FakeGateway(chat_answer(VEO3_ANSWER, model="veo3-fast"))

    result = gateway.client().chat_media.generate(model="veo3-fast", prompt="a paper boat")

    assert result.files[0].kind == "video"
    assert result.display_url == "https://filesystem.site/cdn/20250828/AbC123.mp4"
    assert result.gateway_task_id == "veo3-fast:7c0e4a52-1d1e-4c55-9f6a-2b1b2f7d9a10"


def test_chat_media_generate_reads_several_gemini_images():
    text = "Here you go.\n![image](https://filesystem.site/cdn/a.png)\n![image](https://filesystem.site/cdn/b.png)"
    gateway = FakeGateway(chat_answer(text, model="gemini-3-pro-image-preview"))

    result = gateway.client().chat_media.generate(model="gemini-3-pro-image-preview", prompt="two cats")

    assert [file.display_url for file in result.files] == [
        "https://filesystem.site/cdn/a.png",
        "https://filesystem.site/cdn/b.png",
    ]


def test_chat_media_in_band_failure_is_generation_failed():
    text = "> 视频生成任务已创建\n> 🎬 开始生成视频...\n> ❌ 生成失败\n> 失败原因: 提示词包含敏感内容"
    gateway = FakeGateway(chat_answer(text, model="veo3"))

    with pytest.raises(GenerationFailed) as caught:
        gateway.client().chat_media.generate(model="veo3", prompt="something")

    assert caught.value.code == "generation_failed"
    assert caught.value.gateway_message == "提示词包含敏感内容"
    assert "提示词包含敏感内容" in caught.value.message


def test_chat_media_answer_without_media_is_generation_failed():
    gateway = FakeGateway(chat_answer("I cannot draw that.", model="gpt-4o-image"))

    with pytest.raises(GenerationFailed) as caught:
        gateway.client().chat_media.generate(model="gpt-4o-image", prompt="x")

    assert caught.value.code == "no_media_in_answer"


def test_chat_media_remove_watermark_sends_share_link_to_remover_model():
    gateway = FakeGateway(chat_answer("[▶️ 无水印视频](https://filesystem.site/cdn/20250828/clean.mp4)"))

    result = gateway.client().chat_media.remove_watermark(video_url="https://sora.chatgpt.com/p/s_12345678")

    assert gateway.last_json()["model"] == "sora_remover"
    assert gateway.last_json()["messages"][0]["content"] == "https://sora.chatgpt.com/p/s_12345678"
    assert result.display_url == "https://filesystem.site/cdn/20250828/clean.mp4"


def veo3_stream_lines() -> list[str]:
    deltas = [
        "> 视频生成任务已创建\n",
        "> 任务ID: `veo3-fast:7c0e`\n",
        "> 等待处理中.",
        ".\n",
        "> 🎬 开始生成视频",
        "....\n",
        "> 进度 37%\n",
        "> 🎉 高质量视频已生成\n",
        "[▶️ 在线观看](https://filesystem.site/cdn/20250828/AbC123.mp4) | "
        "[⏬ 下载视频](https://filesystem.site/cdn/download/20250828/AbC123.mp4)",
    ]
    return sse_chunks(*deltas, model="veo3-fast")


def test_chat_media_stream_reports_progress_lines_in_veo3_stream():
    gateway = FakeGateway(sse_response(veo3_stream_lines()))

    with gateway.client().chat_media.stream(model="veo3-fast", prompt="a paper boat") as stream:
        events = list(stream)

    progress = [event for event in events if isinstance(event, ProgressUpdate)]
    assert [update.line for update in progress] == [
        "视频生成任务已创建",
        "任务ID: `veo3-fast:7c0e`",
        "等待处理中..",
        "🎬 开始生成视频....",
        "进度 37%",
        "🎉 高质量视频已生成",
    ]
    assert [update.percent for update in progress][4] == 37
    assert isinstance(events[-1], MediaDone)
    assert events[-1].result.download_url == "https://filesystem.site/cdn/download/20250828/AbC123.mp4"
    assert stream.result == events[-1].result


def test_chat_media_stream_reports_progress_lines_in_sora_stream():
    deltas = [
        "> 任务ID: `sora-2:task_01k`\n",
        "> 排队中..\n",
        "> 进度 37%\n",
        "> 进度 84%\n",
        "> 生成完成 ✅\n",
        "[在线播放▶️](https://filesystem.site/cdn/20250828/s.mp4)",
    ]
    gateway = FakeGateway(sse_response(sse_chunks(*deltas, model="sora-2")))

    events = list(gateway.client().chat_media.stream(model="sora-2", prompt="a corgi"))

    percents = [event.percent for event in events if isinstance(event, ProgressUpdate)]
    assert percents == [None, None, 37, 84, None]
    assert events[-1].result.files[0].kind == "video"


def test_chat_media_stream_saves_partial_text_as_it_arrives():
    gateway = FakeGateway(sse_response(veo3_stream_lines()))
    stream = gateway.client().chat_media.stream(model="veo3-fast", prompt="a paper boat")
    seen = []

    for event in stream:
        if isinstance(event, TextDelta):
            seen.append(stream.text)

    assert seen[0] == "> 视频生成任务已创建\n"
    assert seen[1] == "> 视频生成任务已创建\n> 任务ID: `veo3-fast:7c0e`\n"


def test_chat_media_stream_in_band_failure_raises_after_progress():
    deltas = ["> 🎬 开始生成视频...\n", "> ❌ 生成失败\n", "> 失败原因: 内容违规\n"]
    gateway = FakeGateway(sse_response(sse_chunks(*deltas, model="veo3")))
    stream = gateway.client().chat_media.stream(model="veo3", prompt="x")
    events = []

    with pytest.raises(GenerationFailed) as caught:
        events.extend(stream)

    assert caught.value.gateway_message == "内容违规"
    assert any(isinstance(event, ProgressUpdate) for event in events)
    assert gateway.last_json()["stream"] is True
