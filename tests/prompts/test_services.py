"""The prompt library's services: saving, applying, counting uses, export and import."""

from __future__ import annotations

import json

import pytest

from studio.generations.models import Kind
from studio.generations.services import start_generation
from studio.prompts import services
from studio.prompts.models import PresetUse, PromptPreset
from tests import factories


def make(team, owner, **fields):  # type: ignore[no-untyped-def]
    values = {
        "name": "Foggy harbour",
        "kind": Kind.VEO3_VIDEO,
        "model": "veo3-fast",
        "prompt": "a harbour in fog",
        "params": {"aspect_ratio": "16:9"},
        "tags": ["sea", "fog"],
    }
    values.update(fields)
    return services.save_preset(team=team, owner=owner, **values)


def test_apply_preset_gives_the_forms_initial_data(team, user) -> None:  # type: ignore[no-untyped-def]
    preset = make(team, user)

    assert services.apply_preset(preset) == {
        "aspect_ratio": "16:9",
        "model": "veo3-fast",
        "prompt": "a harbour in fog",
    }


def test_record_use_counts_once_per_generation(team, project, user) -> None:  # type: ignore[no-untyped-def]
    preset = make(team, user)
    generation = start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt="x", params={}
    )

    assert services.record_use(preset, generation) is True
    assert services.record_use(preset, generation) is False

    preset.refresh_from_db()
    assert preset.use_count == 1
    assert preset.last_used_at is not None
    assert PresetUse.objects.get().used_by == user


def test_record_use_refuses_another_teams_generation(team, user, other_team_user) -> None:  # type: ignore[no-untyped-def]
    other_project = factories.make_project(factories.make_team(other_team_user))
    generation = start_generation(
        project=other_project, user=other_team_user, kind=Kind.VEO3_VIDEO, model="m", prompt="x", params={}
    )

    with pytest.raises(ValueError, match="its own team"):
        services.record_use(make(team, user), generation)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "  "}, "The name is empty."),
        ({"kind": "hologram"}, "The kind “hologram” is not one the studio makes."),
        ({"prompt": "x" * 8001}, "The prompt is longer than 8000 characters."),
        ({"params": {"big": "x" * 17000}}, "The parameters are larger than 16000 bytes."),
        ({"params": ["not", "an", "object"]}, "The parameters must be an object."),
    ],
)
def test_save_refuses_bad_presets_with_clear_errors(team, user, fields, problem) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.PresetError) as error:
        make(team, user, **fields)

    assert problem in error.value.problems
    assert not PromptPreset.objects.exists()


def test_export_then_import_round_trips(team, user, other_team_user) -> None:  # type: ignore[no-untyped-def]
    make(team, user)
    make(team, user, name="Neon", kind=Kind.MJ_IMAGINE, params={}, tags=[])
    raw = json.dumps(services.export_presets(PromptPreset.objects.filter(team=team))).encode()
    other = factories.make_team(other_team_user)

    made = services.import_presets(team=other, owner=other_team_user, raw=raw, is_personal=True)

    assert [(p.name, p.kind, p.params, p.tags, p.is_personal) for p in made] == [
        ("Foggy harbour", Kind.VEO3_VIDEO, {"aspect_ratio": "16:9"}, ["sea", "fog"], True),
        ("Neon", Kind.MJ_IMAGINE, {}, [], True),
    ]


def test_import_refuses_the_whole_file_and_names_each_problem(team, user) -> None:  # type: ignore[no-untyped-def]
    document = {
        "format": services.EXPORT_FORMAT,
        "version": 1,
        "presets": [
            {"name": "Fine", "kind": "veo3_video"},
            {"name": "", "kind": "teleport"},
        ],
    }

    with pytest.raises(services.PresetError) as error:
        services.import_presets(team=team, owner=user, raw=json.dumps(document).encode(), is_personal=False)

    assert error.value.problems == [
        "Preset 2: The name is empty.",
        "Preset 2: The kind “teleport” is not one the studio makes.",
    ]
    assert not PromptPreset.objects.exists()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xff\xfe", "The file is not JSON."),
        (b"[1, 2]", "The file is not a prompt library export of AITRE Studio."),
        (b'{"format": "aitre-prompt-presets", "version": 9, "presets": []}', "The file's version"),
        (b'{"format": "aitre-prompt-presets", "version": 1, "presets": []}', "The file has no presets."),
        (b" " * 1_000_001, "The file is larger than 1000000 bytes."),
    ],
)
def test_import_refuses_bad_files(raw, problem) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.PresetError) as error:
        services.parse_import(raw)

    assert error.value.problems[0].startswith(problem)
