"""Team pages: switching, members, invitations and the gateway settings, for each role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts import services
from studio.accounts.access import SESSION_TEAM_KEY
from studio.accounts.models import Invitation, Membership, Role, Team, User
from tests import factories

TEAM_PAGES = ["team_members", "team_gateway", "project_list"]


@pytest.mark.parametrize("name", [*TEAM_PAGES, "team_list", "profile"])
def test_pages_require_login(name: str, team: Team, client: Client) -> None:
    url = reverse(name, args=[team.pk]) if name in TEAM_PAGES else reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_team_list_shows_every_team_of_the_user(user: User, team: Team, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("team_list"))

    assert response.status_code == 200
    assert "Studio Team" in response.text
    assert "owner&#x27;s team" in response.text


def test_team_create_makes_the_user_owner_and_switches_to_it(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    response = client.post(reverse("team_create"), {"name": "Night shift"})

    team = Team.objects.get(name="Night shift")
    assert response.status_code == 302
    assert response["Location"] == reverse("project_list", args=[team.pk])
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    assert client.session[SESSION_TEAM_KEY] == team.pk


def test_team_create_shows_error_when_name_is_empty(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("team_create"), {"name": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert user.memberships.count() == 1


def test_team_switch_remembers_team_for_navigation(user: User, team: Team, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    response = client.post(reverse("team_switch", args=[team.pk]))

    assert response["Location"] == reverse("project_list", args=[team.pk])
    assert client.session[SESSION_TEAM_KEY] == team.pk
    page = client.get(reverse("team_list"))
    assert "Team:</span> Studio Team" in page.text


def test_home_redirects_to_personal_team_projects(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    personal = Membership.objects.get(user=user, team__is_personal=True).team

    response = client_for(user).get(reverse("home"))

    assert response["Location"] == reverse("project_list", args=[personal.pk])


def test_team_members_lists_members_and_hides_admin_tools_from_members(
    team: Team, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    member = member_of(Role.MEMBER)

    response = client_for(member).get(reverse("team_members", args=[team.pk]))

    assert response.status_code == 200
    assert "owner@example.com" in response.text
    assert "Invite someone" not in response.text
    assert "Leave team" in response.text


def test_invitation_create_shows_the_link_once(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("invitation_create", args=[team.pk]), {"email": "bob@example.com", "role": Role.MEMBER}
    )

    assert response.status_code == 200
    invitation = Invitation.objects.get(team=team)
    link = response.context["new_invitation_url"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert services.find_invitation(token) == invitation
    assert link in response.text


def test_invitation_create_forbidden_for_member(team: Team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(member_of(Role.MEMBER)).post(
        reverse("invitation_create", args=[team.pk]), {"role": Role.MEMBER}
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invitation_revoke_kills_the_link(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    invitation, token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    client = client_for(user)

    client.post(reverse("invitation_revoke", args=[team.pk, invitation.pk]))

    bob = client_for(factories.make_user("bob@example.com"))
    assert bob.get(reverse("invitation_detail", args=[token])).status_code == 410


def test_invitation_detail_accept_joins_team(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    _invitation, token = services.create_invitation(
        team=team, invited_by=user, role=Role.VIEWER, email="bob@example.com"
    )
    bob = factories.make_user("bob@example.com")
    client = client_for(bob)

    page = client.get(reverse("invitation_detail", args=[token]))
    response = client.post(reverse("invitation_detail", args=[token]), {"decision": "accept"})

    assert page.status_code == 200
    assert "Studio Team" in page.text
    assert response["Location"] == reverse("project_list", args=[team.pk])
    assert Membership.objects.get(team=team, user=bob).role == Role.VIEWER


def test_invitation_detail_decline_does_not_join(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    _invitation, token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    bob = factories.make_user("bob@example.com")

    client_for(bob).post(reverse("invitation_detail", args=[token]), {"decision": "decline"})

    assert not Membership.objects.filter(team=team, user=bob).exists()
    assert client_for(bob).get(reverse("invitation_detail", args=[token])).status_code == 410


def test_invitation_detail_404s_for_unknown_token(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("invitation_detail", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert "does not work" in response.text


def test_invitation_detail_sends_anonymous_visitor_to_login_and_back(
    team: Team, user: User, client: Client
) -> None:
    _invitation, token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    url = reverse("invitation_detail", args=[token])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_member_role_change_by_owner(team: Team, user: User, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    membership = Membership.objects.get(team=team, user=member)

    response = client_for(user).post(
        reverse("member_role", args=[team.pk, membership.pk]), {"role": Role.VIEWER}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_member_role_refuses_last_owner_demotion_with_message(
    team: Team, user: User, member_of, client_for
) -> None:  # type: ignore[no-untyped-def]
    admin = member_of(Role.ADMIN)
    owner_membership = Membership.objects.get(team=team, user=user)
    client = client_for(user)
    # Demote oneself through the admin's row first to reach the owner's own row.
    response = client.post(
        reverse("member_role", args=[team.pk, owner_membership.pk]),
        {"role": Role.ADMIN},
        follow=True,
    )

    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    assert "at least one owner" in response.text
    assert Membership.objects.get(team=team, user=admin).role == Role.ADMIN


def test_member_remove_by_admin(team: Team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = member_of(Role.ADMIN)
    viewer_membership = Membership.objects.get(team=team, user=member_of(Role.VIEWER))

    client_for(admin).post(reverse("member_remove", args=[team.pk, viewer_membership.pk]))

    assert not Membership.objects.filter(pk=viewer_membership.pk).exists()


def test_team_leave_by_member_redirects_home(team: Team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)

    response = client_for(member).post(reverse("team_leave", args=[team.pk]))

    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(team=team, user=member).exists()


def test_team_rename_by_admin(team: Team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    client_for(member_of(Role.ADMIN)).post(reverse("team_rename", args=[team.pk]), {"name": "Renamed"})

    team.refresh_from_db()
    assert team.name == "Renamed"


def test_team_rename_forbidden_for_viewer(team: Team, viewer: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).post(reverse("team_rename", args=[team.pk]), {"name": "Renamed"})

    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Studio Team"


def test_team_gateway_never_renders_the_key(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    services.update_gateway(team=team, base_url="https://gw.example.com", api_key="sk-topsecret-9876")

    response = client_for(user).get(reverse("team_gateway", args=[team.pk]))

    assert response.status_code == 200
    assert "sk-topsecret" not in response.text
    assert "…9876" in response.text


def test_team_gateway_saves_url_and_key(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(
        reverse("team_gateway", args=[team.pk]),
        {"base_url": "https://gw.example.com/", "api_key": "sk-new-key-5555"},
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.gateway_base_url == "https://gw.example.com"
    assert team.gateway_api_key == "sk-new-key-5555"


def test_team_gateway_clear_key(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    services.update_gateway(team=team, base_url="https://gw.example.com", api_key="sk-old-1111")

    client_for(user).post(
        reverse("team_gateway", args=[team.pk]),
        {"base_url": "https://gw.example.com", "clear_api_key": "on"},
    )

    team.refresh_from_db()
    assert team.gateway_api_key == ""
    assert team.gateway_key_last4 == ""


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("ftp://gw.example.com", "The address must start with https:// or http://."),
        ("https://gw.example.com/v1", "Leave out the trailing /v1"),
    ],
)
def test_team_gateway_rejects_bad_urls(team: Team, user: User, client_for, base_url: str, error: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("team_gateway", args=[team.pk]), {"base_url": base_url})

    assert response.status_code == 400
    assert error in response.text
    team.refresh_from_db()
    assert team.gateway_base_url == ""


def test_team_gateway_rejects_private_address_in_production(
    team: Team, user: User, client_for, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS = []

    response = client_for(user).post(
        reverse("team_gateway", args=[team.pk]), {"base_url": "http://169.254.169.254"}
    )

    assert response.status_code == 400
    assert "private network" in response.text


def test_team_gateway_forbidden_for_member(team: Team, member_of, client_for) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)

    page = client_for(member).get(reverse("team_gateway", args=[team.pk]))
    response = client_for(member).post(
        reverse("team_gateway", args=[team.pk]), {"base_url": "https://evil.example.com"}
    )

    assert page.status_code == 200
    assert "Only the team's owners and admins can change the gateway." in page.text
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.gateway_base_url == ""


def test_team_gateway_test_forbidden_for_viewer(team: Team, viewer: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(viewer).post(reverse("team_gateway_test", args=[team.pk]))

    assert response.status_code == 403


def test_team_gateway_test_asks_for_a_key_before_calling(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    services.update_gateway(team=team, base_url="https://gw.example.com", api_key="")

    response = client_for(user).post(
        reverse("team_gateway_test", args=[team.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert 'id="connection-result"' in response.text
    assert "Enter the gateway&#x27;s API key first." in response.text
    assert "<html" not in response.text
