"""Team events in the audit log: one row each, with who did it, to whom or what, and when.

Driven through the pages a person uses, so the rows are those the studio really writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from studio.accounts import services
from studio.accounts.models import AuditEvent, Invitation, Membership, Role, Team, User
from studio.projects.models import Project
from studio.sharing.models import ShareLink
from tests import factories
from tests.sharing.test_services import make_result

Action = AuditEvent.Action


def only(action: str) -> AuditEvent:
    """The one row of this action (fails when there are none or several)."""
    [row] = AuditEvent.objects.filter(action=action)
    assert row.at is not None
    return row


def csv_text(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode()


def invite(client: Client, team: Team, email: str, role: str = Role.MEMBER) -> str:
    response = client.post(reverse("invitation_create", args=[team.pk]), {"email": email, "role": role})
    assert response.status_code == 200
    return str(response.context["new_invitation_url"]).rstrip("/").rsplit("/", 1)[-1]


def test_an_invitation_sent_and_accepted_is_logged_with_the_new_member(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    token = invite(client_for(user), team, "bob@example.com", Role.VIEWER)
    bob = factories.make_user("bob@example.com")

    client_for(bob).post(reverse("invitation_detail", args=[token]), {"decision": "accept"})

    invitation = Invitation.objects.get()
    sent = only(Action.INVITED)
    assert (sent.team, sent.actor) == (team, user)
    assert sent.data == {"invitation_id": invitation.pk, "email": "bob@example.com", "role": Role.VIEWER}
    assert sent.summary == "Invited bob@example.com as Viewer"
    accepted = only(Action.INVITATION_ACCEPTED)
    assert (accepted.team, accepted.actor) == (team, bob)
    assert accepted.data == {"invitation_id": invitation.pk, "email": "bob@example.com"}
    joined = only(Action.MEMBER_JOINED)
    assert (joined.team, joined.actor) == (team, bob)
    assert joined.data == {"user_id": bob.pk, "email": "bob@example.com", "role": Role.VIEWER}


def test_an_invitation_accepted_by_a_member_logs_no_second_join(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.VIEWER, email=user.email
    )

    services.accept_invitation(invitation=invitation, user=user)

    assert only(Action.INVITATION_ACCEPTED).actor == user
    assert not AuditEvent.objects.filter(action=Action.MEMBER_JOINED).exists()


def test_an_invitation_declined_is_logged_once(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    token = invite(client_for(user), team, "bob@example.com")
    bob = client_for(factories.make_user("bob@example.com"))

    bob.post(reverse("invitation_detail", args=[token]), {"decision": "decline"})
    bob.post(reverse("invitation_detail", args=[token]), {"decision": "decline"})

    declined = only(Action.INVITATION_DECLINED)
    assert declined.actor is not None
    assert declined.actor.email == "bob@example.com"
    assert declined.data["invitation_id"] == Invitation.objects.get().pk


def test_an_invitation_revoked_is_logged_once(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    invite(client, team, "bob@example.com")
    invitation = Invitation.objects.get()

    client.post(reverse("invitation_revoke", args=[team.pk, invitation.pk]))
    client.post(reverse("invitation_revoke", args=[team.pk, invitation.pk]))

    revoked = only(Action.INVITATION_REVOKED)
    assert (revoked.team, revoked.actor) == (team, user)
    assert revoked.data == {"invitation_id": invitation.pk, "email": "bob@example.com"}


def test_a_role_change_is_logged_with_before_and_after(
    team: Team, user: User, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    member = member_of(Role.MEMBER)
    membership = Membership.objects.get(team=team, user=member)
    client = client_for(user)

    client.post(reverse("member_role", args=[team.pk, membership.pk]), {"role": Role.VIEWER})
    client.post(reverse("member_role", args=[team.pk, membership.pk]), {"role": Role.VIEWER})

    changed = only(Action.ROLE_CHANGED)
    assert (changed.team, changed.actor) == (team, user)
    assert changed.data == {
        "user_id": member.pk,
        "email": member.email,
        "role_before": Role.MEMBER,
        "role": Role.VIEWER,
    }
    assert changed.summary == f"Changed the role of {member.email} from Member to Viewer"


def test_a_member_removed_and_one_who_left_are_logged(
    team: Team, user: User, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    removed, leaver = member_of(Role.MEMBER), member_of(Role.VIEWER)
    membership = Membership.objects.get(team=team, user=removed)

    client_for(user).post(reverse("member_remove", args=[team.pk, membership.pk]))
    client_for(leaver).post(reverse("team_leave", args=[team.pk]))

    rows = {row.actor: row for row in AuditEvent.objects.filter(action=Action.MEMBER_REMOVED)}
    assert set(rows) == {user, leaver}
    assert rows[user].data == {"user_id": removed.pk, "email": removed.email, "role": Role.MEMBER}
    assert rows[leaver].data == {"user_id": leaver.pk, "email": leaver.email, "role": Role.VIEWER}
    assert rows[leaver].summary == f"{leaver.email} left the team"


def test_gateway_changes_are_logged_without_the_key(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)

    client.post(
        reverse("team_gateway", args=[team.pk]),
        {"base_url": "https://gw.example.com/", "api_key": "sk-new-key-5555"},
    )
    client.post(reverse("team_gateway", args=[team.pk]), {"base_url": "https://gw.example.com"})

    url = only(Action.GATEWAY_CHANGED)
    assert (url.team, url.actor) == (team, user)
    assert url.data == {"url_before": "", "url": "https://gw.example.com"}
    key = only(Action.API_KEY_CHANGED)
    assert (key.team, key.actor) == (team, user)
    assert key.summary == "Replaced the gateway API key"
    exported = csv_text(client.get(reverse("team_audit", args=[team.pk]), {"format": "csv"}))
    for row in AuditEvent.objects.all():
        assert "5555" not in row.summary + str(row.data)
    assert "sk-new-key" not in exported
    assert "5555" not in exported


def test_share_links_made_and_revoked_are_logged(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user)
    client = client_for(user)

    client.post(
        reverse("share_link_create", args=[project.pk]),
        {"scope": ShareLink.Scope.RESULT, "asset": asset.pk, "expires": "never"},
    )
    link = ShareLink.objects.get()
    client.post(reverse("share_link_revoke", args=[team.pk, link.pk]))

    made = only(Action.SHARED)
    assert (made.team, made.actor, made.data["link_id"], made.data["asset_id"]) == (
        team,
        user,
        link.pk,
        asset.pk,
    )
    revoked = only(Action.REVOKED)
    assert (revoked.team, revoked.actor, revoked.data["link_id"]) == (team, user, link.pk)


def test_team_events_show_on_the_audit_page_and_in_the_csv(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(user)
    invite(client, team, "bob@example.com")

    page = client.get(reverse("team_audit", args=[team.pk]))
    exported = list(
        csv.reader(
            io.StringIO(csv_text(client.get(reverse("team_audit", args=[team.pk]), {"format": "csv"})))
        )
    )
    filtered = client.get(reverse("team_audit", args=[team.pk]), {"action": Action.INVITED})

    assert "Sent an invitation" in page.text
    assert "Invited bob@example.com as Member" in page.text
    assert "Invited bob@example.com as Member" in filtered.text
    [row] = [row for row in exported if row[2] == Action.INVITED]
    assert row[1] == user.email
    assert row[3] == "Invited bob@example.com as Member"
