"""What the generation forms share: the base form, its fields and the helpers that build them.

Forms validate what can be checked without the gateway: lengths, choices, counts of images. Uploaded files
are validated from their bytes by `services.store_upload` before anything is submitted, and `check_inputs`
then checks what only the stored files tell (a mask the size of its image, a video with a public link).

A family with several kinds (image, video via chat, audio, text, Midjourney) has a `mode` field whose values
are its kinds, taken from their specs in order; fields that belong to some modes only say so in a
`data-modes` attribute, which the page's script uses to show the fields of the chosen mode. How many inputs
a kind takes is its spec's to say; the forms check the counts against it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from studio.generations.kinds import KINDS, KindSpec
from studio.generations.models import Asset
from studio.lib.media import MediaKind

MAX_PROMPT_LENGTH = 4000
MAX_INPUT_IMAGES = 4
IMAGES = frozenset({MediaKind.IMAGE})
SOUND = frozenset({MediaKind.AUDIO, MediaKind.VIDEO})
VIDEOS = frozenset({MediaKind.VIDEO})


@dataclass(frozen=True)
class InputField:
    """Where a form takes one input role from: an upload field and/or picked earlier assets."""

    upload: str
    picked: str = ""
    allowed: frozenset[MediaKind] = IMAGES
    max_bytes: int | None = None
    max_duration: float | None = None


def modes(*specs: KindSpec) -> dict[str, str]:
    """Widget attributes of a field that belongs to these kinds' modes only."""
    return {"data-modes": " ".join(spec.kind for spec in specs)}


def family_modes(form_family: str) -> list[tuple[str, Any]]:
    """The choices of a family form's `mode` field: its kinds, in their specs' order, by their mode labels."""
    return [(spec.kind, spec.mode_label) for spec in KINDS.values() if spec.form_family == form_family]


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


def prompt_field(
    *,
    required: bool = True,
    label: str | Any = None,
    max_length: int = MAX_PROMPT_LENGTH,
    rows: int = 4,
    attrs: dict[str, str] | None = None,
    required_message: str | Any = None,
) -> forms.CharField:
    return forms.CharField(
        label=label or _("Prompt"),
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows, **(attrs or {})}),
        error_messages={
            "required": required_message or _("Write a prompt: it is what the model makes."),
            "max_length": _(
                "The prompt is too long (%(show_value)d characters; the limit is %(limit_value)d)."
            ),
        },
    )


def mode_field(label: str | Any, form_family: str) -> forms.ChoiceField:
    """The choice of kind in a form of several; the page's script shows the fields of the chosen one."""
    choices = family_modes(form_family)
    return forms.ChoiceField(
        label=label,
        choices=choices,
        initial=choices[0][0],
        widget=forms.Select(attrs={"data-mode-switch": ""}),
    )


class GenerationForm(forms.Form):
    kind: str = ""
    # "Use as input": the hidden field that takes an earlier asset of each media kind, if any.
    use_as_input: dict[str, str] = {}
    # "Use as input": the mode an earlier asset of each media kind opens the form in.
    mode_for_input: dict[str, str] = {}
    model = forms.CharField(
        label=_("Model"),
        max_length=120,
        help_text=_("Pick a suggestion or type any model your gateway offers."),
    )

    @property
    def spec(self) -> KindSpec:
        """The spec of the kind the form makes (its chosen mode once cleaned)."""
        return KINDS[self.kind]

    def image_roles(self) -> dict[str, tuple[str, str]]:
        """Role → (upload field, picked-assets field) for this form's image inputs."""
        return {}

    def input_roles(self) -> dict[str, InputField]:
        """Role → where its files come from and what they may be; images unless a form says otherwise."""
        return {role: InputField(upload, picked) for role, (upload, picked) in self.image_roles().items()}

    def check_inputs(self, inputs: Mapping[str, Sequence[Asset]]) -> None:
        """Adds errors that only the stored inputs can tell (sizes, links); none by default."""

    @classmethod
    def mode_kinds(cls) -> list[str]:
        """The kinds of a form with several modes (the values of its `mode` field); empty otherwise."""
        field = cls.base_fields.get("mode")
        if not isinstance(field, forms.ChoiceField):
            return []
        return [str(value) for value, _label in field.choices]  # type: ignore[misc,union-attr]

    def kinds(self) -> list[str]:
        """The kinds this form can make: its modes, or its one kind."""
        return self.mode_kinds() or [self.kind]

    def current_kind(self) -> str:
        """The kind the form makes as it stands: the chosen (or preset) mode, else its one kind."""
        if "mode" not in self.fields:
            return self.kind
        value = str(self["mode"].value() or "")
        return value if value in self.kinds() else self.kind

    def generation_prompt(self) -> str:
        """What the generation records as its prompt."""
        return str(self.cleaned_data.get("prompt") or "")

    def params(self) -> dict[str, Any]:
        return {}


def optional_choice(label: Any, choices: list[tuple[str, Any]], *specs: KindSpec, default: Any = None) -> Any:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", default or _("Model's default")), *choices],
        widget=forms.Select(attrs=modes(*specs)),
    )


def images_field(label: Any, help_text: Any, *specs: KindSpec) -> MultipleFileField:
    return MultipleFileField(
        label=label,
        required=False,
        help_text=help_text,
        widget=MultipleFileInput(attrs={"accept": "image/*", **modes(*specs)}),
    )


def image_count_error(count: int, minimum: int, maximum: int) -> str:
    """What to say when `count` images are given to a role that takes `minimum` to `maximum` of them."""
    values = {"min": minimum, "max": maximum, "count": count}
    if minimum == maximum:
        return (
            ngettext(
                "Give exactly one image; you gave %(count)d.",
                "Give exactly %(max)d images; you gave %(count)d.",
                maximum,
            )
            % values
        )
    if minimum == 0:
        return str(_("Give at most %(max)d images; you gave %(count)d.") % values)
    return str(_("Give %(min)d to %(max)d images; you gave %(count)d.") % values)


def given_count(data: Mapping[str, Any], upload: str, picked: str) -> int:
    """How many files an input was given: the uploads (one or several) plus the earlier assets picked."""
    uploaded = data.get(upload)
    count = len(uploaded) if isinstance(uploaded, list) else int(bool(uploaded))
    return count + len(data.get(picked) or [])
