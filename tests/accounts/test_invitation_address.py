"""An invitation is for one e-mail address: only the account with that address can accept or decline it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts import services
from studio.accounts.models import Invitation, Membership, Role, Team, User
from tests import factories


@pytest.fixture
def invited(team: Team, user: User) -> tuple[Invitation, str]:
    return services.create_invitation(team=team, invited_by=user, role=Role.MEMBER, email="Bob@Example.com")


def test_accept_invitation_refuses_an_account_with_another_address_and_keeps_it_usable(
    team: Team, invited: tuple[Invitation, str]
) -> None:
    invitation, _token = invited
    mallory = factories.make_user("mallory@example.com")

    with pytest.raises(services.InvitationForSomeoneElse):
        services.accept_invitation(invitation=invitation, user=mallory)

    invitation.refresh_from_db()
    assert invitation.is_pending
    assert not Membership.objects.filter(team=team, user=mallory).exists()


def test_accept_invitation_matches_the_address_whatever_its_letter_case(
    team: Team, invited: tuple[Invitation, str]
) -> None:
    invitation, _token = invited
    bob = factories.make_user("bob@example.com")

    membership = services.accept_invitation(invitation=invitation, user=bob)

    assert (membership.team, membership.role) == (team, Role.MEMBER)


def test_invitation_detail_tells_another_account_why_and_offers_no_buttons(
    invited: tuple[Invitation, str], client_for: Callable[[User], Client]
) -> None:
    _invitation, token = invited
    client = client_for(factories.make_user("mallory@example.com"))

    response = client.get(reverse("invitation_detail", args=[token]))

    assert response.status_code == 403
    assert "This invitation was sent to another e-mail address, not to mallory@example.com." in response.text
    assert "Accept invitation" not in response.text


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_invitation_detail_post_by_another_account_neither_joins_nor_uses_it_up(
    decision: str,
    team: Team,
    invited: tuple[Invitation, str],
    client_for: Callable[[User], Client],
) -> None:
    invitation, token = invited
    mallory = factories.make_user("mallory@example.com")

    response = client_for(mallory).post(reverse("invitation_detail", args=[token]), {"decision": decision})

    assert response.status_code == 403
    assert "sent to another e-mail address" in response.text
    assert not Membership.objects.filter(team=team, user=mallory).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending
    # The invited person can still use it.
    bob = client_for(factories.make_user("bob@example.com"))
    joined = bob.post(reverse("invitation_detail", args=[token]), {"decision": "accept"})
    assert joined["Location"] == reverse("project_list", args=[team.pk])


def test_invitation_create_requires_an_address(team: Team, user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).post(reverse("invitation_create", args=[team.pk]), {"role": Role.MEMBER})

    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Invitation.objects.exists()


def test_an_old_invitation_without_an_address_cannot_be_accepted(team: Team, user: User) -> None:
    invitation, _token = services.create_invitation(
        team=team, invited_by=user, role=Role.MEMBER, email="bob@example.com"
    )
    Invitation.objects.filter(pk=invitation.pk).update(email="")
    invitation.refresh_from_db()

    with pytest.raises(services.InvitationForSomeoneElse):
        services.accept_invitation(invitation=invitation, user=factories.make_user("bob@example.com"))
