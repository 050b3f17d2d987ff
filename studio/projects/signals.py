"""Audit entries for things other apps do: every new generation is logged as "generated"."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from studio.accounts.models import Membership
from studio.generations.models import Generation, Tag
from studio.projects.audit import record_audit
from studio.projects.history import forget_choices
from studio.projects.models import AuditEvent, Project


@receiver(post_save, sender=Generation, dispatch_uid="projects.audit_generated")
def audit_new_generation(
    sender: type[Generation], instance: Generation, created: bool, **kwargs: Any
) -> None:
    # A copy is audited as "copied" by whoever copied it, not as a new generation by its author.
    if created and not kwargs.get("raw") and "copied_from" not in instance.params:
        record_audit(
            team=instance.team_id,
            actor=instance.created_by,
            action=AuditEvent.Action.GENERATED,
            summary=f"{instance.get_kind_display()} #{instance.pk} in {instance.project}",
            generation=instance.pk,
            project=instance.project_id,
            model=instance.model,
        )


@receiver([post_save, post_delete], sender=Tag, dispatch_uid="projects.choices_tag")
@receiver([post_save, post_delete], sender=Project, dispatch_uid="projects.choices_project")
@receiver([post_save, post_delete], sender=Membership, dispatch_uid="projects.choices_membership")
def forget_gallery_choices(sender: type[Any], instance: Tag | Project | Membership, **kwargs: Any) -> None:
    """A new tag, project or member must show in the gallery's filters at once."""
    forget_choices(instance.team_id)
