"""Every URL that names a team, project, membership or invitation answers 404 to a non-member.

One test per URL (parametrised), for GET and for the method that changes something, so that a new view
added without a team-scoped lookup fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts.models import Invitation, Membership, Role, Team, User
from studio.accounts.services import create_invitation
from studio.projects.models import Project
from tests import factories


@pytest.fixture
def victim_objects(team: Team, project: Project, member_of: Callable[[str], User]) -> dict[str, int]:
    member = member_of(Role.MEMBER)
    invitation, _token = create_invitation(
        team=team, invited_by=team.memberships.first().user, role=Role.MEMBER
    )  # type: ignore[union-attr]
    return {
        "team_id": team.pk,
        "pk": project.pk,
        "membership_id": Membership.objects.get(team=team, user=member).pk,
        "invitation_id": invitation.pk,
    }


TEAM_URLS = [
    ("team_switch", ["team_id"], "post"),
    ("team_members", ["team_id"], "get"),
    ("team_rename", ["team_id"], "post"),
    ("team_leave", ["team_id"], "post"),
    ("member_role", ["team_id", "membership_id"], "post"),
    ("member_remove", ["team_id", "membership_id"], "post"),
    ("invitation_create", ["team_id"], "post"),
    ("invitation_revoke", ["team_id", "invitation_id"], "post"),
    ("team_gateway", ["team_id"], "get"),
    ("team_gateway", ["team_id"], "post"),
    ("team_gateway_test", ["team_id"], "post"),
    ("project_list", ["team_id"], "get"),
    ("project_create", ["team_id"], "post"),
    ("project_detail", ["pk"], "get"),
    ("project_edit", ["pk"], "get"),
    ("project_edit", ["pk"], "post"),
    ("project_archive", ["pk"], "post"),
    ("project_unarchive", ["pk"], "post"),
    ("project_delete", ["pk"], "get"),
    ("project_delete", ["pk"], "post"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    TEAM_URLS,
    ids=[f"{method}-{name}" for name, _args, method in TEAM_URLS],
)
def test_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    victim_objects: dict[str, int],
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    url = reverse(name, args=[victim_objects[arg] for arg in arg_names])
    client = client_for(other_team_user)
    data = {"name": "Hijacked", "role": Role.OWNER, "confirm_name": "Launch film", "base_url": ""}

    response = getattr(client, method)(url, data) if method == "post" else client.get(url)

    assert response.status_code == 404
    assert Project.objects.filter(pk=victim_objects["pk"], name="Launch film").exists()
    assert not Membership.objects.filter(user=other_team_user, team_id=victim_objects["team_id"]).exists()
    assert Team.objects.get(pk=victim_objects["team_id"]).name == "Studio Team"


def test_membership_of_another_team_404s_even_inside_own_team(
    team: Team, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    """A membership id from team B cannot be changed through team A's URL, where the actor is owner."""
    other_team = factories.make_team(other_team_user, "Other")
    foreign = Membership.objects.get(team=other_team, user=other_team_user)

    response = client_for(user).post(
        reverse("member_role", args=[team.pk, foreign.pk]), {"role": Role.VIEWER}
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.OWNER


def test_invitation_of_another_team_404s_inside_own_team(
    team: Team, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    other_team = factories.make_team(other_team_user, "Other")
    invitation, _token = create_invitation(team=other_team, invited_by=other_team_user, role=Role.MEMBER)

    response = client_for(user).post(reverse("invitation_revoke", args=[team.pk, invitation.pk]))

    assert response.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
