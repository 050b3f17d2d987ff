"""Use cases of the prompt library: saving presets, applying them to a form, counting uses, JSON files.

The exchange format is {"format": "aitre-prompt-presets", "version": 1, "presets": [{name, kind, model,
prompt, params, tags}, ...]}; an import is checked whole and refused whole, with every problem named.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.models import Team, User
from studio.generations.kinds import Kind
from studio.generations.models import Generation
from studio.prompts.models import PresetUse, PromptPreset

EXPORT_FORMAT = "aitre-prompt-presets"
EXPORT_VERSION = 1
# Caps that keep one preset (and one import file) to what a person would write.
MAX_PROMPT_CHARS = 8000
MAX_PARAMS_BYTES = 16_000
MAX_TAGS = 20
MAX_TAG_CHARS = 40
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_PRESETS = 500


class PresetError(Exception):
    """Input a preset (or an import) cannot be made from; `problems` are sentences a person can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def clean_tags(tags: Iterable[Any]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        text = str(tag).strip()[:MAX_TAG_CHARS]
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned[:MAX_TAGS]


def preset_problems(data: Any) -> list[str]:
    """What is wrong with one preset's fields (as a dict), in words; empty when nothing is."""
    if not isinstance(data, dict):
        return [_("A preset must be an object with a name, a kind and a prompt.")]
    problems: list[str] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_("The name is empty."))
    elif len(name.strip()) > 120:
        problems.append(_("The name is longer than 120 characters."))
    kind = data.get("kind")
    if kind not in Kind.values:
        problems.append(_("The kind “%(kind)s” is not one the studio makes.") % {"kind": kind})
    for field in ("model", "prompt"):
        if not isinstance(data.get(field, ""), str):
            problems.append(_("The %(field)s must be text.") % {"field": field})
    if isinstance(data.get("model", ""), str) and len(data.get("model", "")) > 120:
        problems.append(_("The model name is longer than 120 characters."))
    if isinstance(data.get("prompt", ""), str) and len(data.get("prompt", "")) > MAX_PROMPT_CHARS:
        problems.append(_("The prompt is longer than %(count)d characters.") % {"count": MAX_PROMPT_CHARS})
    params = data.get("params", {})
    if not isinstance(params, dict):
        problems.append(_("The parameters must be an object."))
    elif len(json.dumps(params)) > MAX_PARAMS_BYTES:
        problems.append(_("The parameters are larger than %(count)d bytes.") % {"count": MAX_PARAMS_BYTES})
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append(_("The tags must be a list of words."))
    return problems


def save_preset(
    *, team: Team, owner: User, preset: PromptPreset | None = None, **fields: Any
) -> PromptPreset:
    """Creates a preset, or changes the given one, from checked fields; raises PresetError."""
    data = {
        "name": fields.get("name", ""),
        "kind": fields.get("kind"),
        "model": fields.get("model", ""),
        "prompt": fields.get("prompt", ""),
        "params": fields.get("params", {}),
        "tags": list(fields.get("tags", [])),
    }
    problems = preset_problems(data)
    if problems:
        raise PresetError(problems)
    if preset is None:
        preset = PromptPreset(team=team, owner=owner)
    preset.name = data["name"].strip()
    preset.kind = data["kind"]
    preset.model = data["model"].strip()
    preset.prompt = data["prompt"]
    preset.params = data["params"]
    preset.tags = clean_tags(data["tags"])
    preset.is_personal = bool(fields.get("is_personal", preset.is_personal))
    preset.save()
    return preset


def delete_preset(*, preset: PromptPreset) -> None:
    """Deletes the preset and its record of uses (the generations stay)."""
    preset.delete()


def apply_preset(preset: PromptPreset) -> dict[str, Any]:
    """The initial data of a generation form filled from the preset: its parameters, model and prompt.

    The form of `preset.kind`'s family takes it as `initial=` (with its own prefix); a parameter the form
    does not have is simply not shown.
    """
    initial: dict[str, Any] = dict(preset.params) if isinstance(preset.params, dict) else {}
    initial.update({"model": preset.model, "prompt": preset.prompt})
    return initial


def record_use(preset: PromptPreset, generation: Generation, *, user: User | None = None) -> bool:
    """Records that the generation was started from the preset, once; returns whether it was new.

    Side effects: a PresetUse row, the preset's use count and last use.
    """
    if generation.team_id != preset.team_id:
        raise ValueError("A preset can only be used by a generation of its own team.")
    try:
        with transaction.atomic():
            PresetUse.objects.create(
                preset=preset, generation=generation, used_by=user or generation.created_by
            )
            PromptPreset.objects.filter(pk=preset.pk).update(
                use_count=F("use_count") + 1, last_used_at=timezone.now()
            )
    except IntegrityError:
        return False
    return True


def export_presets(presets: Iterable[PromptPreset]) -> dict[str, Any]:
    """The presets in the exchange format (no ids, owners or counts: those belong to this studio)."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "presets": [
            {
                "name": preset.name,
                "kind": preset.kind,
                "model": preset.model,
                "prompt": preset.prompt,
                "params": preset.params,
                "tags": preset.tags,
            }
            for preset in presets
        ],
    }


def parse_import(raw: bytes) -> list[dict[str, Any]]:
    """The presets of an exchange file, checked; raises PresetError naming every problem."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise PresetError([_("The file is larger than %(count)d bytes.") % {"count": MAX_IMPORT_BYTES}])
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PresetError([_("The file is not JSON.")]) from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise PresetError([_("The file is not a prompt library export of AITRE Studio.")])
    if document.get("version") != EXPORT_VERSION:
        raise PresetError([_("The file's version is not one this studio reads.")])
    presets = document.get("presets")
    if not isinstance(presets, list) or not presets:
        raise PresetError([_("The file has no presets.")])
    if len(presets) > MAX_IMPORT_PRESETS:
        raise PresetError([_("The file has more than %(count)d presets.") % {"count": MAX_IMPORT_PRESETS}])
    problems = [
        _("Preset %(number)d: %(problem)s") % {"number": number, "problem": problem}
        for number, data in enumerate(presets, start=1)
        for problem in preset_problems(data)
    ]
    if problems:
        raise PresetError(problems)
    return presets


def import_presets(*, team: Team, owner: User, raw: bytes, is_personal: bool) -> list[PromptPreset]:
    """Adds every preset of an exchange file to the team, all or none; raises PresetError."""
    presets = parse_import(raw)
    with transaction.atomic():
        return [
            save_preset(
                team=team,
                owner=owner,
                is_personal=is_personal,
                name=data["name"],
                kind=data["kind"],
                model=data.get("model", ""),
                prompt=data.get("prompt", ""),
                params=data.get("params", {}),
                tags=data.get("tags", []),
            )
            for data in presets
        ]
