"""Forms of the prompt library: one preset, and an import file."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds import Kind
from studio.prompts import services


class PresetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    prompt = forms.CharField(
        label=_("Prompt"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=services.MAX_PROMPT_CHARS,
    )
    params = forms.CharField(
        label=_("Parameters (JSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_('The form\'s other fields as a JSON object, e.g. {"aspect_ratio": "16:9"}.'),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=1000
    )
    is_personal = forms.BooleanField(label=_("Personal (only you see it)"), required=False)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the preset a name."))
        return name

    def clean_params(self) -> dict[str, Any]:
        text = self.cleaned_data["params"].strip()
        if not text:
            return {}
        if len(text.encode()) > services.MAX_PARAMS_BYTES:
            raise forms.ValidationError(
                _("The parameters are larger than %(count)d bytes.") % {"count": services.MAX_PARAMS_BYTES}
            )
        try:
            params = json.loads(text)
        except json.JSONDecodeError:
            raise forms.ValidationError(_("The parameters are not valid JSON.")) from None
        if not isinstance(params, dict):
            raise forms.ValidationError(_("The parameters must be a JSON object ({…})."))
        return params

    def clean_tags(self) -> list[str]:
        return services.clean_tags(self.cleaned_data["tags"].split(","))

    @staticmethod
    def initial_from(preset: Any) -> dict[str, Any]:
        return {
            "name": preset.name,
            "kind": preset.kind,
            "model": preset.model,
            "prompt": preset.prompt,
            "params": json.dumps(preset.params, ensure_ascii=False) if preset.params else "",
            "tags": ", ".join(preset.tags),
            "is_personal": preset.is_personal,
        }

    @staticmethod
    def initial_from_generation(generation: Any) -> dict[str, Any]:
        """A new preset from a generation: its kind, model, prompt and parameters, named by its prompt."""
        name = " ".join(generation.prompt.split())[:60] or str(generation)
        return {
            "name": name,
            "kind": generation.kind,
            "model": generation.model,
            "prompt": generation.prompt,
            "params": json.dumps(generation.params, ensure_ascii=False) if generation.params else "",
            "is_personal": True,
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("JSON file"))
    is_personal = forms.BooleanField(label=_("Import as personal presets"), required=False)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(count)d bytes.") % {"count": services.MAX_IMPORT_BYTES}
            )
        raw: bytes = upload.read()
        return raw
