"""The forms a member fills in to make something, one per family, plus the result actions' forms.

Forms validate what can be checked without the gateway: lengths, choices, counts of images. Uploaded files
are validated from their bytes by `services.store_upload` before anything is submitted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from studio.generations.models import Kind

MAX_PROMPT_LENGTH = 4000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AssetIdsField(forms.CharField):
    """Ids of earlier results or inputs picked with "use as input" (checked against the team later)."""

    widget = forms.HiddenInput

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        ids: list[int] = []
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("The chosen inputs could not be read; pick them again."))
            ids.append(int(part))
        return ids


def prompt_field(*, required: bool = True, label: str | Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Prompt"),
        required=required,
        max_length=MAX_PROMPT_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write a prompt: it is what the model makes."),
            "max_length": _(
                "The prompt is too long (%(show_value)d characters; the limit is %(limit_value)d)."
            ),
        },
    )


class GenerationForm(forms.Form):
    kind: str = ""
    # "Use as input": the hidden field that takes an earlier asset of each media kind, if any.
    use_as_input: dict[str, str] = {}
    model = forms.CharField(
        label=_("Model"),
        max_length=120,
        help_text=_("Pick a suggestion or type any model your gateway offers."),
    )

    def image_roles(self) -> dict[str, tuple[str, str]]:
        """Role → (upload field, picked-assets field) for this form's image inputs."""
        return {}


class Veo3Form(GenerationForm):
    kind = Kind.VEO3_VIDEO
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


SORA_SIZES = [
    ("1280x720", _("1280×720 landscape")),
    ("720x1280", _("720×1280 portrait")),
    ("1792x1024", _("1792×1024 landscape (pro)")),
    ("1024x1792", _("1024×1792 portrait (pro)")),
]


class Sora2Form(GenerationForm):
    kind = Kind.SORA2_VIDEO
    use_as_input = {"image": "reference_assets"}
    prompt = prompt_field()
    seconds = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        choices=[(4, _("4 seconds")), (8, _("8 seconds")), (12, _("12 seconds"))],
        initial=4,
    )
    size = forms.ChoiceField(label=_("Size"), choices=SORA_SIZES, initial="1280x720")
    reference = forms.FileField(
        label=_("Reference image (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    reference_assets = AssetIdsField(required=False)
    characters = forms.MultipleChoiceField(
        label=_("Characters to mention"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Characters made from earlier Sora videos of this project."),
    )

    def __init__(self, *args: Any, character_choices: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["characters"].choices = character_choices or []  # type: ignore[attr-defined]

    def image_roles(self) -> dict[str, tuple[str, str]]:
        return {"reference": ("reference", "reference_assets")}

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"seconds": data["seconds"], "size": data["size"], "characters": data["characters"]}


MJ_MODES = [
    (Kind.MJ_IMAGINE, _("Imagine: a 2×2 grid from a prompt")),
    (Kind.MJ_BLEND, _("Blend 2–5 images")),
    (Kind.MJ_DESCRIBE, _("Describe an image (image → prompts)")),
    (Kind.MJ_SHORTEN, _("Shorten a prompt")),
    (Kind.MJ_SWAP_FACE, _("Swap a face")),
]


class MidjourneyForm(GenerationForm):
    kind = Kind.MJ_IMAGINE
    use_as_input = {"image": "images_assets"}
    mode = forms.ChoiceField(label=_("What to do"), choices=MJ_MODES, initial=Kind.MJ_IMAGINE)
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
        self.kind = mode or Kind.MJ_IMAGINE
        if mode in {Kind.MJ_IMAGINE, Kind.MJ_SHORTEN} and not data.get("prompt"):
            self.add_error("prompt", _("Write a prompt: it is what the model makes."))
        count = len(data.get("images") or []) + len(data.get("images_assets") or [])
        if mode == Kind.MJ_BLEND and not 2 <= count <= 5:
            self.add_error("images", _("Blend takes 2 to 5 images; you gave %(count)d.") % {"count": count})
        if mode == Kind.MJ_DESCRIBE and count != 1:
            self.add_error("images", _("Describe takes exactly one image."))
        if mode == Kind.MJ_IMAGINE and count > 5:
            self.add_error("images", _("Imagine takes at most 5 reference images."))
        if mode == Kind.MJ_SWAP_FACE and not (data.get("face") and data.get("target")):
            self.add_error("face", _("Face swap needs a face and a target picture."))
        return data

    def image_roles(self) -> dict[str, tuple[str, str]]:
        role = {Kind.MJ_BLEND: "source", Kind.MJ_DESCRIBE: "source"}.get(self.kind, "reference")
        if self.kind == Kind.MJ_SWAP_FACE:
            return {"face": ("face", ""), "target": ("target", "")}
        if self.kind == Kind.MJ_SHORTEN:
            return {}
        return {role: ("images", "images_assets")}

    def params(self) -> dict[str, Any]:
        if self.kind == Kind.MJ_BLEND:
            return {"dimensions": self.cleaned_data.get("dimensions") or "SQUARE"}
        return {}


FORMS: dict[str, type[GenerationForm]] = {
    "veo3": Veo3Form,
    "sora2": Sora2Form,
    "midjourney": MidjourneyForm,
}

# The tabs of the project page's form, in order: family key → label.
FAMILY_LABELS: dict[str, Any] = {
    "veo3": _("Video: Veo3"),
    "sora2": _("Video: Sora2"),
    "midjourney": _("Midjourney"),
}


class ButtonForm(forms.Form):
    custom_id = forms.CharField(max_length=300)
    prompt = forms.CharField(max_length=MAX_PROMPT_LENGTH, required=False, strip=True)
    mask = forms.CharField(required=False, widget=forms.HiddenInput)


class RemixForm(forms.Form):
    prompt = prompt_field(label=_("What to change"))


class CharacterForm(forms.Form):
    name = forms.CharField(label=_("Character name"), max_length=80)
    timestamps = forms.RegexField(
        label=_("Seconds to take the character from"),
        regex=r"^\d+(\.\d+)?,\d+(\.\d+)?$",
        initial="1,3",
        error_messages={"invalid": _("Write two numbers separated by a comma, like 1,3.")},
    )
    real_person = forms.BooleanField(label=_("This is a real person"), required=False)
