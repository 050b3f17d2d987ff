"""The Sora2 video form, and the forms that remix a finished Sora video or make a character of it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import AssetIdsField, GenerationForm, prompt_field
from studio.generations.kinds.sora import CHARACTER_CLIP_MAX_BYTES, CHARACTER_CLIP_MAX_SECONDS, SORA2_VIDEO
from studio.generations.models import Asset

SORA_SIZES = [
    ("1280x720", _("1280×720 landscape")),
    ("720x1280", _("720×1280 portrait")),
    ("1792x1024", _("1792×1024 landscape (pro)")),
    ("1024x1792", _("1024×1792 portrait (pro)")),
]


class Sora2Form(GenerationForm):
    kind = SORA2_VIDEO.kind
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
    clip_asset = forms.ModelChoiceField(
        label=_("Clip from this project"),
        queryset=Asset.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    clip = forms.FileField(
        label=_("Or upload a clip"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )
    clip_url = forms.URLField(label=_("Or the clip's address (URL)"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["clip_asset"].queryset = Asset.objects.filter(  # type: ignore[attr-defined]
                project=project, kind=Asset.MediaKind.VIDEO
            ).order_by("-created_at")
        self.fields["clip"].help_text = _(
            "A real person needs a clip of them: one of the project's videos, an upload, or its address. "
            "At most %(seconds)d seconds and %(mb)d MB (the gateway publishes no limits; these are our "
            "guesses)."
        ) % {"seconds": CHARACTER_CLIP_MAX_SECONDS, "mb": CHARACTER_CLIP_MAX_BYTES // 1_000_000}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("clip_asset", "clip", "clip_url") if data.get(name)]
        if len(given) > 1:
            raise forms.ValidationError(
                _("Give one clip only: a video of the project, an upload, or an address.")
            )
        if data.get("real_person") and not given:
            raise forms.ValidationError(
                _("A real person's character needs a clip of them: a video, an upload or its address.")
            )
        asset = data.get("clip_asset")
        if asset is not None:
            self._check_clip(size=asset.size, seconds=asset.duration)
        upload = data.get("clip")
        if upload is not None:
            self._check_clip(size=upload.size, seconds=None)
        return data

    @staticmethod
    def _check_clip(*, size: int | None, seconds: float | None) -> None:
        """The limits the gateway is expected to apply to a character's clip (the sandbox checks them too)."""
        if size is not None and size > CHARACTER_CLIP_MAX_BYTES:
            raise forms.ValidationError(
                _("The clip is larger than %(mb)d MB.") % {"mb": CHARACTER_CLIP_MAX_BYTES // 1_000_000}
            )
        if seconds is not None and seconds > CHARACTER_CLIP_MAX_SECONDS:
            raise forms.ValidationError(
                _("The clip is %(length)d seconds long; at most %(limit)d seconds can be used.")
                % {"length": round(seconds), "limit": CHARACTER_CLIP_MAX_SECONDS}
            )
