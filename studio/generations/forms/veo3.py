"""The Veo3 video form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import AssetIdsField, GenerationForm, prompt_field
from studio.generations.kinds.veo3 import VEO3_VIDEO


class Veo3Form(GenerationForm):
    kind = VEO3_VIDEO.kind
    use_as_input = {"image": "first_frame_assets"}
    prompt = prompt_field()
    aspect_ratio = forms.ChoiceField(
        label=_("Aspect ratio"),
        choices=[("16:9", _("16:9 landscape")), ("9:16", _("9:16 portrait"))],
        initial="16:9",
    )
    first_frame = forms.FileField(
        label=_("First frame (optional)"),
        required=False,
        help_text=_("An image the video starts from."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    first_frame_assets = AssetIdsField(required=False)
    enhance_prompt = forms.BooleanField(label=_("Enhance the prompt"), required=False, initial=True)
    enable_upsample = forms.BooleanField(label=_("Upsample to 1080p"), required=False)

    def image_roles(self) -> dict[str, tuple[str, str]]:
        return {"first_frame": ("first_frame", "first_frame_assets")}

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "aspect_ratio": data["aspect_ratio"],
            "enhance_prompt": data["enhance_prompt"],
            "enable_upsample": data["enable_upsample"],
        }
