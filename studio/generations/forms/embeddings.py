"""The embeddings form: vectors for a list of texts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.forms._base import GenerationForm
from studio.generations.kinds.embeddings import EMBEDDINGS

MAX_EMBEDDING_INPUTS = 256
MAX_EMBEDDING_INPUT_LENGTH = 8000


class EmbeddingsForm(GenerationForm):
    """Vectors for a list of texts, one per line."""

    kind = EMBEDDINGS.kind
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
