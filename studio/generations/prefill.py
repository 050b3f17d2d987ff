"""What opens the project page's form already filled: a preset of the prompt library, or an earlier
generation to re-run with a change; and what a generation started from such a form records."""

from __future__ import annotations

from typing import Any

from studio.accounts.http import AuthenticatedHttpRequest
from studio.generations import compare
from studio.generations.forms import FORMS
from studio.generations.models import Generation
from studio.projects.models import Project
from studio.prompts.models import PromptPreset
from studio.prompts.services import apply_preset, record_use


def _preset(request: AuthenticatedHttpRequest, project: Project, value: str) -> PromptPreset | None:
    if not value.isdigit():
        return None
    return PromptPreset.objects.visible_to(project.team, request.user).filter(pk=int(value)).first()


def _source(request: AuthenticatedHttpRequest, project: Project, value: str) -> Generation | None:
    if not value.isdigit():
        return None
    return Generation.objects.for_user(request.user).filter(pk=int(value), project=project).first()


def prefill(
    request: AuthenticatedHttpRequest, project: Project, family: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(initial form data, page context) for `?preset=<id>` or `?rerun=<generation id>` in the query."""
    modes = FORMS[family].mode_kinds()
    preset = _preset(request, project, request.GET.get("preset", ""))
    if preset is not None:
        initial = apply_preset(preset)
        if preset.kind in modes:
            initial["mode"] = preset.kind
        return initial, {"applied_preset": preset}
    source = _source(request, project, request.GET.get("rerun", ""))
    if source is not None:
        initial = compare.rerun_initial(source)
        if source.kind in modes:
            initial["mode"] = source.kind
        return initial, {"rerun_of": source}
    return {}, {}


def record_origin(request: AuthenticatedHttpRequest, generation: Generation) -> None:
    """Records the preset a new generation was started from, and puts a re-run in its source's comparison.

    Side effects: a preset use, a comparison group's members (see `record_use` and `compare.join_group`).
    """
    project = generation.project
    preset = _preset(request, project, request.POST.get("preset", ""))
    if preset is not None:
        record_use(preset, generation, user=request.user)
    source = _source(request, project, request.POST.get("rerun_of", ""))
    if source is not None and source.pk != generation.pk:
        compare.join_group(generation=generation, source=source, user=request.user)
