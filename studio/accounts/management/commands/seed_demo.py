"""Creates (once) a demo account with a team on the built-in sandbox gateway and a first project."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

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
            # The demo works in its personal team, the one it lands on after logging in.
            team = Team.objects.get(memberships__user=user, is_personal=True)
            if team.name != "Demo team":
                team.name = "Demo team"
                team.save(update_fields=["name"])
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
