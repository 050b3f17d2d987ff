"""Template tags of comparisons: the "Compare" part of the project page's form and a card's re-run link."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from studio.generations.forms.compare import CompareForm, family_of_kind, variable_fields
from studio.generations.models import Generation

register = template.Library()


@register.inclusion_tag("generations/_compare_fields.html", takes_context=True)
def compare_fields(context: template.Context) -> dict[str, Any]:
    """The compare fieldset of the form in the context: the catalogue's models for its kind, its fields."""
    form = context["form"]
    compare_form = context.get("compare_form") or CompareForm(
        models=context.get("models") or [], parameters=variable_fields(form)
    )
    # A form sent back with errors keeps what it was re-running (checked again when it is sent).
    request = context.get("request")
    posted = request.POST.get("rerun_of", "") if request is not None and request.method == "POST" else ""
    return {
        "compare_form": compare_form,
        "project": context["project"],
        "rerun_of": context.get("rerun_of"),
        "posted_rerun_of": posted if posted.isdigit() else "",
    }


@register.filter
def rerun_link(generation: Generation) -> str:
    """The project page's form filled from this generation, to make it again with a change."""
    family = family_of_kind(generation.kind)
    if family is None:
        return ""
    url = reverse("project_detail", args=[generation.project_id])
    return f"{url}?family={family}&rerun={generation.pk}#generation-form"
