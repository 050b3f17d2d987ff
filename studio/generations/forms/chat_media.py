"""The form of videos made through a chat model, and of Sora watermark removal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import (
    VIDEOS,
    AssetIdsField,
    GenerationForm,
    InputField,
    mode_field,
    modes,
    prompt_field,
)
from studio.generations.kinds.chat_media import CHAT_VIDEO, WATERMARK_REMOVAL
from studio.generations.models import Asset


class VideoChatForm(GenerationForm):
    """Videos the gateway makes within one chat request, and watermark removal of Sora videos."""

    kind = CHAT_VIDEO.kind
    use_as_input = {"image": "first_frame_assets", "video": "video_assets"}
    mode_for_input = {"image": CHAT_VIDEO.kind, "video": WATERMARK_REMOVAL.kind}
    mode = mode_field(_("What to do"), "video_chat")
    prompt = prompt_field(required=False, attrs=modes(CHAT_VIDEO))
    first_frame = forms.FileField(
        label=_("Image to start from (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", **modes(CHAT_VIDEO)}),
    )
    first_frame_assets = AssetIdsField(required=False)
    stream = forms.BooleanField(
        label=_("Show progress as it streams"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=modes(CHAT_VIDEO)),
    )
    video_url = forms.URLField(
        label=_("Sora share link"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("A link like https://sora.chatgpt.com/p/s_…, or use an earlier video result."),
        widget=forms.URLInput(attrs=modes(WATERMARK_REMOVAL)),
    )
    video_assets = AssetIdsField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.kind = data.get("mode") or CHAT_VIDEO.kind
        if self.spec.needs_prompt and not data.get("prompt"):
            self.add_error("prompt", _("Write a prompt: it is what the model makes."))
        if self.spec is WATERMARK_REMOVAL:
            picked = len(data.get("video_assets") or [])
            if bool(data.get("video_url")) == bool(picked) or picked > 1:
                self.add_error("video_url", _("Give one Sora share link, or pick one earlier video result."))
        return data

    def input_roles(self) -> dict[str, InputField]:
        if self.spec is WATERMARK_REMOVAL:
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
        if self.spec is WATERMARK_REMOVAL:
            return str(self.cleaned_data.get("video_url") or "")
        return super().generation_prompt()

    def params(self) -> dict[str, Any]:
        if self.spec is WATERMARK_REMOVAL:
            return {"video_url": self.cleaned_data.get("video_url") or ""}
        return {"stream": bool(self.cleaned_data.get("stream"))}
