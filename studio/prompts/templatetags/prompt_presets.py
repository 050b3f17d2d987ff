"""The prompt library's picker on the project page's form."""

from __future__ import annotations

from typing import Any

from django import template

from studio.prompts.models import PromptPreset

register = template.Library()


@register.inclusion_tag("prompts/_preset_picker.html", takes_context=True)
def preset_picker(context: template.Context) -> dict[str, Any]:
    """The presets the viewer may use with the form in the context (those of its kinds), to fill it."""
    form, project = context["form"], context["project"]
    presets = PromptPreset.objects.visible_to(project.team, context["request"].user).filter(
        kind__in=form.kinds()
    )
    applied = context.get("applied_preset")
    return {
        "presets": list(presets.only("pk", "name", "kind")),
        "project": project,
        "family": context["family"],
        "applied": applied,
    }
