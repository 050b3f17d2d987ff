"""The form of a team's webhook: where to send, which events, and the signing secret."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.webhooks.models import WebhookEvent
from studio.webhooks.services import WebhookUrlRefused, check_webhook_url


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        strip=True,
        min_length=16,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Leave empty to keep the current secret (a new webhook gets one, shown once). "
            "It is stored encrypted and never shown again."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"].strip()
        try:
            check_webhook_url(url)
        except WebhookUrlRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url
