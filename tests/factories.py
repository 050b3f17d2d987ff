"""Small builders for test data; they go through the same services the studio uses."""

from __future__ import annotations

import itertools

from studio.accounts.models import Membership, Role, Team, User
from studio.accounts.services import create_team
from studio.projects.models import Project

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(email: str | None = None, **fields: object) -> User:
    email = email or f"user{next(_counter)}@example.com"
    return User.objects.create_user(email=email, password=PASSWORD, **fields)


def make_team(owner: User, name: str | None = None) -> Team:
    return create_team(name=name or f"Team {next(_counter)}", owner=owner)


def add_member(team: Team, user: User, role: str = Role.MEMBER) -> Membership:
    return Membership.objects.create(team=team, user=user, role=role)


def make_project(team: Team, name: str | None = None, **fields: object) -> Project:
    return Project.objects.create(team=team, name=name or f"Project {next(_counter)}", **fields)
