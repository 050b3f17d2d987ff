"""The forms of the other kinds through the project page: what each sends, each kind's limits as clear
errors, "use as input" across kinds, the models offered per kind, and the cards these kinds render."""

from __future__ import annotations

import html
import io
import json
import re
import wave
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studio.accounts.models import User
from studio.generations import catalogue, services
from studio.generations.forms import audio as audio_forms
from studio.generations.models import Asset, Generation, Kind, Status
from studio.lib.media import MediaKind
from studio.projects.models import Project

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """Without the sandbox, the team's gateway refuses connections: the forms offer the default models."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


def png_upload(
    size: tuple[int, int] = (64, 48), name: str = "picture.png", image_format: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA" if image_format == "PNG" else "RGB", size, (20, 120, 200)).save(
        buffer, format=image_format
    )
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def wav_upload(seconds: float = 1.0, name: str = "voice.wav") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x10" * int(8000 * seconds))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="audio/wav")


# What a person leaves as it is when filling in each form.
DEFAULTS: dict[str, dict[str, object]] = {
    "image": {"mode": Kind.CHAT_IMAGE, "model": "gpt-image-1", "count": 1},
    "video_chat": {"mode": Kind.CHAT_VIDEO, "model": "veo3-fast"},
    "audio": {
        "mode": Kind.SPEECH,
        "model": "tts-1",
        "voice": "alloy",
        "audio_format": "mp3",
        "speed": "1",
        "transcript_format": "text",
    },
    "text": {"mode": Kind.CHAT, "model": "gpt-4o-mini"},
    "embeddings": {"model": "text-embedding-3-small"},
}


def post(client: Client, project: Project, family: str, **fields: object):  # type: ignore[no-untyped-def]
    values = {**DEFAULTS[family], **fields}
    data = {"family": family, **{f"{family}-{name}": value for name, value in values.items()}}
    return client.post(reverse("generation_create", args=[project.pk]), data, **HTMX)


def errors(response) -> str:  # type: ignore[no-untyped-def]
    found = re.findall(
        r'<(?:ul|div) class="(?:errorlist|gen-error)[^"]*"[^>]*>(.*?)</(?:ul|div)>', response.text, re.S
    )
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part) for part in found))


@pytest.fixture
def client(user: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(user)


# What each form sends -----------------------------------------------------------------------------

SHARE_LINK = "https://sora.chatgpt.com/p/s_68e3a1b2"


@pytest.mark.parametrize(
    ("family", "fields", "kind", "prompt", "params"),
    [
        ("image", {"prompt": "purple sky"}, Kind.CHAT_IMAGE, "purple sky", {}),
        (
            "image",
            {"mode": Kind.IMAGES_GENERATE, "prompt": "a city", "size": "1792x1024", "style": "natural"},
            Kind.IMAGES_GENERATE,
            "a city",
            {"size": "1792x1024", "style": "natural", "n": 1},
        ),
        ("video_chat", {"prompt": "a wave", "stream": "on"}, Kind.CHAT_VIDEO, "a wave", {"stream": True}),
        (
            "video_chat",
            {"mode": Kind.WATERMARK_REMOVAL, "video_url": SHARE_LINK},
            Kind.WATERMARK_REMOVAL,
            SHARE_LINK,
            {"video_url": SHARE_LINK},
        ),
        (
            "audio",
            {"prompt": "Hello", "voice": "nova", "audio_format": "wav", "speed": "1.5"},
            Kind.SPEECH,
            "Hello",
            {"voice": "nova", "response_format": "wav", "speed": 1.5},
        ),
        (
            "text",
            {"system": "Be terse.", "prompt": "Hi", "temperature": "0.3", "max_tokens": "64"},
            Kind.CHAT,
            "Hi",
            {"system": "Be terse.", "temperature": 0.3, "max_tokens": 64},
        ),
        ("text", {"mode": Kind.COMPLETION, "prompt": "Once"}, Kind.COMPLETION, "Once", {}),
        (
            "embeddings",
            {"prompt": "alpha\n\n  beta  \n", "dimensions": "256"},
            Kind.EMBEDDINGS,
            "alpha\nbeta",
            {"dimensions": 256},
        ),
    ],
)
def test_each_form_records_its_kind_prompt_and_parameters(  # type: ignore[no-untyped-def]
    client, project, family, fields, kind, prompt, params
) -> None:
    post(client, project, family, **fields)

    generation = Generation.objects.get()
    assert (generation.kind, generation.prompt, generation.params) == (kind, prompt, params)


def test_image_form_takes_uploads_for_image_to_image_and_edits(client, project) -> None:  # type: ignore[no-untyped-def]
    post(client, project, "image", prompt="purple sky", images=[png_upload()])
    post(client, project, "image", mode=Kind.IMAGES_EDIT, prompt="a hat", images=[png_upload((100, 80))],
         mask=png_upload((100, 80), "mask.png"), count=2, background="transparent")  # fmt: skip

    chat, edit = Generation.objects.order_by("pk")
    assert list(chat.inputs.values_list("role", "asset__kind")) == [("image", "image")]
    assert edit.params == {"background": "transparent", "n": 2}
    assert sorted(edit.inputs.values_list("role", flat=True)) == ["image", "mask"]


def test_video_chat_form_takes_a_first_frame(client, project) -> None:  # type: ignore[no-untyped-def]
    post(client, project, "video_chat", prompt="a wave", first_frame=png_upload())

    assert Generation.objects.get().inputs.get().role == "first_frame"


def test_audio_form_sends_a_transcription_of_an_uploaded_recording(client, project) -> None:  # type: ignore[no-untyped-def]
    post(client, project, "audio", mode=Kind.TRANSCRIPTION, model="whisper-1", prompt="not sent",
         audio=wav_upload(), language="EN", transcript_format="srt")  # fmt: skip

    generation = Generation.objects.get()
    assert (generation.kind, generation.prompt) == (Kind.TRANSCRIPTION, "")
    assert generation.params == {"response_format": "srt", "language": "en"}
    source = generation.inputs.get()
    assert (source.role, source.asset.kind, source.asset.mime_type) == ("source", "audio", "audio/wav")
    assert source.asset.duration == pytest.approx(1.0, abs=0.01)


# Each kind's limits as clear errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "fields", "message"),
    [
        (
            "image",
            {"mode": Kind.CHAT_IMAGE, "prompt": "x" * 4001, "count": 1},
            "The prompt is too long (4001 characters; the limit is 4000).",
        ),
        (
            "image",
            {"mode": Kind.IMAGES_GENERATE, "prompt": "a", "count": 1, "images": [png_upload()]},
            "Generating takes no input images",
        ),
        ("image", {"mode": Kind.IMAGES_EDIT, "prompt": "a", "count": 1}, "Give at least one image to edit."),
        (
            "image",
            {"mode": Kind.CHAT_IMAGE, "prompt": "a", "count": 1, "images": [png_upload() for _ in range(5)]},
            "Give at most 4 images; you gave 5.",
        ),
        (
            "image",
            {"mode": Kind.IMAGES_GENERATE, "model": "dall-e-3", "prompt": "a", "count": 2},
            "DALL·E 3 makes one image at a time.",
        ),
        (
            "image",
            {"mode": Kind.IMAGES_GENERATE, "prompt": "a", "count": 5},
            "Ensure this value is less than or equal to 4.",
        ),
        (
            "image",
            {"mode": Kind.CHAT_IMAGE, "prompt": "a", "count": 1, "mask": png_upload()},
            "A mask is only used when editing images.",
        ),
        (
            "video_chat",
            {"mode": Kind.CHAT_VIDEO, "prompt": ""},
            "Write a prompt: it is what the model makes.",
        ),
        (
            "video_chat",
            {"mode": Kind.WATERMARK_REMOVAL},
            "Give one Sora share link, or pick one earlier video result.",
        ),
        ("video_chat", {"mode": Kind.WATERMARK_REMOVAL, "video_url": "not a link"}, "Enter a valid URL."),
        ("audio", {"mode": Kind.SPEECH, "prompt": "", "speed": "1"}, "Write the text to speak."),
        (
            "audio",
            {"mode": Kind.SPEECH, "prompt": "x" * 4097, "speed": "1"},
            "The prompt is too long (4097 characters; the limit is 4096).",
        ),
        (
            "audio",
            {"mode": Kind.SPEECH, "prompt": "hi", "speed": "5"},
            "Ensure this value is less than or equal to 4.0.",
        ),
        ("audio", {"mode": Kind.TRANSCRIPTION, "speed": "1"}, "Give one audio or video file to transcribe."),
        (
            "audio",
            {"mode": Kind.TRANSCRIPTION, "speed": "1", "audio": png_upload()},
            "This file is not a video or audio file.",
        ),
        (
            "audio",
            {"mode": Kind.TRANSCRIPTION, "speed": "1", "audio": wav_upload(), "language": "english!"},
            "Write a language code like en or zh.",
        ),
        (
            "text",
            {"mode": Kind.COMPLETION, "prompt": "a", "images": [png_upload()]},
            "Completions take no images; choose chat to use them.",
        ),
        (
            "text",
            {"mode": Kind.CHAT, "prompt": "a", "temperature": "3"},
            "Ensure this value is less than or equal to 2.0.",
        ),
        ("text", {"mode": Kind.CHAT, "prompt": ""}, "Write a prompt: it is what the model answers."),
        (
            "embeddings",
            {"prompt": "\n".join(f"line {i}" for i in range(257))},
            "Embed at most 256 lines at once; you gave 257.",
        ),
        (
            "embeddings",
            {"prompt": "short\n" + "x" * 8001},
            "Line 2 is too long (8001 characters; the limit is 8000).",
        ),
        ("embeddings", {"prompt": " \n "}, "Write at least one line of text to embed."),
        (
            "embeddings",
            {"prompt": "a", "dimensions": "0"},
            "Ensure this value is greater than or equal to 1.",
        ),
    ],
)
def test_each_form_refuses_what_its_kind_cannot_take(client, project, family, fields, message) -> None:  # type: ignore[no-untyped-def]
    response = post(client, project, family, **fields)

    assert response["HX-Retarget"] == "#generation-form"
    assert message in errors(response)
    assert not Generation.objects.exists()


def test_image_edit_refuses_a_mask_of_another_size(client, project) -> None:  # type: ignore[no-untyped-def]
    mask = png_upload((100, 100), "mask.png")
    response = post(
        client,
        project,
        "image",
        mode=Kind.IMAGES_EDIT,
        prompt="a",
        images=[png_upload((256, 256))],
        mask=mask,
    )

    assert "The mask is 100×100 but the image is 256×256; they must be the same size." in errors(response)
    assert not Generation.objects.exists()


def test_image_edit_refuses_a_mask_that_is_not_a_png(client, project) -> None:  # type: ignore[no-untyped-def]
    mask = png_upload((64, 48), "mask.jpg", "JPEG")
    response = post(
        client, project, "image", mode=Kind.IMAGES_EDIT, prompt="a", images=[png_upload()], mask=mask
    )

    assert "The mask must be a PNG image (with transparency)." in errors(response)


def test_transcription_refuses_a_recording_longer_than_the_limit(client, project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(audio_forms, "MAX_TRANSCRIPTION_SECONDS", 0.5)

    response = post(client, project, "audio", mode=Kind.TRANSCRIPTION, audio=wav_upload(2.0))

    assert "The audio is too long (2 s; the limit is 0.5 s)." in errors(response)
    assert not Asset.objects.exists()


def test_a_picked_asset_of_the_wrong_kind_is_refused(client, project, user) -> None:  # type: ignore[no-untyped-def]
    picture = services.store_upload(
        project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    response = post(client, project, "audio", mode=Kind.TRANSCRIPTION, audio_assets=str(picture.pk))

    assert "One of the chosen inputs is not the right kind of file here." in errors(response)
    assert not Generation.objects.exists()


def test_watermark_removal_refuses_a_video_without_a_fetchable_link(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _video_result(project, user, source_url="")

    response = post(client, project, "video_chat", mode=Kind.WATERMARK_REMOVAL, video_assets=str(video.pk))

    assert "This video has no link the gateway can fetch." in errors(response)
    assert not Generation.objects.filter(kind=Kind.WATERMARK_REMOVAL).exists()


# Use as input across kinds ---------------------------------------------------------------------------


def _video_result(
    project: Project, user: User, *, source_url: str = "https://cdn.example.com/v.mp4"
) -> Asset:
    source = _queued(project, user, Kind.SORA2_VIDEO, model="sora-2", prompt="a fox")
    return Asset.objects.create(
        team=project.team,
        project=project,
        generation=source,
        role=Asset.Role.RESULT,
        kind=Asset.MediaKind.VIDEO,
        file="teams/x/v.mp4",
        mime_type="video/mp4",
        size=10,
        sha256="0" * 64,
        source_url=source_url,
    )


def _queued(project: Project, user: User, kind: str, model: str = "m", prompt: str = "Hi") -> Generation:
    return services.start_generation(
        project=project, user=user, kind=kind, model=model, prompt=prompt, params={}
    )


def _page(client: Client, project: Project, **query: object) -> str:
    return client.get(reverse("project_detail", args=[project.pk]), query).text


def _selected(page: str, field_id: str) -> str:
    select = re.search(rf'<select[^>]*id="{field_id}".*?</select>', page, re.S)
    assert select
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def test_a_video_result_opens_watermark_removal_with_the_video_picked(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _video_result(project, user)

    page = _page(client, project, family="video_chat", use=video.pk)

    assert _selected(page, "id_video_chat-mode") == Kind.WATERMARK_REMOVAL
    assert re.search(rf'name="video_chat-video_assets" value="{video.pk}"', page)
    assert "Using as input" in page


def test_a_video_result_opens_transcription_without_copying_its_prompt(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _video_result(project, user)

    page = _page(client, project, family="audio", use=video.pk)

    assert _selected(page, "id_audio-mode") == Kind.TRANSCRIPTION
    assert re.search(rf'name="audio-audio_assets" value="{video.pk}"', page)
    assert "a fox</textarea>" not in page


def test_an_image_result_opens_an_edit_when_the_mode_is_asked_for(client, project, user) -> None:  # type: ignore[no-untyped-def]
    picture = services.store_upload(
        project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    page = _page(client, project, family="image", mode=Kind.IMAGES_EDIT, use=picture.pk)

    assert _selected(page, "id_image-mode") == Kind.IMAGES_EDIT
    assert re.search(rf'name="image-images_assets" value="{picture.pk}"', page)
    assert 'value="gpt-image-1"' in page  # The edit's default model.


def test_an_audio_result_is_not_offered_to_a_form_without_audio_input(client, project, user) -> None:  # type: ignore[no-untyped-def]
    recording = services.store_upload(
        project=project, user=user, upload=wav_upload(), allowed={MediaKind.AUDIO}
    )

    page = _page(client, project, family="image", use=recording.pk)

    assert "Using as input" not in page


# Models per kind ------------------------------------------------------------------------------------


def test_each_mode_has_its_own_model_suggestions_with_its_default_first(client, project) -> None:  # type: ignore[no-untyped-def]
    page = _page(client, project, family="audio")

    lists = dict(
        re.findall(r'<datalist id="id_audio-model-suggestions-(\w+)"[^>]*>(.*?)</datalist>', page, re.S)
    )
    assert set(lists) == {Kind.SPEECH, Kind.TRANSCRIPTION, Kind.TRANSLATION}
    assert re.findall(r'value="([^"]+)"', lists[Kind.SPEECH])[0] == "tts-1"
    assert "whisper-1" in lists[Kind.TRANSCRIPTION]
    assert "tts-1" not in lists[Kind.TRANSCRIPTION]
    assert 'list="id_audio-model-suggestions-speech"' in page


def test_the_catalogue_offers_only_fitting_models_from_the_gateways_list(sandbox, project) -> None:  # type: ignore[no-untyped-def]
    video_chat = catalogue.models_for_kind(project.team, Kind.CHAT_VIDEO)
    remover = catalogue.models_for_kind(project.team, Kind.WATERMARK_REMOVAL)
    translation = catalogue.models_for_kind(project.team, Kind.TRANSLATION)
    images_api = catalogue.models_for_kind(project.team, Kind.IMAGES_GENERATE)

    assert video_chat[0] == "veo3-fast"
    assert {"veo3", "sora-2", "sora2-portrait-10s"} <= set(video_chat)
    assert not {"sora_remover", "sora-2-character", "gpt-4o"} & set(video_chat)
    assert remover == ["sora_remover"]
    assert translation == ["whisper-1"]
    assert {"dall-e-3", "gpt-image-1", "flux-pro", "gemini-2.5-flash-image"} <= set(images_api)
    assert "gpt-4o-image" not in images_api


# Cards of these kinds --------------------------------------------------------------------------------


def _card(client: Client, project: Project, generation: Generation) -> str:
    page = _page(client, project)
    match = re.search(rf'<article id="generation-{generation.pk}".*?</article>', page, re.S)
    assert match
    return html.unescape(match.group(0))


def _moved(generation: Generation, **fields: object) -> Generation:
    Generation.objects.filter(pk=generation.pk).update(updated_at=timezone.now(), **fields)
    generation.refresh_from_db()
    return generation


def test_a_streaming_chat_card_shows_the_answer_so_far_without_check_now(client, project, user) -> None:  # type: ignore[no-untyped-def]
    chat = _queued(project, user, Kind.CHAT, model="gpt-4o-mini")
    _moved(chat, status=Status.RUNNING, result_text="Hello, this is half")

    card = _card(client, project, chat)

    assert 'aria-label="Answer so far">Hello, this is half</div>' in card
    assert "Check now" not in card
    assert "Cancel" in card


def test_a_chat_video_card_shows_its_progress_lines_while_running(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _queued(project, user, Kind.CHAT_VIDEO, model="veo3-fast", prompt="a wave")
    text = "> 视频生成任务已创建\n> [数据预览](https://asyncdata.net/web/x)\n> 进度 41%\n"
    _moved(video, status=Status.RUNNING, result_text=text, progress=41)

    card = _card(client, project, video)

    lines = re.findall(r"<li>(.*?)</li>", re.search(r'<ol class="stream-lines.*?</ol>', card, re.S).group(0))
    assert lines == ["视频生成任务已创建", "进度 41%"]


def test_a_finished_embeddings_card_shows_count_dimensions_preview_and_usage(client, project, user) -> None:  # type: ignore[no-untyped-def]
    embeddings = _queued(project, user, Kind.EMBEDDINGS, model="text-embedding-3-small", prompt="a\nb")
    summary = {"count": 2, "dimensions": 8, "preview": [[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]}
    _moved(
        embeddings,
        status=Status.SUCCEEDED,
        result_text=json.dumps(summary),
        usage={"prompt_tokens": 2, "total_tokens": 2},
    )

    card = _card(client, project, embeddings)

    assert "2 vectors of 8 dimensions" in card
    assert "[0.1000, -0.2000, 0.3000, 0.4000, …]" in card
    assert "Usage: 2 tokens" in card


def test_a_finished_chat_card_shows_the_answer_and_its_token_usage(client, project, user) -> None:  # type: ignore[no-untyped-def]
    chat = _queued(project, user, Kind.CHAT, model="gpt-4o-mini")
    _moved(
        chat,
        status=Status.SUCCEEDED,
        result_text="Hello!",
        usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    )

    card = _card(client, project, chat)

    assert 'aria-label="Answer">Hello!</div>' in card
    assert "Usage: 5 tokens in, 2 out (7 in all)" in card


def test_a_finished_video_offers_watermark_removal_and_transcription(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _video_result(project, user)
    _moved(video.generation, status=Status.SUCCEEDED)

    card = _card(client, project, video.generation)

    uses = dict(re.findall(r'<a href="[^"]*\?family=([\w]+)&mode=(\w+)&use=' + str(video.pk), card))
    assert uses == {"video_chat": Kind.WATERMARK_REMOVAL, "audio": Kind.TRANSCRIPTION}
    assert "Remove the watermark" in card
    assert "Transcribe it" in card


def test_the_poller_sends_a_streaming_card_again_when_its_text_grew(client, project, user) -> None:  # type: ignore[no-untyped-def]
    chat = _queued(project, user, Kind.CHAT, model="gpt-4o-mini")
    chat = _moved(chat, status=Status.RUNNING, result_text="Hel")
    version = f"{chat.pk}.{int(chat.updated_at.timestamp() * 1000)}"
    assert f'id="generation-{chat.pk}"' not in client.get(reverse("generation_poll"), {"v": version}).text

    _moved(chat, result_text="Hello, world")
    response = client.get(reverse("generation_poll"), {"v": version})

    assert "Hello, world" in response.text
    assert response.status_code == 200


def test_transcription_refuses_an_earlier_result_larger_than_the_models_take(client, project, user) -> None:  # type: ignore[no-untyped-def]
    video = _video_result(project, user)
    Asset.objects.filter(pk=video.pk).update(size=audio_forms.MAX_TRANSCRIPTION_BYTES + 1)

    response = post(client, project, "audio", mode=Kind.TRANSCRIPTION, audio_assets=str(video.pk))

    assert "This file is larger than the 25 MB the speech-to-text models take." in errors(response)
    assert not Generation.objects.filter(kind=Kind.TRANSCRIPTION).exists()
