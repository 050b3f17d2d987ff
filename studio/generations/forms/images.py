"""The image form: a chat-format model, or the Images API's generate and edit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    optional_choice,
    prompt_field,
)
from studio.generations.kinds.images import CHAT_IMAGE, IMAGES_EDIT, IMAGES_GENERATE
from studio.generations.models import Asset

IMAGE_SIZES = [
    ("1024x1024", _("1024×1024 square")),
    ("1536x1024", _("1536×1024 landscape")),
    ("1024x1536", _("1024×1536 portrait")),
    ("1792x1024", _("1792×1024 landscape (DALL·E 3)")),
    ("1024x1792", _("1024×1792 portrait (DALL·E 3)")),
]
IMAGES_API = (IMAGES_GENERATE, IMAGES_EDIT)
# The form's upload and picked-assets fields of each input role.
INPUT_FIELDS = {"image": InputField("images", "images_assets"), "mask": InputField("mask")}


class ImageForm(GenerationForm):
    """Images from chat-format models or the Images API: generate, or edit the given images."""

    kind = CHAT_IMAGE.kind
    use_as_input = {"image": "images_assets"}
    mode_for_input = {"image": CHAT_IMAGE.kind}
    mode = mode_field(_("How to make it"), "image")
    prompt = prompt_field()
    images = images_field(
        _("Input images"),
        _("Up to 4 images to change or combine (for chat image-to-image and edits)."),
        CHAT_IMAGE,
        IMAGES_EDIT,
    )
    images_assets = AssetIdsField(required=False)
    mask = forms.FileField(
        label=_("Mask (optional)"),
        required=False,
        help_text=_("A PNG the size of the first image; its transparent part is what gets edited."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png", **modes(IMAGES_EDIT)}),
    )
    size = optional_choice(_("Size"), IMAGE_SIZES, *IMAGES_API)
    aspect_ratio = optional_choice(
        _("Aspect ratio (Flux, Gemini)"),
        [("1:1", "1:1"), ("16:9", "16:9"), ("9:16", "9:16"), ("4:3", "4:3"), ("3:4", "3:4")],
        *IMAGES_API,
    )
    quality = optional_choice(
        _("Quality"),
        [
            ("standard", _("Standard (DALL·E 3)")),
            ("hd", _("HD (DALL·E 3)")),
            ("low", _("Low (gpt-image-1)")),
            ("medium", _("Medium (gpt-image-1)")),
            ("high", _("High (gpt-image-1)")),
        ],
        *IMAGES_API,
    )
    style = optional_choice(
        _("Style (DALL·E 3)"), [("vivid", _("Vivid")), ("natural", _("Natural"))], IMAGES_GENERATE
    )
    background = optional_choice(
        _("Background (gpt-image-1)"),
        [("transparent", _("Transparent")), ("opaque", _("Opaque"))],
        *IMAGES_API,
    )
    count = forms.IntegerField(
        label=_("Number of images"),
        min_value=1,
        max_value=4,
        initial=1,
        widget=forms.NumberInput(attrs=modes(*IMAGES_API)),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or CHAT_IMAGE.kind
        spec = self.spec
        count = given_count(data, "images", "images_assets")
        low, high = spec.image_range("image")
        model = str(data.get("model") or "").lower()
        if high == 0 and count:
            self.add_error("images", _("Generating takes no input images; choose “edit images” to use them."))
        if count < low:
            self.add_error("images", _("Give at least one image to edit."))
        if count > MAX_INPUT_IMAGES:
            self.add_error("images", image_count_error(count, 0, MAX_INPUT_IMAGES))
        if data.get("mask") and "mask" not in spec.image_inputs:
            self.add_error("mask", _("A mask is only used when editing images."))
        if spec in IMAGES_API and model == "dall-e-3":
            if spec is IMAGES_EDIT:
                self.add_error("model", _("DALL·E 3 cannot edit images; pick gpt-image-1 or another model."))
            if (data.get("count") or 1) > 1:
                self.add_error("count", _("DALL·E 3 makes one image at a time."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        return {role: INPUT_FIELDS[role] for role in self.spec.image_inputs}

    def check_inputs(self, inputs: Mapping[str, Sequence[Asset]]) -> None:
        masks, images = inputs.get("mask", ()), inputs.get("image", ())
        if not masks or not images:
            return
        mask, image = masks[0], images[0]
        if mask.mime_type != "image/png":
            self.add_error("mask", _("The mask must be a PNG image (with transparency)."))
        elif (mask.width, mask.height) != (image.width, image.height):
            self.add_error(
                "mask",
                _("The mask is %(mask)s but the image is %(image)s; they must be the same size.")
                % {"mask": f"{mask.width}×{mask.height}", "image": f"{image.width}×{image.height}"},
            )

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.spec not in IMAGES_API:
            return {}
        names = ["size", "aspect_ratio", "quality", "background"]
        if self.spec is IMAGES_GENERATE:
            names.append("style")
        params = {name: data[name] for name in names if data.get(name)}
        return {**params, "n": data.get("count") or 1}
