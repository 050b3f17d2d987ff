"""The team's prompt library: named presets of a kind, a model, a prompt and parameters, and their uses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team
from studio.generations.kinds import Kind


class PresetQuerySet(models.QuerySet["PromptPreset"]):
    def visible_to(self, team: Team, user: Any) -> PresetQuerySet:
        """The team's team-wide presets and the user's own personal ones; every view looks up through this."""
        return self.filter(team=team).filter(Q(is_personal=False) | Q(owner=user))


class PromptPreset(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="prompt_presets")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="prompt_presets"
    )
    is_personal = models.BooleanField(
        _("personal"), default=False, help_text=_("Only you see a personal preset; the team sees the others.")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    model = models.CharField(_("model"), max_length=120, blank=True)
    prompt = models.TextField(_("prompt"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    use_count = models.PositiveIntegerField(_("uses"), default=0)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PresetQuerySet.as_manager()

    class Meta:
        ordering = ("name", "id")
        indexes = [models.Index(fields=("team", "name"), name="prompt_preset_team_name")]
        verbose_name = _("prompt preset")
        verbose_name_plural = _("prompt presets")

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind

    def can_change(self, membership: Any) -> bool:
        """Its owner may change it; a team-wide one also the team's owners and admins; never a viewer."""
        if not membership.can_edit:
            return False
        return bool(
            self.owner_id == membership.user_id or (not self.is_personal and membership.can_manage_team)
        )


class PresetUse(models.Model):
    """One generation started from a preset: where the preset was used."""

    preset = models.ForeignKey(PromptPreset, on_delete=models.CASCADE, related_name="uses")
    generation = models.ForeignKey(
        "generations.Generation", on_delete=models.CASCADE, related_name="preset_uses"
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-used_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("preset", "generation"), name="unique_preset_use"),
        ]

    def __str__(self) -> str:
        return f"Preset {self.preset_id} used by generation {self.generation_id}"
