"""The text form: a chat answer (which may look at images) or a legacy completion."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import (
    MAX_INPUT_IMAGES,
    AssetIdsField,
    GenerationForm,
    InputField,
    given_count,
    image_count_error,
    images_field,
    mode_field,
    modes,
    prompt_field,
)
from studio.generations.kinds.text import CHAT

MAX_CHAT_PROMPT_LENGTH = 32_000


class TextForm(GenerationForm):
    """A chat answer or a legacy completion, streamed onto the card."""

    kind = CHAT.kind
    use_as_input = {"image": "images_assets"}
    mode_for_input = {"image": CHAT.kind}
    mode = mode_field(_("What to do"), "text")
    system = prompt_field(required=False, label=_("System prompt (optional)"), rows=2, attrs=modes(CHAT))
    prompt = prompt_field(
        max_length=MAX_CHAT_PROMPT_LENGTH,
        rows=5,
        required_message=_("Write a prompt: it is what the model answers."),
    )
    temperature = forms.FloatField(
        label=_("Temperature (optional)"),
        required=False,
        min_value=0.0,
        max_value=2.0,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    max_tokens = forms.IntegerField(
        label=_("Max tokens (optional)"), required=False, min_value=1, max_value=32_000
    )
    images = images_field(_("Images (optional)"), _("Up to 4 images for the model to look at."), CHAT)
    images_assets = AssetIdsField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or CHAT.kind
        count = given_count(data, "images", "images_assets")
        if count and "image" not in self.spec.image_inputs:
            self.add_error("images", _("Completions take no images; choose chat to use them."))
        if count > MAX_INPUT_IMAGES:
            self.add_error("images", image_count_error(count, 0, MAX_INPUT_IMAGES))
        return data

    def input_roles(self) -> dict[str, InputField]:
        return {"image": InputField("images", "images_assets")} if "image" in self.spec.image_inputs else {}

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        params = {name: data[name] for name in ("temperature", "max_tokens") if data.get(name) is not None}
        if self.spec is CHAT and data.get("system"):
            params["system"] = data["system"]
        return params
