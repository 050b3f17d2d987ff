"""Projects: a team's folders of work, each holding its generations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.accounts.models import Team


class ProjectQuerySet(models.QuerySet["Project"]):
    def for_user(self, user: Any) -> ProjectQuerySet:
        """Projects of the teams the user belongs to; every project lookup in a view goes through this."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(team__memberships__user=user)

    def for_team(self, team: Team) -> ProjectQuerySet:
        return self.filter(team=team)

    def active(self) -> ProjectQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ProjectQuerySet:
        return self.filter(archived_at__isnull=False)


class Project(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("team", "archived_at", "-created_at"))]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
