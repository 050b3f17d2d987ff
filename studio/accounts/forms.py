"""Forms for the profile, teams, invitations, roles and gateway settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from studio.accounts.gateway import address_policy
from studio.accounts.models import AuditEvent, Role, Team, User
from studio.upstream import network


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ("display_name", "time_zone", "language")


class TeamForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ("name",)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "Only an account with this address can accept the invitation. We e-mail the link; you can also "
            "copy it yourself."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def _points_to_private_network(host: str) -> bool:
    """True when the host is, or resolves to, an address that is not on the public internet.

    A name that does not resolve now is let through: "Test connection" will say it cannot be reached.
    This check is a courtesy at the form; every connection is checked again when it is made.
    """
    try:
        addresses = network.resolve_addresses(host, 443)
    except OSError:
        return False
    return not all(network.is_public_address(address) for address in addresses)


class GatewayForm(forms.Form):
    base_url = forms.URLField(
        label=_("Gateway base URL"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "Your AITRE gateway's address without /v1, e.g. https://api.example.com. "
            "Leave empty to use the built-in sandbox (no key needed)."
        ),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        strip=True,
        max_length=512,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the current key. It is stored encrypted and never shown."),
    )
    clear_api_key = forms.BooleanField(label=_("Remove the stored key"), required=False)
    # How many jobs of each family the studio keeps at the gateway at once; the rest wait their turn.
    midjourney_slots = forms.IntegerField(
        label=_("Midjourney jobs at once"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("3 fits Midjourney's Basic and Standard plans; 12 fits Pro and Mega."),
    )
    video_slots = forms.IntegerField(
        label=_("Veo3 and other video jobs at once"), required=False, min_value=1, max_value=100
    )
    sora_slots = forms.IntegerField(label=_("Sora2 jobs at once"), required=False, min_value=1, max_value=100)
    slot_wait_hours = forms.IntegerField(
        label=_("Hours a job may wait for a free slot"),
        required=False,
        min_value=1,
        max_value=48,
        help_text=_(
            "Jobs past the limits, or refused because the gateway is full, wait in the studio and are sent "
            "when a slot is free. After this long they fail."
        ),
    )

    SLOT_FIELDS = ("midjourney_slots", "video_slots", "sora_slots", "slot_wait_hours")

    def clean_base_url(self) -> str:
        url: str = self.cleaned_data["base_url"].strip().rstrip("/")
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise forms.ValidationError(_("The address must start with https:// or http://."))
        if parts.path.rstrip("/").endswith("/v1"):
            raise forms.ValidationError(_("Leave out the trailing /v1: the studio adds it."))
        host = parts.hostname or ""
        policy = address_policy()
        # The rules every connection to the gateway follows, said here when they can be said in words.
        if not policy.is_allow_listed(host) and _points_to_private_network(host):
            raise forms.ValidationError(_("This address points to a private network."))
        if parts.scheme == "http" and not policy.allow_plain_http and not policy.is_allow_listed(host):
            raise forms.ValidationError(
                _(
                    "The address must start with https://: over plain http:// the API key and every "
                    "prompt would cross the network unencrypted."
                )
            )
        return url

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("api_key") and cleaned.get("clear_api_key"):
            self.add_error("clear_api_key", _("Either enter a new key or remove the stored one, not both."))
        return cleaned

    def slot_settings(self) -> dict[str, int]:
        """The limits that were filled in (an empty field keeps the team's current value)."""
        return {name: self.cleaned_data[name] for name in self.SLOT_FIELDS if self.cleaned_data.get(name)}

    def new_api_key(self) -> str | None:
        """The key to store: a new one, "" to remove it, or None to keep the current key."""
        if self.cleaned_data.get("clear_api_key"):
            return ""
        return self.cleaned_data.get("api_key") or None


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any action")), *AuditEvent.Action.choices]  # type: ignore[attr-defined]
        self.fields["actor"].choices = [("", _("Anyone")), *actors]  # type: ignore[attr-defined]
