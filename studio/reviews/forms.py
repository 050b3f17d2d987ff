"""Forms of reviews: a result's state and the roles that may review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Role
from studio.reviews.models import ReviewState


class ReviewForm(forms.Form):
    """An empty state clears the review."""

    state = forms.ChoiceField(
        label=_("Review"), required=False, choices=[("", _("Not reviewed")), *ReviewState.choices]
    )


class ReviewerRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles that may review results"),
        required=False,
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Owners can always review."),
    )

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data.get("roles") or []
        return sorted({Role.OWNER.value, *roles})
