"""The generation views: the project page, submitting, and the result actions, with and without htmx.

The poll view has its own file (`test_poll_view.py`), media serving too (`test_serving.py`), and the 404s
for another team are in `tests/test_tenant_isolation.py`.
"""

from __future__ import annotations

import base64
import html
import io
import re
import struct
import zlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from studio.accounts.models import Team, User
from studio.accounts.services import update_gateway
from studio.generations import services
from studio.generations.models import Asset, Generation, GenerationInput, Kind, Status
from studio.generations.views import PAGE_SIZE
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
JOB = "a1b2c3d4-0000-4000-8000-000000000001"
MJ_BUTTONS = [
    {"custom_id": f"MJ::JOB::upsample::2::{JOB}", "label": "U2", "emoji": ""},
    {"custom_id": f"MJ::Inpaint::1::{JOB}::SOLO", "label": "Vary (Region)", "emoji": "🖌️"},
]


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """Without the sandbox fixture, the team's gateway refuses connections: the forms use default models."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


# Builders ------------------------------------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "frame.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(size), content_type="image/png")


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size: what a decompression bomb looks like."""
    data = png_bytes((1, 1))
    ihdr = 8 + 4  # after the signature and the chunk's length field
    body = b"IHDR" + struct.pack(">II", width, height) + data[ihdr + 12 : ihdr + 17]
    return data[:ihdr] + body + struct.pack(">I", zlib.crc32(body)) + data[ihdr + 4 + 13 + 4 :]


def veo3_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "family": "veo3",
        "veo3-model": "veo3-fast",
        "veo3-prompt": "a red fox in the snow",
        "veo3-aspect_ratio": "9:16",
        "veo3-enhance_prompt": "on",
    }
    data.update(fields)
    return data


def midjourney_data(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "family": "midjourney",
        "midjourney-model": "midjourney",
        "midjourney-mode": Kind.MJ_IMAGINE,
        "midjourney-prompt": "a castle on a hill",
        "midjourney-dimensions": "SQUARE",
    }
    data.update(fields)
    return data


def queued(
    project: Project, user: User, kind: str = Kind.VEO3_VIDEO, prompt: str = "a red fox"
) -> Generation:
    models = {Kind.SORA2_VIDEO: "sora-2", Kind.MJ_IMAGINE: "midjourney"}
    return services.start_generation(
        project=project, user=user, kind=kind, model=models.get(kind, "veo3-fast"), prompt=prompt, params={}
    )


def moved_to(generation: Generation, status: Status, **fields: object) -> Generation:
    """The generation moved to `status` through the model's own compare-and-set transition."""
    assert generation.transition(status, allowed_from=[Status(generation.status)], **fields)
    return generation


def succeeded(
    project: Project, user: User, kind: str = Kind.VEO3_VIDEO, prompt: str = "a red fox", **fields: object
) -> Generation:
    return moved_to(
        queued(project, user, kind, prompt), Status.SUCCEEDED, upstream_task_id="task-1", **fields
    )


def tag_with_id(text: str, element_id: str) -> str:
    """The opening tag of the element with this id; fails when there is none."""
    match = re.search(rf'<[a-z]+\b[^>]*\sid="{re.escape(element_id)}"[^>]*>', text)
    assert match, f"no element with id {element_id!r}"
    return match.group(0)


def polled_ids(poller: str) -> list[int]:
    """The generation ids a poller tag asks about; empty when it is inert."""
    query = re.search(r'hx-get="[^"]*\?v=([^"]*)"', poller)
    return [int(pair.split(".")[0]) for pair in query.group(1).split(",")] if query else []


# The project page ----------------------------------------------------------------------------------


def test_project_detail_shows_cards_newest_first_with_the_poller_following_live_ones(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    done = succeeded(project, user, prompt="an older finished fox")
    live = queued(project, user, prompt="a newer queued fox")

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    assert response.status_code == 200
    text = response.text
    assert text.index(f'id="generation-{live.pk}"') < text.index(f'id="generation-{done.pk}"')
    poller = tag_with_id(text, "generation-poller")
    assert polled_ids(poller) == [live.pk]
    assert 'hx-trigger="every 3s"' in poller
    assert tag_with_id(text, "generation-form")
    assert 'name="veo3-prompt"' in text


def test_project_detail_renders_an_inert_poller_when_nothing_is_live(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    succeeded(project, user)

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    poller = tag_with_id(response.text, "generation-poller")
    assert "hx-get" not in poller
    assert 'data-live="0"' in poller


def test_project_detail_htmx_family_tab_returns_only_that_form(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("project_detail", args=[project.pk]), {"family": "sora2"}, **HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="generation-form"')
    assert "<html" not in response.text
    assert 'name="sora2-size"' in response.text
    assert 'name="family" value="sora2"' in response.text
    assert 'id="generation-list"' not in response.text


def test_project_detail_pages_cards_and_htmx_load_more_returns_the_next_cards(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generations = [queued(project, user, prompt=f"fox number {n}") for n in range(PAGE_SIZE + 2)]
    client = client_for(user)

    first = client.get(reverse("project_detail", args=[project.pk]))
    oldest_shown = generations[2]
    more = client.get(reverse("project_detail", args=[project.pk]), {"before": oldest_shown.pk}, **HTMX)

    assert first.text.count('<article id="generation-') == PAGE_SIZE
    assert f"?before={oldest_shown.pk}" in first.text
    assert "<html" not in more.text
    assert more.text.count('<article id="generation-') == 2
    assert f'id="generation-{generations[0].pk}"' in more.text
    assert f'id="generation-{generations[1].pk}"' in more.text
    assert "Load more" not in more.text


def test_project_detail_query_count_does_not_grow_with_cards(
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,
    session_queries: int,
) -> None:
    client = client_for(user)
    url = reverse("project_detail", args=[project.pk])
    client.get(url)  # The first visit remembers the team in the session; later ones only read it.
    for _ in range(3):
        succeeded(project, user)
    with CaptureQueriesContext(connection) as few_cold:
        client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        succeeded(project, user, Kind.MJ_IMAGINE)

    # Cards not yet cached (or in flight) are read as full rows, with their files: two more queries.
    with CaptureQueriesContext(connection) as many_cold:
        client.get(url)
    # 7: the user, the project, the memberships (the header's, which also give the viewer's role), the
    # header's unread-notification COUNT, the form's presets, and the cards read as values, with their files.
    with django_assert_max_num_queries(7 + session_queries), CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.text.count('<article id="generation-') == 23
    assert len(many) == len(few)
    assert len(many_cold) == len(few_cold) == len(many) + 2


def test_project_detail_prefills_the_picked_asset_when_use_is_given(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    frame = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})

    response = client_for(user).get(reverse("project_detail", args=[project.pk]), {"use": frame.pk})

    assert reverse("asset_file", args=[frame.pk, "thumb"]) in response.text
    hidden = tag_with_id(response.text, "id_veo3-first_frame_assets")
    assert f'value="{frame.pk}"' in hidden


def test_project_detail_ignores_another_teams_asset_when_use_is_given(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    other_project = factories.make_project(factories.make_team(other_team_user))
    foreign = services.store_upload(
        project=other_project, user=other_team_user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    response = client_for(user).get(reverse("project_detail", args=[project.pk]), {"use": foreign.pk})

    assert response.status_code == 200
    assert reverse("asset_file", args=[foreign.pk, "thumb"]) not in response.text
    assert "Using as input" not in response.text


def test_project_detail_shows_viewer_cards_without_actions(
    project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    generation = queued(project, user)

    response = client_for(viewer).get(reverse("project_detail", args=[project.pk]))

    assert f'id="generation-{generation.pk}"' in response.text
    assert reverse("generation_cancel", args=[generation.pk]) not in response.text
    assert 'id="generation-form"' not in response.text


# Login and roles -----------------------------------------------------------------------------------

ACTION_URLS = [
    "generation_cancel",
    "generation_retry",
    "generation_check",
    "generation_button",
    "generation_remix",
    "generation_character",
]


@pytest.mark.parametrize("name", ["project_detail", "generation_create", "generation_poll", *ACTION_URLS])
def test_generation_views_require_login(name: str, project: Project, user: User, client: Client) -> None:
    generation = queued(project, user)
    args = {"project_detail": [project.pk], "generation_create": [project.pk], "generation_poll": []}.get(
        name, [generation.pk]
    )
    url = reverse(name, args=args)

    response = client.get(url) if name in {"project_detail", "generation_poll"} else client.post(url, {})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Generation.objects.count() == 1


def test_generation_create_forbidden_for_viewer(
    project: Project, viewer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(viewer).post(reverse("generation_create", args=[project.pk]), veo3_data(), **HTMX)

    assert response.status_code == 403
    assert not Generation.objects.exists()


@pytest.mark.parametrize("name", ACTION_URLS)
def test_generation_actions_forbidden_for_viewer(
    name: str, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    """Each action is tried on a generation it would change, so only the role check can stop it."""
    later = timezone.now() + timedelta(minutes=10)
    targets = {
        "generation_cancel": queued(project, user),
        "generation_retry": moved_to(queued(project, user), Status.FAILED, error_message="No."),
        "generation_check": moved_to(
            queued(project, user), Status.SUBMITTED, upstream_task_id="t", next_poll_at=later
        ),
        "generation_button": succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS),
        "generation_remix": succeeded(project, user, Kind.SORA2_VIDEO),
        "generation_character": succeeded(project, user, Kind.SORA2_VIDEO),
    }
    before = list(Generation.objects.order_by("pk").values_list("pk", "status", "next_poll_at"))
    data = {"custom_id": MJ_BUTTONS[0]["custom_id"], "prompt": "at night", "name": "Fox", "timestamps": "1,3"}

    response = client_for(viewer).post(reverse(name, args=[targets[name].pk]), data, **HTMX)

    assert response.status_code == 403
    assert "Viewers can look but not change anything in this team." in response.text
    assert list(Generation.objects.order_by("pk").values_list("pk", "status", "next_poll_at")) == before


# Submitting ----------------------------------------------------------------------------------------


def test_generation_create_records_the_request_and_redirects_to_the_project(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(reverse("generation_create", args=[project.pk]), veo3_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk])
    generation = Generation.objects.get()
    assert (generation.kind, generation.model, generation.status) == (Kind.VEO3_VIDEO, "veo3-fast", "queued")
    assert generation.prompt == "a red fox in the snow"
    assert generation.params == {"aspect_ratio": "9:16", "enhance_prompt": True, "enable_upsample": False}
    assert generation.created_by == user
    assert generation.team == project.team


def test_generation_create_htmx_answers_the_new_card_a_fresh_form_and_the_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    earlier = queued(project, user, prompt="still running")

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), veo3_data(), **HTMX)

    assert response.status_code == 200
    generation = Generation.objects.exclude(pk=earlier.pk).get()
    card = tag_with_id(response.text, f"generation-{generation.pk}")
    assert card.startswith("<article")
    assert "hx-swap-oob" not in card
    assert 'data-status="queued"' in card
    form = tag_with_id(response.text, "generation-form")
    assert 'hx-swap-oob="true"' in form
    assert "a red fox in the snow</textarea>" not in response.text
    poller = tag_with_id(response.text, "generation-poller")
    assert 'hx-swap-oob="true"' in poller
    assert polled_ids(poller) == [generation.pk, earlier.pk]
    assert "<html" not in response.text


def test_generation_create_stores_an_uploaded_first_frame_as_input(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = veo3_data(**{"veo3-first_frame": png_upload(size=(320, 180))})

    client_for(user).post(reverse("generation_create", args=[project.pk]), data, **HTMX)

    link = GenerationInput.objects.select_related("asset", "generation").get()
    assert link.role == "first_frame"
    assert (link.asset.width, link.asset.height, link.asset.mime_type) == (320, 180, "image/png")
    assert link.asset.thumbnail
    assert link.generation.project == project


def test_generation_create_uses_a_picked_asset_of_the_team(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    frame = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})

    client_for(user).post(
        reverse("generation_create", args=[project.pk]),
        veo3_data(**{"veo3-first_frame_assets": str(frame.pk)}),
    )

    assert [link.asset for link in Generation.objects.get().inputs.all()] == [frame]


def test_generation_create_blends_two_uploaded_images(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = midjourney_data(
        **{
            "midjourney-mode": Kind.MJ_BLEND,
            "midjourney-prompt": "",
            "midjourney-dimensions": "PORTRAIT",
            "midjourney-images": [png_upload("a.png"), png_upload("b.png")],
        }
    )

    client_for(user).post(reverse("generation_create", args=[project.pk]), data)

    generation = Generation.objects.get()
    assert generation.kind == Kind.MJ_BLEND
    assert generation.params == {"dimensions": "PORTRAIT"}
    assert list(generation.inputs.values_list("role", "asset__original_name")) == [
        ("source", "a.png"),
        ("source", "b.png"),
    ]


# Bad input: clear errors and nothing lost ------------------------------------------------------------


def assert_form_error(response, message: str, *, prompt: str, prefix: str = "veo3") -> None:  # type: ignore[no-untyped-def]
    """The form came back with the message and with the prompt as it was typed; nothing was recorded."""
    errors = " ".join(
        re.findall(
            r'<(?:ul|div) class="(?:errorlist|gen-error)[^"]*"[^>]*>(.*?)</(?:ul|div)>', response.text, re.S
        )
    )
    assert message in html.unescape(errors)
    assert f"{html.escape(prompt)}</textarea>" in response.text
    assert f'name="{prefix}-prompt"' in response.text
    assert not Generation.objects.exists()


def test_generation_create_shows_error_when_prompt_is_empty(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-prompt": "   "})
    )

    assert response.status_code == 400
    assert "Write a prompt: it is what the model makes." in response.text
    assert not Generation.objects.exists()


def test_generation_create_htmx_retargets_the_form_when_input_is_invalid(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-prompt": ""}), **HTMX
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#generation-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert response.text.lstrip().startswith('<section id="generation-form"')
    assert "Write a prompt: it is what the model makes." in response.text
    assert not Generation.objects.exists()


@pytest.mark.parametrize("is_htmx", [False, True], ids=["page", "htmx"])
def test_generation_create_keeps_the_prompt_when_prompt_is_too_long(
    is_htmx: bool, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    prompt = " ".join(["A fox runs through deep snow at dawn."] * 106)  # 4027 characters
    headers = HTMX if is_htmx else {}

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-prompt": prompt}), **headers
    )

    assert_form_error(
        response,
        "The prompt is too long (4027 characters; the limit is 4000).",
        prompt=prompt,
    )


def test_generation_create_refuses_an_unsupported_aspect_ratio(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-aspect_ratio": "4:3"})
    )

    assert response.status_code == 400
    assert_form_error(response, "Select a valid choice. 4:3 is not one of", prompt="a red fox in the snow")


def test_generation_create_refuses_an_unsupported_sora_size(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = {
        "family": "sora2",
        "sora2-model": "sora-2",
        "sora2-prompt": "a fox on a frozen lake",
        "sora2-seconds": "4",
        "sora2-size": "640x480",
    }

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), data, **HTMX)

    assert_form_error(
        response,
        "Select a valid choice. 640x480 is not one of",
        prompt="a fox on a frozen lake",
        prefix="sora2",
    )
    assert 'name="family" value="sora2"' in response.text


@pytest.mark.parametrize("count", [1, 6])
def test_generation_create_refuses_a_blend_when_image_count_is_wrong(
    count: int, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = midjourney_data(
        **{
            "midjourney-mode": Kind.MJ_BLEND,
            "midjourney-prompt": "keep this text",
            "midjourney-images": [png_upload(f"{n}.png") for n in range(count)],
        }
    )

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), data, **HTMX)

    assert_form_error(
        response,
        f"Give 2 to 5 images; you gave {count}.",
        prompt="keep this text",
        prefix="midjourney",
    )
    assert not Asset.objects.exists()


def test_generation_create_refuses_describe_without_an_image(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = midjourney_data(**{"midjourney-mode": Kind.MJ_DESCRIBE, "midjourney-prompt": "just words"})

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), data)

    assert response.status_code == 400
    assert_form_error(
        response, "Give exactly one image; you gave 0.", prompt="just words", prefix="midjourney"
    )


def test_generation_create_refuses_a_text_file_named_png(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    fake = SimpleUploadedFile("frame.png", b"just some words, not a picture\n" * 20, content_type="image/png")

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame": fake}), **HTMX
    )

    assert response["HX-Retarget"] == "#generation-form"
    assert_form_error(response, "This file is not an image.", prompt="a red fox in the snow")
    assert not Asset.objects.exists()


def test_generation_create_refuses_a_decompression_bomb_when_its_header_claims_100_megapixels(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    bomb = SimpleUploadedFile("bomb.png", png_claiming(10_000, 10_000), content_type="image/png")

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame": bomb}), **HTMX
    )

    # Pillow's own guard or the studio's IMAGE_MAX_PIXELS fires first, depending on the warnings filter.
    assert_form_error(response, "The image is too large (", prompt="a red fox in the snow")
    assert not Asset.objects.exists()


def test_generation_create_refuses_a_header_over_the_studios_pixel_limit(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    bomb = SimpleUploadedFile("bomb.png", png_claiming(8_000, 8_000), content_type="image/png")

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame": bomb}), **HTMX
    )

    assert_form_error(
        response, "The image is too large (64 megapixels; the limit is 50).", prompt="a red fox in the snow"
    )
    assert not Asset.objects.exists()


def test_generation_create_refuses_an_image_over_the_pixel_limit(
    project: Project, user: User, settings, client_for: Callable[[User], Client]
) -> None:
    settings.IMAGE_MAX_PIXELS = 10_000
    big = SimpleUploadedFile("big.png", png_bytes((200, 100)), content_type="image/png")

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame": big}), **HTMX
    )

    assert response["HX-Retarget"] == "#generation-form"
    assert_form_error(
        response,
        "The image is too large (0.02 megapixels; the limit is 0.01).",
        prompt="a red fox in the snow",
    )
    assert not Asset.objects.exists()


def test_generation_create_refuses_an_upload_over_the_size_limit(
    project: Project, user: User, settings, client_for: Callable[[User], Client]
) -> None:
    settings.UPLOAD_MAX_BYTES = 1_000_000
    noise = Image.merge("RGB", [Image.effect_noise((700, 700), 64).convert("L")] * 3)
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 1_000_000
    upload = SimpleUploadedFile("large.png", buffer.getvalue(), content_type="image/png")

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame": upload}), **HTMX
    )

    assert_form_error(response, "The file is larger than the 1 MB limit.", prompt="a red fox in the snow")
    assert not Asset.objects.exists()


def test_generation_create_refuses_another_teams_asset_picked_by_id(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    other_project = factories.make_project(factories.make_team(other_team_user))
    foreign = services.store_upload(
        project=other_project, user=other_team_user, upload=png_upload(), allowed={MediaKind.IMAGE}
    )

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]),
        veo3_data(**{"veo3-first_frame_assets": str(foreign.pk)}),
        **HTMX,
    )

    assert_form_error(
        response, "One of the chosen inputs is no longer available.", prompt="a red fox in the snow"
    )
    assert not GenerationInput.objects.exists()


def test_generation_create_refuses_picked_ids_that_are_not_numbers(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(**{"veo3-first_frame_assets": "1;DROP"})
    )

    assert response.status_code == 400
    assert_form_error(
        response, "The chosen inputs could not be read; pick them again.", prompt="a red fox in the snow"
    )


# Result actions ------------------------------------------------------------------------------------


def test_generation_cancel_stops_a_queued_generation(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = queued(project, user)

    response = client_for(user).post(reverse("generation_cancel", args=[generation.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk])
    generation.refresh_from_db()
    assert generation.status == Status.CANCELED
    assert generation.finished_at is not None


def test_generation_cancel_htmx_answers_the_card_and_an_inert_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = queued(project, user)

    response = client_for(user).post(reverse("generation_cancel", args=[generation.pk]), **HTMX)

    card = tag_with_id(response.text, f"generation-{generation.pk}")
    assert 'data-status="canceled"' in card
    assert "hx-swap-oob" not in card
    assert reverse("generation_retry", args=[generation.pk]) in response.text
    assert reverse("generation_cancel", args=[generation.pk]) not in response.text
    poller = tag_with_id(response.text, "generation-poller")
    assert 'hx-swap-oob="true"' in poller
    assert 'data-live="0"' in poller


def test_generation_cancel_leaves_a_finished_generation_alone(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = succeeded(project, user)

    response = client_for(user).post(reverse("generation_cancel", args=[generation.pk]), follow=True)

    generation.refresh_from_db()
    assert generation.status == Status.SUCCEEDED
    assert "This generation had already finished." in response.text


def test_generation_retry_starts_a_copy_of_a_failed_generation(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    frame = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})
    failed = services.start_generation(
        project=project,
        user=user,
        kind=Kind.VEO3_VIDEO,
        model="veo3",
        prompt="a fox that failed",
        params={"aspect_ratio": "9:16"},
        inputs={"first_frame": [frame]},
    )
    moved_to(failed, Status.FAILED, error_message="The provider could not generate this.")

    response = client_for(user).post(reverse("generation_retry", args=[failed.pk]))

    assert response.status_code == 302
    retry = Generation.objects.exclude(pk=failed.pk).get()
    assert (retry.status, retry.model, retry.prompt) == (Status.QUEUED, "veo3", "a fox that failed")
    assert retry.params == {"aspect_ratio": "9:16", "retry_of": failed.pk}
    assert [link.asset for link in retry.inputs.all()] == [frame]


def test_generation_retry_htmx_answers_the_new_card_and_restarts_the_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    failed = moved_to(queued(project, user), Status.FAILED, error_message="No.")

    response = client_for(user).post(reverse("generation_retry", args=[failed.pk]), **HTMX)

    retry = Generation.objects.exclude(pk=failed.pk).get()
    card = tag_with_id(response.text, f"generation-{retry.pk}")
    assert "hx-swap-oob" not in card
    assert 'data-status="queued"' in card
    assert f'id="generation-{failed.pk}"' not in response.text
    poller = tag_with_id(response.text, "generation-poller")
    assert polled_ids(poller) == [retry.pk]
    assert 'hx-swap-oob="true"' in poller


def test_generation_retry_refuses_a_generation_that_is_still_running(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    running = moved_to(queued(project, user), Status.RUNNING, upstream_task_id="task-1")

    client_for(user).post(reverse("generation_retry", args=[running.pk]), **HTMX)

    assert list(Generation.objects.values_list("pk", flat=True)) == [running.pk]


def test_generation_check_moves_the_next_poll_to_now(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    later = timezone.now() + timedelta(minutes=10)
    generation = moved_to(queued(project, user), Status.SUBMITTED, upstream_task_id="t", next_poll_at=later)

    response = client_for(user).post(reverse("generation_check", args=[generation.pk]))

    assert response.status_code == 302
    generation.refresh_from_db()
    assert generation.next_poll_at <= timezone.now()


def test_generation_check_htmx_answers_the_card_with_the_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = moved_to(queued(project, user), Status.RUNNING, upstream_task_id="t", progress=40)

    response = client_for(user).post(reverse("generation_check", args=[generation.pk]), **HTMX)

    card = tag_with_id(response.text, f"generation-{generation.pk}")
    assert 'data-status="running"' in card
    assert 'value="40"' in response.text
    poller = tag_with_id(response.text, "generation-poller")
    assert polled_ids(poller) == [generation.pk]


def test_generation_button_starts_a_child_of_the_result(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    grid = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[grid.pk]), {"custom_id": MJ_BUTTONS[0]["custom_id"]}
    )

    assert response.status_code == 302
    child = Generation.objects.get(parent=grid)
    assert child.kind == Kind.MJ_ACTION
    assert child.params == {
        "source_task_id": "task-1",
        "custom_id": MJ_BUTTONS[0]["custom_id"],
        "label": "U2",
    }


def test_generation_button_htmx_answers_the_child_card_linked_to_its_parent(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    grid = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[grid.pk]), {"custom_id": MJ_BUTTONS[0]["custom_id"]}, **HTMX
    )

    child = Generation.objects.get(parent=grid)
    assert "hx-swap-oob" not in tag_with_id(response.text, f"generation-{child.pk}")
    assert f'<a href="#generation-{grid.pk}">from #{grid.pk}</a>' in response.text
    assert "Midjourney action · U2" in response.text
    assert polled_ids(tag_with_id(response.text, "generation-poller")) == [child.pk]


@pytest.mark.parametrize(
    "name", ["generation_button", "generation_remix", "generation_character", "generation_retry"]
)
def test_generation_action_htmx_leaves_the_make_form_alone(
    name: str, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    """The person may be halfway through their next prompt, in any family's tab: an action keeps it."""
    kind = Kind.MJ_IMAGINE if name == "generation_button" else Kind.SORA2_VIDEO
    source = succeeded(project, user, kind, buttons=MJ_BUTTONS)
    if name == "generation_retry":
        source = moved_to(queued(project, user), Status.FAILED, error_message="No.")
    data = {"custom_id": MJ_BUTTONS[0]["custom_id"], "prompt": "at night", "name": "Fox", "timestamps": "1,3"}

    response = client_for(user).post(reverse(name, args=[source.pk]), data, **HTMX)

    assert Generation.objects.filter(pk__gt=source.pk).exists()
    assert 'id="generation-form"' not in response.text


def test_generation_button_sends_the_drawn_mask_for_vary_region(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    upscaled = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)
    mask = "data:image/png;base64," + base64.b64encode(png_bytes((32, 32), (255, 255, 255))).decode()

    client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]),
        {"custom_id": MJ_BUTTONS[1]["custom_id"], "prompt": "a dragon on the tower", "mask": mask},
    )

    child = Generation.objects.get(parent=upscaled)
    assert child.prompt == "a dragon on the tower"
    link = child.inputs.select_related("asset").get()
    assert (link.role, link.asset.mime_type, link.asset.width) == ("mask", "image/png", 32)


def test_generation_button_refuses_vary_region_without_a_mask(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    upscaled = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]),
        {"custom_id": MJ_BUTTONS[1]["custom_id"]},
        follow=True,
    )

    assert "Draw the region to vary on the image first." in response.text
    assert not Generation.objects.filter(parent=upscaled).exists()


def test_generation_button_refuses_a_mask_that_is_not_a_png(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    upscaled = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]),
        {"custom_id": MJ_BUTTONS[1]["custom_id"], "mask": "data:image/png;base64,not*base64"},
        follow=True,
    )

    assert "The drawn mask could not be read; draw it again." in response.text
    assert not Generation.objects.filter(parent=upscaled).exists()
    assert not Asset.objects.exists()


def test_generation_button_refuses_a_button_the_result_does_not_have(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    grid = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[grid.pk]),
        {"custom_id": "MJ::JOB::upsample::9::other"},
        follow=True,
    )

    assert "This button is not available on this result." in response.text
    assert not Generation.objects.filter(parent=grid).exists()


def test_generation_button_htmx_shows_the_error_when_the_button_is_not_available(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    grid = succeeded(project, user, Kind.MJ_IMAGINE, buttons=MJ_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[grid.pk]), {"custom_id": "MJ::JOB::upsample::9::other"}, **HTMX
    )

    assert "This button is not available on this result." in response.text
    assert not Generation.objects.filter(parent=grid).exists()


def test_generation_remix_starts_a_child_of_a_finished_sora_video(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_remix", args=[video.pk]), {"prompt": "make it night"}
    )

    assert response.status_code == 302
    remix = Generation.objects.get(parent=video)
    assert (remix.kind, remix.prompt, remix.model) == (Kind.SORA2_REMIX, "make it night", "sora-2")
    assert remix.params == {"source_task_id": "task-1"}


def test_generation_remix_htmx_answers_the_child_card(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_remix", args=[video.pk]), {"prompt": "make it night"}, **HTMX
    )

    remix = Generation.objects.get(parent=video)
    card = tag_with_id(response.text, f"generation-{remix.pk}")
    assert "hx-swap-oob" not in card
    assert f"from #{video.pk}" in response.text
    assert "make it night" in response.text
    assert polled_ids(tag_with_id(response.text, "generation-poller")) == [remix.pk]


def test_generation_remix_refuses_a_video_that_is_not_sora(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.VEO3_VIDEO)

    response = client_for(user).post(
        reverse("generation_remix", args=[video.pk]), {"prompt": "make it night"}, follow=True
    )

    assert "Only a finished Sora2 video can be remixed." in response.text
    assert not Generation.objects.filter(parent=video).exists()


def test_generation_remix_shows_error_when_prompt_is_empty(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_remix", args=[video.pk]), {"prompt": ""}, follow=True
    )

    assert "Write a prompt: it is what the model makes." in response.text
    assert not Generation.objects.filter(parent=video).exists()


def test_generation_character_starts_a_character_from_a_sora_video(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_character", args=[video.pk]),
        {
            "name": "Fox",
            "timestamps": "2,4.5",
            "real_person": "on",
            "clip_url": "https://cdn.example.com/fox.mp4",
        },
    )

    assert response.status_code == 302
    character = Generation.objects.get(parent=video)
    assert (character.kind, character.model) == (Kind.SORA2_CHARACTER, "sora-2-character-real")
    assert character.params == {
        "source_task_id": "task-1",
        "timestamps": "2,4.5",
        "name": "Fox",
        "real_person": True,
        "clip_url": "https://cdn.example.com/fox.mp4",
    }


def test_generation_character_htmx_answers_the_child_card(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_character", args=[video.pk]), {"name": "Fox", "timestamps": "1,3"}, **HTMX
    )

    character = Generation.objects.get(parent=video)
    assert "hx-swap-oob" not in tag_with_id(response.text, f"generation-{character.pk}")
    assert "Sora2 character" in response.text
    assert polled_ids(tag_with_id(response.text, "generation-poller")) == [character.pk]


def test_generation_character_shows_error_when_seconds_are_unreadable(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    video = succeeded(project, user, Kind.SORA2_VIDEO)

    response = client_for(user).post(
        reverse("generation_character", args=[video.pk]), {"name": "Fox", "timestamps": "one"}, follow=True
    )

    assert "Write two numbers separated by a comma, like 1,3." in response.text
    assert not Generation.objects.filter(parent=video).exists()


# Gateway errors on the card (real sandbox over HTTP) --------------------------------------------------


def use_key(team: Team, key: str) -> None:
    """Keeps the team on the sandbox but sends this key (fault markers go in the key)."""
    update_gateway(team=team, base_url="", api_key=key)


def test_failed_generation_card_shows_the_gateways_message_and_retry(
    sandbox_project: Project, user: User, team: Team, drive, client_for: Callable[[User], Client]
) -> None:
    use_key(team, "sk-sandbox-fault-fail")
    client = client_for(user)
    client.post(reverse("generation_create", args=[sandbox_project.pk]), veo3_data(), **HTMX)
    generation = drive(Generation.objects.get())
    assert generation.status == Status.FAILED

    page = client.get(reverse("project_detail", args=[sandbox_project.pk]))

    card = page.text.split(f'<article id="generation-{generation.pk}"', 1)[1].split("</article>", 1)[0]
    assert "The provider could not generate this." in card
    assert "The gateway said:" in card
    assert html.escape(generation.gateway_message) in card
    assert reverse("generation_retry", args=[generation.pk]) in card
    assert ">Retry</button>" in card


def test_rejected_key_card_shows_the_gateways_own_words(
    sandbox_project: Project, user: User, team: Team, drive, client_for: Callable[[User], Client]
) -> None:
    use_key(team, "sk-invalid-key")
    client = client_for(user)
    client.post(reverse("generation_create", args=[sandbox_project.pk]), veo3_data(), **HTMX)
    generation = drive(Generation.objects.get())

    page = client.get(reverse("project_detail", args=[sandbox_project.pk]))

    assert "The gateway rejected the team's API key." in html.unescape(page.text)
    assert "无效的令牌" in page.text
    assert reverse("generation_retry", args=[generation.pk]) in page.text


# Midjourney buttons: every button is performed or not offered, never shown by its raw id ---------------

DESCRIBE_BUTTONS = [
    *({"custom_id": f"MJ::Job::PicReader::{n}", "label": str(n), "emoji": ""} for n in range(1, 5)),
    {"custom_id": "MJ::Picread::Retry", "label": "", "emoji": "🔄"},
]
DESCRIBED = (
    "1️⃣ a quiet harbour, soft light --ar 3:2\n\n2️⃣ a neon street --ar 3:2\n\n3️⃣ a paper garden\n\n4️⃣ a field"
)
UPSCALE_BUTTONS = [
    {"custom_id": f"MJ::JOB::reroll::0::{JOB}::SOLO", "label": "", "emoji": "🔄"},
    {"custom_id": f"MJ::JOB::pan_left::1::{JOB}::SOLO", "label": "", "emoji": "⬅️"},
    {"custom_id": f"MJ::CustomZoom::{JOB}", "label": "Custom Zoom", "emoji": "🔍"},
    {"custom_id": f"MJ::BOOKMARK::{JOB}", "label": "", "emoji": "❤️"},
    {"custom_id": "MJ::Job::SomethingNew::1", "label": "", "emoji": "✨"},
]


def mj_button_names(text: str) -> list[str]:
    group = text.split('aria-label="Midjourney buttons"', 1)[1].split("</div>", 1)[0]
    return [html.unescape(name).strip() for name in re.findall(r"<button[^>]*>([^<]*)</button>", group)]


def test_card_shows_readable_labels_and_hides_unknown_midjourney_buttons(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    succeeded(project, user, Kind.MJ_ACTION, buttons=UPSCALE_BUTTONS)

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))

    assert mj_button_names(response.text) == ["🔄 Reroll", "⬅️ Pan left", "🔍 Custom Zoom", "❤️ Bookmark"]
    assert "SomethingNew" not in response.text
    assert "MJ::JOB::reroll" not in mj_button_names(response.text)


def finished_describe(project: Project, user: User) -> tuple[Generation, Asset]:
    source = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})
    described = services.start_generation(
        project=project,
        user=user,
        kind=Kind.MJ_DESCRIBE,
        model="midjourney",
        prompt="",
        params={},
        inputs={"source": [source]},
    )
    fields = {"upstream_task_id": "task-1", "buttons": DESCRIBE_BUTTONS, "result_text": DESCRIBED}
    return moved_to(described, Status.SUCCEEDED, **fields), source


def test_describe_numbered_button_imagines_that_prompt(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    described, _source = finished_describe(project, user)

    client_for(user).post(
        reverse("generation_button", args=[described.pk]), {"custom_id": "MJ::Job::PicReader::2"}
    )

    child = Generation.objects.get(parent=described)
    assert child.kind == Kind.MJ_IMAGINE
    assert child.prompt == "a neon street --ar 3:2"


def test_describe_retry_button_describes_the_same_image_again(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    described, source = finished_describe(project, user)

    response = client_for(user).get(reverse("project_detail", args=[project.pk]))
    assert mj_button_names(response.text) == [
        "Imagine prompt 1",
        "Imagine prompt 2",
        "Imagine prompt 3",
        "Imagine prompt 4",
        "🔄 Describe again",
    ]
    client_for(user).post(
        reverse("generation_button", args=[described.pk]), {"custom_id": "MJ::Picread::Retry"}
    )

    child = Generation.objects.get(parent=described)
    assert child.kind == Kind.MJ_DESCRIBE
    assert [link.asset for link in child.inputs.all()] == [source]


def test_bookmark_button_stars_the_result_without_asking_the_gateway(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    upscaled = succeeded(project, user, Kind.MJ_ACTION, buttons=UPSCALE_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]), {"custom_id": f"MJ::BOOKMARK::{JOB}"}, **HTMX
    )

    assert upscaled.favourites.filter(user=user).exists()
    assert not Generation.objects.filter(parent=upscaled).exists()
    assert "Bookmarked" in response.text


def test_unknown_midjourney_button_is_refused_and_starts_nothing(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    upscaled = succeeded(project, user, Kind.MJ_ACTION, buttons=UPSCALE_BUTTONS)

    response = client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]), {"custom_id": "MJ::Job::SomethingNew::1"}, **HTMX
    )

    assert "This button is not available on this result." in response.text
    assert not Generation.objects.filter(parent=upscaled).exists()


def test_custom_zoom_keeps_the_prompt_typed_at_the_start_of_the_chain(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    grid = succeeded(project, user, Kind.MJ_IMAGINE, prompt="a castle on a hill", buttons=MJ_BUTTONS)
    client_for(user).post(
        reverse("generation_button", args=[grid.pk]), {"custom_id": MJ_BUTTONS[0]["custom_id"]}
    )
    upscaled = Generation.objects.get(parent=grid)
    moved_to(upscaled, Status.SUCCEEDED, upstream_task_id="task-2", buttons=UPSCALE_BUTTONS)

    page = client_for(user).get(reverse("project_detail", args=[project.pk])).text
    assert 'value="a castle on a hill --zoom 1.5"' in page
    client_for(user).post(
        reverse("generation_button", args=[upscaled.pk]),
        {"custom_id": f"MJ::CustomZoom::{JOB}", "prompt": "a castle on a hill, wider --zoom 2"},
    )

    zoomed = Generation.objects.get(parent=upscaled)
    assert zoomed.prompt == "a castle on a hill, wider --zoom 2"
    assert upscaled.prompt == "a castle on a hill"


def test_from_link_leads_to_the_parent_in_another_project(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    image = succeeded(project, user, Kind.CHAT_IMAGE)
    result = services.store_upload(project=project, user=user, upload=png_upload(), allowed={MediaKind.IMAGE})
    Asset.objects.filter(pk=result.pk).update(generation=image, role=Asset.Role.RESULT)
    elsewhere = factories.make_project(project.team, "Elsewhere")
    data = {
        "family": "image",
        "image-mode": Kind.CHAT_IMAGE,
        "image-model": "gemini-2.5-flash-image",
        "image-prompt": "the same, at night",
        "image-images_assets": str(result.pk),
        "image-count": "1",
    }

    response = client_for(user).post(reverse("generation_create", args=[elsewhere.pk]), data)

    assert response.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.text)
    child = Generation.objects.get(project=elsewhere)
    assert child.parent == image
    page = client_for(user).get(reverse("project_detail", args=[elsewhere.pk])).text
    target = f"/projects/{project.pk}/#generation-{image.pk}"
    assert f'<a href="{target}">from #{image.pk}</a>' in page
    assert client_for(user).get(target.split("#")[0]).status_code == 200


def video_result(generation: Generation) -> Asset:
    """A (tiny, fake) stored video result of the generation, with a link the gateway could fetch."""
    return Asset.objects.create(
        team=generation.team,
        project=generation.project,
        generation=generation,
        role=Asset.Role.RESULT,
        kind=Asset.MediaKind.VIDEO,
        file="teams/x/video.mp4",
        mime_type="video/mp4",
        size=1000,
        sha256="0" * 64,
        source_url="https://cdn.example.com/video.mp4",
    )


@pytest.mark.parametrize(
    ("kind", "model", "is_offered"),
    [
        (Kind.SORA2_VIDEO, "sora-2", True),
        (Kind.CHAT_VIDEO, "sora-2-pro", True),
        (Kind.VEO3_VIDEO, "veo3-fast", False),
        (Kind.CHAT_VIDEO, "veo3-fast", False),
    ],
)
def test_remove_watermark_is_offered_only_on_sora_videos(
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    kind: str,
    model: str,
    is_offered: bool,
) -> None:
    generation = succeeded(project, user, kind)
    Generation.objects.filter(pk=generation.pk).update(model=model)
    video_result(generation)
    client = client_for(user)

    card = client.get(reverse("project_detail", args=[project.pk])).text
    detail = client.get(reverse("generation_detail", args=[generation.pk])).text

    assert ("Remove the watermark" in card) is is_offered
    assert "Transcribe it" in card
    assert ("family=video_chat" in detail) is is_offered


def test_watermark_removal_refuses_a_video_sora_did_not_make(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    veo = video_result(succeeded(project, user, Kind.VEO3_VIDEO))
    data = {
        "family": "video_chat",
        "video_chat-mode": Kind.WATERMARK_REMOVAL,
        "video_chat-model": "sora_remover",
    }

    response = client_for(user).post(
        reverse("generation_create", args=[project.pk]), {**data, "video_chat-video_assets": str(veo.pk)}
    )

    assert response.status_code == 400
    assert "Only a Sora video has a watermark to remove." in response.text
    assert not Generation.objects.filter(kind=Kind.WATERMARK_REMOVAL).exists()
