"""The team's audit log: what is recorded, who may read it, its filters and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent, Role, Team, User
from studio.generations import services
from studio.generations.models import Kind
from studio.projects.models import Project


def event(team: Team, actor: User | None, action: str, summary: str, at: datetime) -> AuditEvent:
    made = record_audit(team=team, actor=actor, action=action, summary=summary)
    AuditEvent.objects.filter(pk=made.pk).update(at=at)
    return made


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def logged(team: Team, user: User, member_of: Callable[[str], User]) -> dict[str, AuditEvent]:
    teammate = member_of(Role.MEMBER)
    AuditEvent.objects.filter(team=team).delete()
    return {
        "moved": event(
            team, user, AuditEvent.Action.MOVED, "Moved 2 to Teaser", datetime(2026, 3, 1, 9, tzinfo=UTC)
        ),
        "trashed": event(
            team, teammate, AuditEvent.Action.DELETED, "Trashed 1", datetime(2026, 3, 1, 20, tzinfo=UTC)
        ),
        "shared": event(
            team, user, AuditEvent.Action.SHARED, "Shared a link", datetime(2026, 3, 3, 9, tzinfo=UTC)
        ),
        "purged": event(
            team, None, AuditEvent.Action.PURGED, "Purged #9", datetime(2026, 3, 5, 9, tzinfo=UTC)
        ),
    }


def test_new_generation_is_recorded_as_generated(project: Project, user: User) -> None:
    generation = services.start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model="veo3-fast", prompt="a fox", params={}
    )

    recorded = AuditEvent.objects.get(action=AuditEvent.Action.GENERATED)
    assert (recorded.team, recorded.actor) == (project.team, user)
    assert recorded.data == {"generation": generation.pk, "project": project.pk, "model": "veo3-fast"}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_team_audit_lists_events_newest_first_for_owners_and_admins(
    role: str,
    team: Team,
    logged: dict[str, AuditEvent],
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    reader = member_of(role)

    response = client_for(reader).get(reverse("team_audit", args=[team.pk]))

    assert response.status_code == 200
    order = [response.text.index(e.summary) for e in (logged["purged"], logged["shared"], logged["moved"])]
    assert order == sorted(order)
    assert "the studio" in response.text


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_team_audit_is_forbidden_for_members_and_viewers(
    role: str,
    team: Team,
    logged: dict[str, AuditEvent],
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(member_of(role))

    page = client.get(reverse("team_audit", args=[team.pk]))
    export = client.get(reverse("team_audit", args=[team.pk]), {"format": "csv"})

    assert (page.status_code, export.status_code) == (403, 403)
    assert "Moved 2 to Teaser" not in page.text


def test_team_audit_filters_by_action_actor_and_dates_in_the_users_time_zone(
    team: Team, user: User, logged: dict[str, AuditEvent], client_for: Callable[[User], Client]
) -> None:
    user.time_zone = "Asia/Shanghai"
    user.save()
    client = client_for(user)
    url = reverse("team_audit", args=[team.pk])

    by_action = client.get(url, {"action": AuditEvent.Action.SHARED})
    by_actor = client.get(url, {"actor": user.pk})
    # 1 March 20:00 UTC is 2 March 04:00 in Shanghai.
    second_of_march = client.get(url, {"date_from": "2026-03-02", "date_to": "2026-03-02"})

    def shown(response) -> set[str]:  # type: ignore[no-untyped-def]
        return {name for name, e in logged.items() if e.summary in response.text}

    assert shown(by_action) == {"shared"}
    assert shown(by_actor) == {"moved", "shared"}
    assert shown(second_of_march) == {"trashed"}


def test_team_audit_csv_exports_the_filtered_rows(
    team: Team, user: User, logged: dict[str, AuditEvent], client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(
        reverse("team_audit", args=[team.pk]), {"actor": user.pk, "date_from": "2026-03-01", "format": "csv"}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["when (UTC)", "who", "action", "what", "details"]
    assert [(row[0], row[1], row[2], row[3]) for row in rows[1:]] == [
        ("2026-03-03T09:00:00+00:00", user.email, AuditEvent.Action.SHARED, "Shared a link"),
        ("2026-03-01T09:00:00+00:00", user.email, AuditEvent.Action.MOVED, "Moved 2 to Teaser"),
    ]


def test_team_audit_older_link_keeps_the_filters_and_continues(
    team: Team, user: User, client_for: Callable[[User], Client]
) -> None:
    AuditEvent.objects.filter(team=team).delete()
    for index in range(55):
        record_audit(
            team=team, actor=user, action=AuditEvent.Action.TAGGED, summary=f"Tagged batch {index:02d}"
        )
    record_audit(team=team, actor=user, action=AuditEvent.Action.MOVED, summary="Moved elsewhere")
    client = client_for(user)
    url = reverse("team_audit", args=[team.pk])

    first = client.get(url, {"action": AuditEvent.Action.TAGGED})
    older = first.context["next_before"]
    second = client.get(url, {"action": AuditEvent.Action.TAGGED, "before": older})

    assert f"action=tagged&amp;before={older}" in first.text
    assert (first.text.count("Tagged batch"), second.text.count("Tagged batch")) == (50, 5)
    assert "Tagged batch 54" in first.text
    assert "Tagged batch 00" in second.text
    assert "Moved elsewhere" not in first.text + second.text


def test_team_audit_query_count_does_not_grow_with_events(
    team: Team,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    others = [member_of(Role.MEMBER) for _ in range(3)]
    client = client_for(user)
    url = reverse("team_audit", args=[team.pk])
    for index in range(5):
        record_audit(team=team, actor=others[index % 3], action=AuditEvent.Action.MOVED, summary="few")
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for index in range(60):
        record_audit(team=team, actor=others[index % 3], action=AuditEvent.Action.MOVED, summary="many")

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
