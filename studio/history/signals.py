"""Keeps the gallery's cached filter choices fresh when a tag, project or member comes or goes."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from studio.accounts.models import Membership
from studio.generations.models import Tag
from studio.history.services import forget_choices
from studio.projects.models import Project


@receiver([post_save, post_delete], sender=Tag, dispatch_uid="history.choices_tag")
@receiver([post_save, post_delete], sender=Project, dispatch_uid="history.choices_project")
@receiver([post_save, post_delete], sender=Membership, dispatch_uid="history.choices_membership")
def forget_gallery_choices(sender: type[Any], instance: Tag | Project | Membership, **kwargs: Any) -> None:
    """A new tag, project or member must show in the gallery's filters at once."""
    forget_choices(instance.team_id)
