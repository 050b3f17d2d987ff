"""Reading media, progress and failures out of chat-format model answers."""

from __future__ import annotations

from studio.upstream import MediaLink, extract_media, group_media
from studio.upstream.media import find_failure_reason, find_gateway_task_id, parse_progress_line

GPT_4O_IMAGE_ANSWER = """```json
{
  "prompt": "a red fox in snow, watercolor",
  "size": "1:1"
}
```

> 进度 **3%**

> 进度 **41%**

> 进度 **88%**

![file_00000000abc](https://filesystem.site/cdn/20250828/Xy12AbCdEf.png)
[下载⏬](https://filesystem.site/cdn/download/20250828/Xy12AbCdEf.png)
"""

VEO3_ANSWER = """> 视频生成任务已创建
> 任务ID: `veo3-fast:7c0e4a52-1d1e-4c55-9f6a-2b1b2f7d9a10`
> 为了防止任务中断，可以从以下链接持续获取任务进度:
> [数据预览](https://asyncdata.net/web/veo3-fast:7c0e4a52) | [原始数据](https://asyncdata.net/source/veo3-fast:7c0e4a52)
> 等待处理中.
> 类型: 文字生成
> 🎬 开始生成视频..........
> 🎉 高质量视频已生成
[▶️ 在线观看](https://filesystem.site/cdn/20250828/AbC123.mp4) | [⏬ 下载视频](https://filesystem.site/cdn/download/20250828/AbC123.mp4)
"""


def test_extract_media_reads_markdown_image_and_download_link():
    links = extract_media(GPT_4O_IMAGE_ANSWER)

    assert links == (
        MediaLink(
            url="https://filesystem.site/cdn/20250828/Xy12AbCdEf.png",
            kind="image",
            is_download=False,
            label="file_00000000abc",
        ),
        MediaLink(
            url="https://filesystem.site/cdn/download/20250828/Xy12AbCdEf.png",
            kind="image",
            is_download=True,
            label="下载⏬",
        ),
    )


def test_group_media_pairs_display_and_download_link_of_one_file():
    files = group_media(extract_media(VEO3_ANSWER))

    assert len(files) == 1
    assert files[0].kind == "video"
    assert files[0].display_url == "https://filesystem.site/cdn/20250828/AbC123.mp4"
    assert files[0].download_url == "https://filesystem.site/cdn/download/20250828/AbC123.mp4"


def test_extract_media_ignores_progress_page_links():
    urls = [link.url for link in extract_media(VEO3_ANSWER)]

    assert not any("asyncdata.net" in url for url in urls)


def test_extract_media_reads_data_url_images():
    data_url = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
        "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )

    links = extract_media(f"Here is your picture:\n\n![image]({data_url})")

    assert len(links) == 1
    assert links[0].url == data_url
    assert links[0].kind == "image"
    assert links[0].is_data_url


def test_extract_media_reads_bare_data_url():
    links = extract_media("result data:image/webp;base64,UklGRiQAAABXRUJQ done")

    assert [link.url for link in links] == ["data:image/webp;base64,UklGRiQAAABXRUJQ"]


def test_extract_media_returns_several_results_in_order():
    text = (
        "Two takes:\n![one](https://filesystem.site/cdn/a.png)\n"
        "![two](https://filesystem.site/cdn/b.jpg)\n"
        "![one again](https://filesystem.site/cdn/a.png)"
    )

    files = group_media(extract_media(text))

    assert [file.display_url for file in files] == [
        "https://filesystem.site/cdn/a.png",
        "https://filesystem.site/cdn/b.jpg",
    ]


def test_extract_media_reads_html_video_tag():
    text = "```html\n<video src='https://oss.example.com/out/v1.mp4' controls></video>\n```"

    links = extract_media(text)

    assert [(link.url, link.kind) for link in links] == [("https://oss.example.com/out/v1.mp4", "video")]


def test_extract_media_guesses_video_from_link_label_without_extension():
    links = extract_media("[在线播放▶️](https://videos.example.com/play?id=42)")

    assert [(link.url, link.kind) for link in links] == [("https://videos.example.com/play?id=42", "video")]


def test_extract_media_falls_back_to_bare_url_when_nothing_else_is_known():
    links = extract_media("Done: https://files.example.com/result/42。")

    assert [(link.url, link.kind) for link in links] == [("https://files.example.com/result/42", "unknown")]


def test_extract_media_finds_nothing_in_plain_text():
    assert extract_media("> ❌ 生成失败\n> 失败原因: 内容违规") == ()


def test_progress_line_reads_bold_percentage():
    update = parse_progress_line("> 进度 **41%**")

    assert update is not None
    assert update.percent == 41
    assert update.line == "进度 **41%**"


def test_progress_line_without_percentage_has_none():
    update = parse_progress_line("> 🎬 开始生成视频..........")

    assert update is not None
    assert update.percent is None


def test_progress_line_ignores_media_links_and_code():
    assert parse_progress_line("![x](https://filesystem.site/cdn/a.png)") is None
    assert parse_progress_line('  "size": "1:1"') is None
    assert parse_progress_line("") is None


def test_gateway_task_id_is_read_from_task_id_line():
    assert find_gateway_task_id(VEO3_ANSWER) == "veo3-fast:7c0e4a52-1d1e-4c55-9f6a-2b1b2f7d9a10"


def test_failure_reason_is_read_from_reason_line():
    assert find_failure_reason("> 🎬 开始生成视频...\n> ❌ 生成失败\n> 失败原因: 内容违规") == "内容违规"
    assert find_failure_reason("> 生成失败，失败原因：提示词包含敏感内容") == "提示词包含敏感内容"


def test_failure_reason_is_the_marked_line_when_no_reason_is_given():
    assert find_failure_reason("> 🎬 开始生成视频...\n> ❌ 生成失败") == "生成失败"


def test_failure_reason_is_the_marked_line_when_only_a_finish_reason_is_given():
    text = "抱歉，图片生成失败：模型未返回图片 (finish_reason: IMAGE_SAFETY)"

    assert find_failure_reason(text) == text


def test_failure_reason_is_none_when_answer_succeeded():
    assert find_failure_reason(VEO3_ANSWER) is None
