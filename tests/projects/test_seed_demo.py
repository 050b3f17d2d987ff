"""`manage.py seed_demo`: the demo login, its team on the sandbox and a first project, made once."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Team, User
from studio.projects.models import Project


def test_seed_demo_makes_a_shared_demo_team_not_a_personal_one(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    demo = User.objects.get(email="demo@example.com")
    team = Team.objects.get(memberships__user=demo)
    assert team.name == "Demo team"
    assert not team.is_personal
    assert Project.objects.filter(team=team).count() == 1
    client = Client()
    client.force_login(demo)
    page = client.get(reverse("team_list")).text
    assert "Demo team" in page
    assert ">personal<" not in page
    assert client.get("/", follow=True).context["current_membership"].team == team
