"""Every new user gets a personal team, however the account was made (sign-up, admin, createsuperuser),
and a user who signs in sees the studio in their own language from the first message on."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from studio.accounts.models import User
from studio.accounts.services import create_personal_team


@receiver(post_save, sender=User, dispatch_uid="accounts.personal_team")
def give_new_user_a_personal_team(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        create_personal_team(user=instance)


@receiver(user_logged_in, dispatch_uid="accounts.user_language")
def switch_to_users_language(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    # The rest of this request (allauth's "signed in" message) already speaks the user's language;
    # UserLanguageMiddleware takes over from the next request and sets the language cookie.
    language = getattr(user, "language", "")
    if request is not None and language and translation.check_for_language(language):
        translation.activate(language)
        request.LANGUAGE_CODE = language
