"""Chat-format media models: gpt-4o-image, Gemini image models, sora_remover, Veo3 and Sora2 chats."""

from __future__ import annotations

import base64
import io
import json
import re

import av
import pytest

from tests.sandbox.helpers import cdn_path, data_url, decode_image

MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)]+)\)")


def chat(api, model, content, *, stream=False, **headers):
    body = {"model": model, "stream": stream, "messages": [{"role": "user", "content": content}]}
    response = api.post("/v1/chat/completions", body, **headers)
    assert response.status_code == 200
    if not stream:
        return response.json()["choices"][0]["message"]["content"]
    text = b"".join(response.streaming_content).decode()
    events = [block.removeprefix("data: ") for block in text.split("\n\n") if block.startswith("data: ")]
    assert events[-1] == "[DONE]"
    deltas = [json.loads(event)["choices"] for event in events[:-1]]
    return [choice[0]["delta"].get("content", "") for choice in deltas if choice]


def video_of(client, url):
    response = client.get(cdn_path(url))
    assert response["Content-Type"] == "video/mp4"
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.name, stream.width, stream.height


def test_gpt_4o_image_shows_progress_then_image_and_download_link(api, client):
    text = chat(api, "gpt-4o-image", "a red fox in snow, 3:2")

    assert text.startswith("```json\n")
    assert '"size": "3:2"' in text
    assert "> 进度 **88%**" in text
    image_url = MARKDOWN_IMAGE.search(text).group(1)
    download = next(url for label, url in MARKDOWN_LINK.findall(text) if "下载" in label)
    assert "/cdn/download/" in download
    assert decode_image(client.get(cdn_path(image_url)).content).size == (1536, 1024)


def test_gpt_4o_image_streams_lines_as_separate_deltas(api):
    deltas = chat(api, "gpt-4o-image", "a red fox", stream=True)

    assert any("进度" in delta for delta in deltas)
    assert MARKDOWN_IMAGE.search(deltas[-1] if deltas[-1] else deltas[-2])


def test_gpt_4o_image_fails_in_band(api):
    text = chat(api, "gpt-4o-image", "a red fox", **{"X-Sandbox-Fault": "fail"})

    assert "生成失败" in text
    assert "失败原因" in text
    assert not MARKDOWN_IMAGE.search(text)


def test_gemini_flash_image_inlines_data_url(api):
    text = chat(api, "gemini-2.5-flash-image", "a cat --ar 16:9")

    url = MARKDOWN_IMAGE.search(text).group(1)
    assert url.startswith("data:image/png;base64,")
    assert decode_image(base64.b64decode(url.split(",", 1)[1])).size == (1024, 576)


def test_gemini_image_to_image_uses_input(api):
    content = [
        {"type": "text", "text": "Make the sky purple"},
        {"type": "image_url", "image_url": {"url": data_url((200, 400), (0, 0, 250))}},
    ]

    text = chat(api, "gemini-2.5-flash-image", content)

    image = decode_image(base64.b64decode(MARKDOWN_IMAGE.search(text).group(1).split(",", 1)[1]))
    assert image.size == (512, 1024)
    red, green, blue = image.getpixel((image.width // 2, 4))
    assert blue > red
    assert blue > green


def test_gemini_3_pro_image_links_to_cdn(api, client):
    text = chat(api, "gemini-3-pro-image-preview", "a cat")

    url = MARKDOWN_IMAGE.search(text).group(1)
    assert url.startswith("http://testserver/sandbox/cdn/")
    assert decode_image(client.get(cdn_path(url)).content).size == (1024, 1024)


def test_gemini_image_rejects_unreadable_input(api):
    body = {
        "model": "gemini-2.5-flash-image",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
            }
        ],
    }

    response = api.post("/v1/chat/completions", body)

    assert response.status_code == 400


def test_veo3_chat_follows_template_and_links_mp4(api, client):
    text = chat(api, "veo3-fast", "a paper boat in rain")

    assert "> 任务ID: `veo3-fast:" in text
    assert "> 类型: 文字生成" in text
    assert "🎬 开始生成视频......" in text
    links = dict(MARKDOWN_LINK.findall(text))
    watch = links["▶️ 在线观看"]
    assert "/cdn/download/" in links["⏬ 下载视频"]
    assert video_of(client, watch) == ("h264", 320, 180)


def test_veo3_chat_stream_sends_dots_one_by_one(api):
    deltas = chat(api, "veo3", "a paper boat", stream=True)

    assert deltas.count(".") >= 10
    assert "🎉 高质量视频已生成" in "".join(deltas)


def test_veo3_chat_with_portrait_image_makes_portrait_video(api, client):
    content = [
        {"type": "text", "text": "animate this"},
        {"type": "image_url", "image_url": {"url": data_url((90, 160))}},
    ]

    text = chat(api, "veo3-fast-frames", content)

    assert "> 类型: 图片生成" in text
    assert video_of(client, dict(MARKDOWN_LINK.findall(text))["▶️ 在线观看"])[1:] == (180, 320)


def test_veo3_chat_fails_in_band(api):
    text = chat(api, "veo3", "x", **{"X-Sandbox-Fault": "fail"})

    assert "❌ 视频生成失败" in text
    assert ".mp4" not in text


def test_sora_chat_reports_progress_and_links_video(api, client):
    deltas = chat(api, "sora-2", "a corgi surfing", stream=True)

    text = "".join(deltas)
    assert "> 任务ID: `sora-2:task_" in text
    assert "> 进度 52%" in text
    assert "生成完成 ✅" in text
    url = dict(MARKDOWN_LINK.findall(text))["在线播放▶️"]
    assert video_of(client, url) == ("h264", 180, 320)


def test_sora_chat_landscape_model_makes_landscape_video(api, client):
    text = chat(api, "sora2-landscape-10s", "a corgi")

    assert video_of(client, dict(MARKDOWN_LINK.findall(text))["在线播放▶️"])[1:] == (320, 180)


def test_sora_remover_returns_clean_video(api, client):
    text = chat(api, "sora_remover", "https://sora.chatgpt.com/p/s_12345678")

    links = dict(MARKDOWN_LINK.findall(text))
    assert video_of(client, links["▶️ 无水印视频"])[0] == "h264"


def test_sora_remover_fails_in_band_without_link(api):
    text = chat(api, "sora_remover", "no link here")

    assert "❌" in text
    assert "http" not in text


@pytest.mark.parametrize("model", ["gpt-4o-image", "veo3", "sora-2"])
def test_media_chat_hangs_then_fails_when_stuck(api, settings, model):
    settings.SANDBOX_TIME_SCALE = 0.0001

    text = chat(api, model, "x", **{"X-Sandbox-Fault": "stuck"})

    assert "任务超时" in text
