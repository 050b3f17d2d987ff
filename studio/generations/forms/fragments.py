"""The project page's form as cached fragments: its fields, and its "Compare" part.

Rendering the form (Django's field, label and widget templates, a dozen fields, each with its help text)
was a third of the project page. An unbound form's HTML is a function of what it is built from: its
family, its initial values, its choices, the team's model lists, and the code and templates that render
it. Those are the key (studio.lib.fragments adds the language, the time zone and the templates' source),
so the form is rendered once per set of them and read back afterwards. A bound form (one sent back with
its errors) and a form filled from a preset or re-running a generation are rendered live.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import django
from django import forms

from studio.generations.forms._base import GenerationForm
from studio.lib import fragments

TEMPLATES = ("generations/workspace.html", "generations/_compare_fields.html")


def attach(form: GenerationForm, *, project_pk: int, model_context: Mapping[str, Any]) -> SimpleNamespace:
    """`parts.fields` and `parts.compare` for `{% cached_fragment %}`, both read in one cache get."""
    parts = SimpleNamespace(fields=SimpleNamespace(), compare=SimpleNamespace())
    shown = _form_values(form, project_pk=project_pk, model_context=model_context)
    fragments.attach(
        [parts.fields, parts.compare],
        name="generation-form",
        templates=TEMPLATES,
        key_of=lambda part: shown and ("fields" if part is parts.fields else "compare", *shown),
    )
    return parts


def _form_values(
    form: GenerationForm, *, project_pk: int, model_context: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """Everything the form's fields and compare part show; None for a bound form."""
    if form.is_bound:
        return None
    choices = [
        (name, field.choices)
        for name, field in form.fields.items()
        if isinstance(field, forms.ChoiceField | forms.MultipleChoiceField)
    ]
    return (
        _code_version(type(form)),
        form.prefix,
        project_pk,
        # Lazy labels are turned into text, in the language being rendered.
        json.dumps([sorted(form.initial.items()), choices], default=str, sort_keys=True),
        model_context.get("model_lists"),
        model_context.get("model_kind"),
    )


@functools.lru_cache(maxsize=32)
def _code_version(form_class: type[GenerationForm]) -> str:
    """A short hash of the Django version and of the source of the form's modules (labels, help texts and
    widgets live in code): a deploy that changes a field never reads the old HTML from a shared cache."""
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=6)
    modules = {cls.__module__ for cls in form_class.__mro__ if cls.__module__.startswith("studio.")}
    for name in sorted(modules | {"studio.generations.forms.compare"}):
        source = getattr(sys.modules[name], "__file__", None)
        if source:
            with open(source, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()
