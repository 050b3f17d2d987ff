"""Audit entries for things other apps do: every new generation is logged as "generated"."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from studio.generations.models import Generation
from studio.projects.audit import record_audit
from studio.projects.models import AuditEvent


@receiver(post_save, sender=Generation, dispatch_uid="projects.audit_generated")
def audit_new_generation(sender: type[Generation], instance: Generation, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        record_audit(
            team=instance.team_id,
            actor=instance.created_by,
            action=AuditEvent.Action.GENERATED,
            summary=f"{instance.get_kind_display()} #{instance.pk} in {instance.project}",
            generation=instance.pk,
            project=instance.project_id,
            model=instance.model,
        )
