"""Audit entries for generations: every new generation is logged as "generated" in its team's log."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent
from studio.generations.models import Generation


@receiver(post_save, sender=Generation, dispatch_uid="generations.audit_generated")
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
