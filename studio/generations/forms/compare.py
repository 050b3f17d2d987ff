"""The "Compare" part of the project page's form: which models, or which values of one parameter, to send
the same prompt to. Each variant is the family's own form with one field changed, so it is checked as
strictly as a single generation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.generations.compare import MAX_VARIANTS, MIN_VARIANTS
from studio.generations.forms import FORMS
from studio.generations.forms._base import AssetIdsField, GenerationForm, MultipleFileField

# Fields a comparison never varies: what is compared is the same prompt and inputs.
FIXED_FIELDS = {"model", "prompt", "mode"}


def family_of_kind(kind: str) -> str | None:
    """The workspace form (family key) that makes a kind, or None when no form does."""
    for family, form_class in FORMS.items():
        if kind == form_class.kind or kind in form_class.mode_kinds():
            return family
    return None


def variable_fields(form: GenerationForm) -> list[tuple[str, str]]:
    """(name, label) of the form's fields a comparison may vary: its visible parameters."""
    return [
        (name, str(field.label or name))
        for name, field in form.fields.items()
        if name not in FIXED_FIELDS
        and not field.widget.is_hidden
        and not isinstance(field, forms.FileField | MultipleFileField | AssetIdsField)
    ]


def split_values(text: str) -> list[str]:
    """Comma- or line-separated values, stripped, without blanks or repeats, in order."""
    values: list[str] = []
    for value in text.replace("\n", ",").split(","):
        if value.strip() and value.strip() not in values:
            values.append(value.strip())
    return values


class CompareForm(forms.Form):
    prefix = "compare"

    models = forms.MultipleChoiceField(
        label=_("Models to compare"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The model above is always one of them."),
    )
    other_models = forms.CharField(
        label=_("Other models"),
        required=False,
        max_length=600,
        help_text=_("Comma-separated, as your gateway names them."),
    )
    vary = forms.ChoiceField(label=_("Or vary one parameter"), required=False)
    values = forms.CharField(
        label=_("Values to try"),
        required=False,
        max_length=600,
        help_text=_("Comma-separated, one per variant."),
    )

    def __init__(
        self, *args: Any, models: Sequence[str], parameters: Sequence[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = [(model, model) for model in models]  # type: ignore[attr-defined]
        self.fields["vary"].choices = [("", _("— none —")), *parameters]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [*data.get("models", []), *split_values(data.get("other_models", ""))]
        values = split_values(data.get("values", ""))
        if data.get("vary") and chosen:
            raise forms.ValidationError(_("Compare either models or the values of one parameter, not both."))
        if data.get("vary") and not values:
            self.add_error("values", _("Give the values to try, separated by commas."))
        if values and not data.get("vary"):
            self.add_error("vary", _("Choose the parameter these values are for."))
        if not data.get("vary") and not chosen:
            raise forms.ValidationError(_("Tick the models to compare, or choose a parameter to vary."))
        data["chosen_models"] = chosen
        data["value_list"] = values
        return data

    def overrides(self, base_model: str) -> list[tuple[str, str]]:
        """(field, value) per variant: the fields the family's form is bound with for each one."""
        if self.cleaned_data.get("vary"):
            field = self.cleaned_data["vary"]
            return [(field, value) for value in self.cleaned_data["value_list"]]
        models = [base_model]
        for model in self.cleaned_data["chosen_models"]:
            if model not in models:
                models.append(model)
        return [("model", model) for model in models]

    def check_count(self, count: int) -> bool:
        if MIN_VARIANTS <= count <= MAX_VARIANTS:
            return True
        self.add_error(
            None,
            _("A comparison has between %(min)d and %(max)d variants; this one has %(count)d.")
            % {"min": MIN_VARIANTS, "max": MAX_VARIANTS, "count": count},
        )
        return False
