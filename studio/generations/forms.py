"""The forms a member fills in to make something, one per family, plus the result actions' forms.

Forms validate what can be checked without the gateway: lengths, choices, counts of images. Uploaded files
are validated from their bytes by `services.store_upload` before anything is submitted, and `check_inputs`
then checks what only the stored files tell (a mask the size of its image, a video with a public link).

A family with several kinds (image, video via chat, audio, text) has a `mode` field whose values are the
kinds; fields that belong to some modes only say so in a `data-modes` attribute, which the page's script
uses to show the fields of the chosen mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds import KINDS, Kind
from studio.generations.kinds.sora import CHARACTER_CLIP_MAX_BYTES, CHARACTER_CLIP_MAX_SECONDS
from studio.generations.models import Asset
from studio.lib.media import MediaKind

MAX_PROMPT_LENGTH = 4000
MAX_CHAT_PROMPT_LENGTH = 32_000
MAX_SPEECH_LENGTH = 4096
MAX_INPUT_IMAGES = 4
MAX_EMBEDDING_INPUTS = 256
MAX_EMBEDDING_INPUT_LENGTH = 8000
# What the speech-to-text models take: OpenAI's 25 MB upload limit, and an hour of sound.
MAX_TRANSCRIPTION_BYTES = 25_000_000
MAX_TRANSCRIPTION_SECONDS = 3600.0
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


def modes(*kinds: str) -> dict[str, str]:
    """Widget attributes of a field that belongs to these modes only."""
    return {"data-modes": " ".join(kinds)}


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


def mode_field(label: str | Any, choices: Sequence[tuple[str, Any]]) -> forms.ChoiceField:
    """The choice of kind in a form of several; the page's script shows the fields of the chosen one."""
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

    def _image_role(self) -> str:
        return "source" if "source" in KINDS[self.kind].image_inputs else "reference"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        self.kind = mode or Kind.MJ_IMAGINE
        if mode in {Kind.MJ_IMAGINE, Kind.MJ_SHORTEN} and not data.get("prompt"):
            self.add_error("prompt", _("Write a prompt: it is what the model makes."))
        count = len(data.get("images") or []) + len(data.get("images_assets") or [])
        # How many images each mode takes is the kind's spec's to say; the messages only name it.
        low, high = KINDS[self.kind].image_range(self._image_role())
        fits = low <= count <= high
        if mode == Kind.MJ_BLEND and not fits:
            self.add_error("images", _("Blend takes 2 to 5 images; you gave %(count)d.") % {"count": count})
        if mode == Kind.MJ_DESCRIBE and not fits:
            self.add_error("images", _("Describe takes exactly one image."))
        if mode == Kind.MJ_IMAGINE and not fits:
            self.add_error("images", _("Imagine takes at most 5 reference images."))
        if mode == Kind.MJ_SWAP_FACE and not (data.get("face") and data.get("target")):
            self.add_error("face", _("Face swap needs a face and a target picture."))
        return data

    def image_roles(self) -> dict[str, tuple[str, str]]:
        role = self._image_role()
        if self.kind == Kind.MJ_SWAP_FACE:
            return {"face": ("face", ""), "target": ("target", "")}
        if self.kind == Kind.MJ_SHORTEN:
            return {}
        return {role: ("images", "images_assets")}

    def params(self) -> dict[str, Any]:
        if self.kind == Kind.MJ_BLEND:
            return {"dimensions": self.cleaned_data.get("dimensions") or "SQUARE"}
        return {}


def _optional_choice(label: Any, choices: list[tuple[str, Any]], *kinds: str, default: Any = None) -> Any:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", default or _("Model's default")), *choices],
        widget=forms.Select(attrs=modes(*kinds)),
    )


def _images_field(label: Any, help_text: Any, *kinds: str) -> MultipleFileField:
    return MultipleFileField(
        label=label,
        required=False,
        help_text=help_text,
        widget=MultipleFileInput(attrs={"accept": "image/*", **modes(*kinds)}),
    )


def _image_count_error(count: int, maximum: int) -> Any:
    return _("Give at most %(max)d images; you gave %(count)d.") % {"max": maximum, "count": count}


IMAGE_MODES = [
    (Kind.CHAT_IMAGE, _("Image via chat (Gemini, gpt-4o-image): text or image to image")),
    (Kind.IMAGES_GENERATE, _("Images API: generate (DALL·E 3, gpt-image-1, Flux)")),
    (Kind.IMAGES_EDIT, _("Images API: edit images (with an optional mask)")),
]
IMAGE_SIZES = [
    ("1024x1024", _("1024×1024 square")),
    ("1536x1024", _("1536×1024 landscape")),
    ("1024x1536", _("1024×1536 portrait")),
    ("1792x1024", _("1792×1024 landscape (DALL·E 3)")),
    ("1024x1792", _("1024×1792 portrait (DALL·E 3)")),
]
IMAGES_API = (Kind.IMAGES_GENERATE, Kind.IMAGES_EDIT)


class ImageForm(GenerationForm):
    """Images from chat-format models or the Images API: generate, or edit the given images."""

    kind = Kind.CHAT_IMAGE
    use_as_input = {"image": "images_assets"}
    mode_for_input = {"image": Kind.CHAT_IMAGE}
    mode = mode_field(_("How to make it"), IMAGE_MODES)
    prompt = prompt_field()
    images = _images_field(
        _("Input images"),
        _("Up to 4 images to change or combine (for chat image-to-image and edits)."),
        Kind.CHAT_IMAGE,
        Kind.IMAGES_EDIT,
    )
    images_assets = AssetIdsField(required=False)
    mask = forms.FileField(
        label=_("Mask (optional)"),
        required=False,
        help_text=_("A PNG the size of the first image; its transparent part is what gets edited."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png", **modes(Kind.IMAGES_EDIT)}),
    )
    size = _optional_choice(_("Size"), IMAGE_SIZES, *IMAGES_API)
    aspect_ratio = _optional_choice(
        _("Aspect ratio (Flux, Gemini)"),
        [("1:1", "1:1"), ("16:9", "16:9"), ("9:16", "9:16"), ("4:3", "4:3"), ("3:4", "3:4")],
        *IMAGES_API,
    )
    quality = _optional_choice(
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
    style = _optional_choice(
        _("Style (DALL·E 3)"), [("vivid", _("Vivid")), ("natural", _("Natural"))], Kind.IMAGES_GENERATE
    )
    background = _optional_choice(
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
        self.kind = data.get("mode") or Kind.CHAT_IMAGE
        count = len(data.get("images") or []) + len(data.get("images_assets") or [])
        model = str(data.get("model") or "").lower()
        if self.kind == Kind.IMAGES_GENERATE and count:
            self.add_error("images", _("Generating takes no input images; choose “edit images” to use them."))
        if self.kind == Kind.IMAGES_EDIT and count == 0:
            self.add_error("images", _("Give at least one image to edit."))
        if count > MAX_INPUT_IMAGES:
            self.add_error("images", _image_count_error(count, MAX_INPUT_IMAGES))
        if data.get("mask") and self.kind != Kind.IMAGES_EDIT:
            self.add_error("mask", _("A mask is only used when editing images."))
        if self.kind in IMAGES_API and model == "dall-e-3":
            if self.kind == Kind.IMAGES_EDIT:
                self.add_error("model", _("DALL·E 3 cannot edit images; pick gpt-image-1 or another model."))
            if (data.get("count") or 1) > 1:
                self.add_error("count", _("DALL·E 3 makes one image at a time."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        if self.kind == Kind.CHAT_IMAGE:
            return {"image": InputField("images", "images_assets")}
        if self.kind == Kind.IMAGES_EDIT:
            return {"image": InputField("images", "images_assets"), "mask": InputField("mask")}
        return {}

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
        if self.kind == Kind.CHAT_IMAGE:
            return {}
        names = ["size", "aspect_ratio", "quality", "background"]
        if self.kind == Kind.IMAGES_GENERATE:
            names.append("style")
        params = {name: data[name] for name in names if data.get(name)}
        return {**params, "n": data.get("count") or 1}


VIDEO_CHAT_MODES = [
    (Kind.CHAT_VIDEO, _("Video via chat (Veo3, Sora2)")),
    (Kind.WATERMARK_REMOVAL, _("Remove a Sora watermark")),
]


class VideoChatForm(GenerationForm):
    """Videos the gateway makes within one chat request, and watermark removal of Sora videos."""

    kind = Kind.CHAT_VIDEO
    use_as_input = {"image": "first_frame_assets", "video": "video_assets"}
    mode_for_input = {"image": Kind.CHAT_VIDEO, "video": Kind.WATERMARK_REMOVAL}
    mode = mode_field(_("What to do"), VIDEO_CHAT_MODES)
    prompt = prompt_field(required=False, attrs=modes(Kind.CHAT_VIDEO))
    first_frame = forms.FileField(
        label=_("Image to start from (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", **modes(Kind.CHAT_VIDEO)}),
    )
    first_frame_assets = AssetIdsField(required=False)
    stream = forms.BooleanField(
        label=_("Show progress as it streams"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=modes(Kind.CHAT_VIDEO)),
    )
    video_url = forms.URLField(
        label=_("Sora share link"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("A link like https://sora.chatgpt.com/p/s_…, or use an earlier video result."),
        widget=forms.URLInput(attrs=modes(Kind.WATERMARK_REMOVAL)),
    )
    video_assets = AssetIdsField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or Kind.CHAT_VIDEO
        if self.kind == Kind.CHAT_VIDEO and not data.get("prompt"):
            self.add_error("prompt", _("Write a prompt: it is what the model makes."))
        if self.kind == Kind.WATERMARK_REMOVAL:
            picked = len(data.get("video_assets") or [])
            if bool(data.get("video_url")) == bool(picked) or picked > 1:
                self.add_error("video_url", _("Give one Sora share link, or pick one earlier video result."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        if self.kind == Kind.WATERMARK_REMOVAL:
            return {"source": InputField("", "video_assets", allowed=VIDEOS)}
        return {"first_frame": InputField("first_frame", "first_frame_assets")}

    def check_inputs(self, inputs: Mapping[str, Sequence[Asset]]) -> None:
        for video in inputs.get("source", ()):
            if not video.is_sora_video:
                self.add_error("video_url", _("Only a Sora video has a watermark to remove."))
            elif not video.source_url:
                self.add_error(
                    "video_url",
                    _("This video has no link the gateway can fetch. Paste its Sora share link instead."),
                )

    def generation_prompt(self) -> str:
        if self.kind == Kind.WATERMARK_REMOVAL:
            return str(self.cleaned_data.get("video_url") or "")
        return super().generation_prompt()

    def params(self) -> dict[str, Any]:
        if self.kind == Kind.WATERMARK_REMOVAL:
            return {"video_url": self.cleaned_data.get("video_url") or ""}
        return {"stream": bool(self.cleaned_data.get("stream"))}


AUDIO_MODES = [
    (Kind.SPEECH, _("Text to speech")),
    (Kind.TRANSCRIPTION, _("Transcribe audio or video")),
    (Kind.TRANSLATION, _("Translate audio or video into English text")),
]
VOICES = ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]
SPEECH_FORMATS = [("mp3", "MP3"), ("opus", "Opus"), ("aac", "AAC"), ("flac", "FLAC"), ("wav", "WAV")]
TRANSCRIPT_FORMATS = [
    ("text", _("Plain text")),
    ("json", _("JSON (text with usage)")),
    ("srt", _("SubRip subtitles (.srt)")),
    ("vtt", _("WebVTT subtitles (.vtt)")),
]
LISTENING = (Kind.TRANSCRIPTION, Kind.TRANSLATION)


class AudioForm(GenerationForm):
    """Speech from text, and text (or subtitles) from audio or video."""

    kind = Kind.SPEECH
    use_as_input = {"audio": "audio_assets", "video": "audio_assets"}
    mode_for_input = {"audio": Kind.TRANSCRIPTION, "video": Kind.TRANSCRIPTION}
    mode = mode_field(_("What to do"), AUDIO_MODES)
    prompt = prompt_field(
        required=False, label=_("Text to speak"), max_length=MAX_SPEECH_LENGTH, attrs=modes(Kind.SPEECH)
    )
    voice = forms.ChoiceField(
        label=_("Voice"),
        choices=[(voice, voice.capitalize()) for voice in VOICES],
        initial="alloy",
        widget=forms.Select(attrs=modes(Kind.SPEECH)),
    )
    audio_format = forms.ChoiceField(
        label=_("Audio format"),
        choices=SPEECH_FORMATS,
        initial="mp3",
        widget=forms.Select(attrs=modes(Kind.SPEECH)),
    )
    speed = forms.FloatField(
        label=_("Speed"),
        min_value=0.25,
        max_value=4.0,
        initial=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05", **modes(Kind.SPEECH)}),
    )
    audio = forms.FileField(
        label=_("Audio or video to transcribe"),
        required=False,
        help_text=_("Up to 25 MB and one hour, or use an earlier result."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*,video/*", **modes(*LISTENING)}),
    )
    audio_assets = AssetIdsField(required=False)
    language = forms.CharField(
        label=_("Language (optional)"),
        required=False,
        max_length=8,
        help_text=_("The spoken language as a code like en or zh, if you know it."),
        validators=[
            RegexValidator(r"^[a-zA-Z]{2,3}(-[a-zA-Z]{2})?$", _("Write a language code like en or zh."))
        ],
        widget=forms.TextInput(attrs=modes(Kind.TRANSCRIPTION)),
    )
    transcript_format = forms.ChoiceField(
        label=_("Transcript format"),
        choices=TRANSCRIPT_FORMATS,
        initial="text",
        widget=forms.Select(attrs=modes(*LISTENING)),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or Kind.SPEECH
        if self.kind == Kind.SPEECH and not data.get("prompt"):
            self.add_error("prompt", _("Write the text to speak."))
        if self.kind in LISTENING:
            count = int(bool(data.get("audio"))) + len(data.get("audio_assets") or [])
            if count != 1:
                self.add_error("audio", _("Give one audio or video file to transcribe."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        if self.kind not in LISTENING:
            return {}
        field = InputField(
            "audio",
            "audio_assets",
            allowed=SOUND,
            max_bytes=MAX_TRANSCRIPTION_BYTES,
            max_duration=MAX_TRANSCRIPTION_SECONDS,
        )
        return {"source": field}

    def check_inputs(self, inputs: Mapping[str, Sequence[Asset]]) -> None:
        # An earlier result was never checked against what the speech-to-text models take.
        for source in inputs.get("source", ()):
            if source.size > MAX_TRANSCRIPTION_BYTES:
                self.add_error(
                    "audio",
                    _("This file is larger than the %(mb)d MB the speech-to-text models take.")
                    % {"mb": MAX_TRANSCRIPTION_BYTES // 1_000_000},
                )
            elif source.duration and source.duration > MAX_TRANSCRIPTION_SECONDS:
                self.add_error("audio", _("This recording is longer than the one hour the models take."))

    def generation_prompt(self) -> str:
        return super().generation_prompt() if self.kind == Kind.SPEECH else ""

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.kind == Kind.SPEECH:
            return {"voice": data["voice"], "response_format": data["audio_format"], "speed": data["speed"]}
        params = {"response_format": data["transcript_format"]}
        if self.kind == Kind.TRANSCRIPTION and data.get("language"):
            params["language"] = data["language"].lower()
        return params


TEXT_MODES = [(Kind.CHAT, _("Chat")), (Kind.COMPLETION, _("Completion (legacy)"))]


class TextForm(GenerationForm):
    """A chat answer or a legacy completion, streamed onto the card."""

    kind = Kind.CHAT
    use_as_input = {"image": "images_assets"}
    mode_for_input = {"image": Kind.CHAT}
    mode = mode_field(_("What to do"), TEXT_MODES)
    system = prompt_field(required=False, label=_("System prompt (optional)"), rows=2, attrs=modes(Kind.CHAT))
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
    images = _images_field(_("Images (optional)"), _("Up to 4 images for the model to look at."), Kind.CHAT)
    images_assets = AssetIdsField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or Kind.CHAT
        count = len(data.get("images") or []) + len(data.get("images_assets") or [])
        if self.kind == Kind.COMPLETION and count:
            self.add_error("images", _("Completions take no images; choose chat to use them."))
        if count > MAX_INPUT_IMAGES:
            self.add_error("images", _image_count_error(count, MAX_INPUT_IMAGES))
        return data

    def input_roles(self) -> dict[str, InputField]:
        return {"image": InputField("images", "images_assets")} if self.kind == Kind.CHAT else {}

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        params = {name: data[name] for name in ("temperature", "max_tokens") if data.get(name) is not None}
        if self.kind == Kind.CHAT and data.get("system"):
            params["system"] = data["system"]
        return params


class EmbeddingsForm(GenerationForm):
    """Vectors for a list of texts, one per line."""

    kind = Kind.EMBEDDINGS
    prompt = forms.CharField(
        label=_("Texts, one per line"),
        max_length=MAX_EMBEDDING_INPUTS * (MAX_EMBEDDING_INPUT_LENGTH + 1),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write at least one line of text to embed.")},
    )
    dimensions = forms.IntegerField(
        label=_("Dimensions (optional)"),
        required=False,
        min_value=1,
        max_value=3072,
        help_text=_("Shorter vectors, for models that support it (text-embedding-3-*)."),
    )

    def clean_prompt(self) -> str:
        lines = [line.strip() for line in str(self.cleaned_data["prompt"]).splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(_("Write at least one line of text to embed."))
        if len(lines) > MAX_EMBEDDING_INPUTS:
            raise forms.ValidationError(
                _("Embed at most %(max)d lines at once; you gave %(count)d.")
                % {"max": MAX_EMBEDDING_INPUTS, "count": len(lines)}
            )
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_EMBEDDING_INPUT_LENGTH:
                raise forms.ValidationError(
                    _("Line %(number)d is too long (%(length)d characters; the limit is %(max)d).")
                    % {"number": number, "length": len(line), "max": MAX_EMBEDDING_INPUT_LENGTH}
                )
        return "\n".join(lines)

    def params(self) -> dict[str, Any]:
        dimensions = self.cleaned_data.get("dimensions")
        return {"dimensions": dimensions} if dimensions else {}


FORMS: dict[str, type[GenerationForm]] = {
    "veo3": Veo3Form,
    "sora2": Sora2Form,
    "midjourney": MidjourneyForm,
    "image": ImageForm,
    "video_chat": VideoChatForm,
    "audio": AudioForm,
    "text": TextForm,
    "embeddings": EmbeddingsForm,
}

# The tabs of the project page's form, in order: family key → label.
FAMILY_LABELS: dict[str, Any] = {
    "veo3": _("Video: Veo3"),
    "sora2": _("Video: Sora2"),
    "midjourney": _("Midjourney"),
    "image": _("Image"),
    "video_chat": _("Video via chat"),
    "audio": _("Audio"),
    "text": _("Text"),
    "embeddings": _("Embeddings"),
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
