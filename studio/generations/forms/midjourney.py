"""The Midjourney form (imagine, blend, describe, shorten, face swap) and the form of a result's buttons."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import (
    MAX_PROMPT_LENGTH,
    AssetIdsField,
    GenerationForm,
    MultipleFileField,
    MultipleFileInput,
    family_modes,
    given_count,
    image_count_error,
    prompt_field,
)
from studio.generations.kinds.midjourney import MJ_BLEND, MJ_IMAGINE

# Roles with a file field of their own (face swap's two pictures); every other role takes `images`.
OWN_FIELD_ROLES = ("face", "target")


class MidjourneyForm(GenerationForm):
    kind = MJ_IMAGINE.kind
    use_as_input = {"image": "images_assets"}
    mode = forms.ChoiceField(
        label=_("What to do"), choices=family_modes("midjourney"), initial=MJ_IMAGINE.kind
    )
    prompt = prompt_field(required=False)
    images = MultipleFileField(
        label=_("Images"),
        required=False,
        help_text=_("Reference images for imagine (up to 5), 2–5 for blend, 1 for describe."),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    images_assets = AssetIdsField(required=False)
    face = forms.FileField(
        label=_("Face (for face swap)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    target = forms.FileField(
        label=_("Target picture (for face swap)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    dimensions = forms.ChoiceField(
        label=_("Blend shape"),
        required=False,
        choices=[("SQUARE", _("Square")), ("PORTRAIT", _("Portrait")), ("LANDSCAPE", _("Landscape"))],
        initial="SQUARE",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        self.kind = mode or MJ_IMAGINE.kind
        if not mode:
            return data  # The mode field says what is wrong.
        spec = self.spec
        if spec.needs_prompt and not data.get("prompt"):
            self.add_error("prompt", _("Write a prompt: it is what the model makes."))
        # How many images each mode takes is the kind's spec's to say.
        for role, (low, high) in spec.image_inputs.items():
            if role in OWN_FIELD_ROLES:
                continue
            count = given_count(data, "images", "images_assets")
            if not low <= count <= high:
                self.add_error("images", image_count_error(count, low, high))
        if any(role in OWN_FIELD_ROLES and not data.get(role) for role in spec.image_inputs):
            self.add_error("face", _("Face swap needs a face and a target picture."))
        return data

    def image_roles(self) -> dict[str, tuple[str, str]]:
        return {
            role: (role, "") if role in OWN_FIELD_ROLES else ("images", "images_assets")
            for role in self.spec.image_inputs
        }

    def params(self) -> dict[str, Any]:
        if self.kind == MJ_BLEND.kind:
            return {"dimensions": self.cleaned_data.get("dimensions") or "SQUARE"}
        return {}


class ButtonForm(forms.Form):
    custom_id = forms.CharField(max_length=300)
    prompt = forms.CharField(max_length=MAX_PROMPT_LENGTH, required=False, strip=True)
    mask = forms.CharField(required=False, widget=forms.HiddenInput)
