"""Forms of costs: cost settings, price overrides and budgets, with errors a person can act on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Membership, Team
from studio.costs.models import MICROS, Budget, CostSettings, QuotaType
from studio.projects.models import Project

MAX_AMOUNT = Decimal("1000000000")


class CostSettingsForm(forms.ModelForm[CostSettings]):
    class Meta:
        model = CostSettings
        fields = ("currency", "time_zone", "group")


def _amount_field(label: Any, *, help_text: Any = "", required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT,
        max_digits=16,
        decimal_places=6,
        help_text=help_text,
        error_messages={
            "invalid": _("Enter a number, like 0.04."),
            "min_value": _("Enter zero or more: prices and budgets cannot be negative."),
        },
    )


class PriceOverrideForm(forms.Form):
    """An owner's price for one model the team's gateway knows."""

    name = forms.CharField(label=_("Model"), max_length=120)
    quota_type = forms.ChoiceField(label=_("Priced"), choices=QuotaType.choices, initial=QuotaType.PER_CALL)
    model_price = _amount_field(
        _("Price per call"), help_text=_("For per-call models, in the team's currency."), required=False
    )
    model_ratio = _amount_field(
        _("Model ratio"),
        help_text=_("For per-token models: 1 means 2 units of currency per million prompt tokens."),
        required=False,
    )
    completion_ratio = _amount_field(
        _("Completion ratio"),
        help_text=_("How many prompt tokens one answer token counts as."),
        required=False,
    )

    def __init__(self, *args: Any, known_models: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_models = known_models

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if name not in self.known_models:
            raise forms.ValidationError(
                _("The gateway does not offer “%(name)s”. Pick a model from its list or its price list."),
                params={"name": name},
            )
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("quota_type") == QuotaType.PER_CALL and data.get("model_price") is None:
            self.add_error("model_price", _("Enter the price of one call."))
        if data.get("quota_type") == QuotaType.PER_TOKEN and data.get("model_ratio") is None:
            self.add_error("model_ratio", _("Enter the model ratio of a per-token model."))
        for name, default in (
            ("model_price", Decimal(0)),
            ("model_ratio", Decimal(0)),
            ("completion_ratio", 1),
        ):
            if data.get(name) is None:
                data[name] = Decimal(default)
        return data


class BudgetForm(forms.Form):
    """A monthly limit on the team, one of its projects or one of its members."""

    scope = forms.ChoiceField(label=_("Applies to"), choices=Budget.Scope.choices, initial=Budget.Scope.TEAM)
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("For a project budget."),
    )
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Membership.objects.none(),
        required=False,
        help_text=_("For a member budget."),
    )
    limit = _amount_field(_("Monthly limit"), help_text=_("In the team's currency, per calendar month."))
    warn_percent = forms.IntegerField(
        label=_("Warn at (%)"),
        min_value=1,
        max_value=100,
        initial=80,
        help_text=_("A warning shows once this share of the budget is used."),
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(team=team)  # type: ignore[attr-defined]
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(team=team).select_related("user").order_by("user__email")
        )
        self.fields["member"].label_from_instance = lambda membership: membership.user.name  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == Budget.Scope.PROJECT and not data.get("project"):
            self.add_error("project", _("Choose the project this budget is for."))
        if data.get("scope") == Budget.Scope.MEMBER and not data.get("member"):
            self.add_error("member", _("Choose the member this budget is for."))
        return data

    def limit_micros(self) -> int:
        return int(self.cleaned_data["limit"] * MICROS)
