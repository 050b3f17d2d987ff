"""The form of a user's notification preferences."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.notifications.models import NotificationKind


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me an e-mail for"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every notification is shown here in the studio; these also come by e-mail."),
    )
