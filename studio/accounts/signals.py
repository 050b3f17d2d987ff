"""Every new user gets a personal team, however the account was made (sign-up, admin, createsuperuser)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from studio.accounts.models import User
from studio.accounts.services import create_personal_team


@receiver(post_save, sender=User, dispatch_uid="accounts.personal_team")
def give_new_user_a_personal_team(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        create_personal_team(user=instance)
