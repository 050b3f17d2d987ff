"""Use cases for projects."""

from __future__ import annotations

from django.utils import timezone

from studio.accounts.models import Team, User
from studio.projects.models import Project


def create_project(*, team: Team, name: str, description: str, created_by: User) -> Project:
    """Creates a project in the team."""
    return Project.objects.create(team=team, name=name, description=description, created_by=created_by)


def update_project(*, project: Project, name: str, description: str) -> Project:
    """Renames the project and changes its description."""
    project.name = name
    project.description = description
    project.save(update_fields=["name", "description", "updated_at"])
    return project


def archive_project(*, project: Project) -> Project:
    """Archives the project: it leaves the main list but keeps everything."""
    if project.archived_at is None:
        project.archived_at = timezone.now()
        project.save(update_fields=["archived_at", "updated_at"])
    return project


def unarchive_project(*, project: Project) -> Project:
    """Brings an archived project back to the main list."""
    if project.archived_at is not None:
        project.archived_at = None
        project.save(update_fields=["archived_at", "updated_at"])
    return project


def delete_project(*, project: Project) -> None:
    """Deletes the project and everything in it."""
    project.delete()
