"""Creates (once) a demo account with a team on the built-in sandbox gateway and a first project."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from studio.accounts.models import Team, User
from studio.projects.models import Project

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "aitre-demo-2026"


class Command(BaseCommand):
    help = "Creates the demo account, team and project (idempotent) and prints the login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, email: str, password: str, **options: Any) -> None:
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=password, display_name="Demo")
            # The demo works in the team sign-up made for it, renamed: a shared demo team, not a personal
            # one (the team list would otherwise call it "personal").
            team = (
                Team.objects.filter(memberships__user=user)
                .filter(Q(is_personal=True) | Q(name="Demo team"))
                .order_by("pk")
                .first()
            )
            assert team is not None, "sign-up gives every user a team"
            if team.name != "Demo team" or team.is_personal:
                team.name = "Demo team"
                team.is_personal = False
                team.save(update_fields=["name", "is_personal"])
            if not Project.objects.filter(team=team).exists():
                Project.objects.create(
                    team=team,
                    name="First project",
                    description="Try a video, an image or a Midjourney grid here.",
                    created_by=user,
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {email} / {password}  (team “Demo team” on the sandbox gateway)\n"
                f"Open {settings.SITE_URL}/ in your browser."
            )
        )
