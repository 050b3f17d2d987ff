"""The prompt library's pages: who sees and changes which presets, export and import, bad input."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studio.accounts.models import Role
from studio.generations.models import Kind
from studio.prompts import services
from studio.prompts.models import PromptPreset

FORM = {
    "name": "Foggy harbour",
    "kind": "veo3_video",
    "model": "veo3-fast",
    "prompt": "fog",
    "tags": "sea, fog",
}


def make(team, owner, **fields):  # type: ignore[no-untyped-def]
    values = {"name": "Preset", "kind": Kind.VEO3_VIDEO, "prompt": "fog"}
    values.update(fields)
    return services.save_preset(team=team, owner=owner, **values)


def test_member_creates_a_preset(team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)

    response = client_for(member).post(
        reverse("preset_create", args=[team.pk]), {**FORM, "params": '{"aspect_ratio": "9:16"}'}
    )

    assert response.status_code == 302
    preset = PromptPreset.objects.get()
    assert (preset.owner, preset.params, preset.tags) == (member, {"aspect_ratio": "9:16"}, ["sea", "fog"])


def test_create_refuses_empty_name_bad_json_and_oversized_params(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("preset_create", args=[team.pk])

    empty = client.post(url, {**FORM, "name": "   "})
    bad_json = client.post(url, {**FORM, "params": "{aspect"})
    not_object = client.post(url, {**FORM, "params": "[1]"})
    huge = client.post(url, {**FORM, "params": json.dumps({"x": "y" * 20000})})

    assert [r.status_code for r in (empty, bad_json, not_object, huge)] == [400] * 4
    assert "This field is required." in empty.content.decode()
    assert "The parameters are not valid JSON." in bad_json.content.decode()
    assert "The parameters must be a JSON object" in not_object.content.decode()
    assert "The parameters are larger than 16000 bytes." in huge.content.decode()
    assert not PromptPreset.objects.exists()


def test_viewer_sees_but_cannot_create_change_or_import(team, user, viewer, client_for) -> None:  # type: ignore[no-untyped-def]
    preset = make(team, user)
    client = client_for(viewer)

    assert client.get(reverse("preset_list", args=[team.pk])).status_code == 200
    assert client.post(reverse("preset_create", args=[team.pk]), FORM).status_code == 403
    assert client.post(reverse("preset_edit", args=[team.pk, preset.pk]), FORM).status_code == 403
    assert client.post(reverse("preset_delete", args=[team.pk, preset.pk])).status_code == 403
    assert client.post(reverse("preset_import", args=[team.pk])).status_code == 403
    assert PromptPreset.objects.get().name == "Preset"


def test_personal_presets_are_invisible_to_teammates(team, user, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    mine = make(team, user, name="My secret recipe", is_personal=True)
    make(team, user, name="Shared recipe")
    client = client_for(member_of(Role.ADMIN))

    listing = client.get(reverse("preset_list", args=[team.pk])).content.decode()
    export = client.get(reverse("preset_export", args=[team.pk])).json()

    assert "Shared recipe" in listing
    assert "My secret recipe" not in listing
    assert [p["name"] for p in export["presets"]] == ["Shared recipe"]
    assert client.get(reverse("preset_edit", args=[team.pk, mine.pk])).status_code == 404
    assert client.post(reverse("preset_delete", args=[team.pk, mine.pk])).status_code == 404


def test_members_change_only_their_own_team_presets_admins_any(team, user, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    preset = make(team, user)
    member = client_for(member_of(Role.MEMBER))
    admin = client_for(member_of(Role.ADMIN))
    url = reverse("preset_edit", args=[team.pk, preset.pk])

    assert member.post(url, {**FORM, "name": "Member's"}).status_code == 403
    assert admin.post(url, {**FORM, "name": "Admin's"}).status_code == 302
    assert PromptPreset.objects.get().name == "Admin's"


def test_list_filters_and_htmx_partial_with_pinned_queries(
    team, user, client_for, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for number in range(20):
        make(team, user, name=f"Video {number}", tags=["sea"])
    make(team, user, name="Imagine", kind=Kind.MJ_IMAGINE, tags=["neon"])
    client = client_for(user)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("preset_list", args=[team.pk]))
    partial = client.get(
        reverse("preset_list", args=[team.pk]), {"kind": "mj_imagine"}, headers={"HX-Request": "true"}
    )
    tagged = client.get(
        reverse("preset_list", args=[team.pk]), {"tag": "neon"}, headers={"HX-Request": "true"}
    )

    assert page.content.decode().count("Video ") >= 20
    assert partial.content.decode().lstrip().startswith('<section id="preset-list">')
    assert "Imagine" in partial.content.decode()
    assert "Video 1" not in partial.content.decode()
    assert "Video 1" not in tagged.content.decode()


def test_import_upload_adds_presets_and_reports_problems(team, user, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)
    url = reverse("preset_import", args=[team.pk])
    good = {"format": "aitre-prompt-presets", "version": 1, "presets": [{"name": "A", "kind": "speech"}]}
    bad = {"format": "aitre-prompt-presets", "version": 1, "presets": [{"name": "B", "kind": "warp"}]}

    ok = client.post(url, {"file": SimpleUploadedFile("a.json", json.dumps(good).encode())})
    refused = client.post(url, {"file": SimpleUploadedFile("b.json", json.dumps(bad).encode())})

    assert ok.status_code == 302
    assert refused.status_code == 400
    assert "Preset 1: The kind “warp” is not one the studio makes." in refused.content.decode()
    assert list(PromptPreset.objects.values_list("name", flat=True)) == ["A"]


def test_edit_page_shows_where_the_preset_was_used(team, project, user, client_for) -> None:  # type: ignore[no-untyped-def]
    from studio.generations.services import start_generation

    preset = make(team, user)
    generation = start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="m", prompt="x", params={}
    )
    services.record_use(preset, generation)

    response = client_for(user).get(reverse("preset_edit", args=[team.pk, preset.pk]))

    assert generation.get_absolute_url() in response.content.decode()


def test_pages_require_login(team, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("preset_list", args=[team.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
