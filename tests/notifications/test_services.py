"""notify(), reading, preferences and the e-mail task."""

from __future__ import annotations

from django.utils import translation

from studio.accounts.models import Role
from studio.notifications import services, tasks
from studio.notifications.models import Notification, NotificationKind
from tests import factories


def test_notify_reaches_only_members_of_the_team(team, project, user, member_of, other_team_user) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)

    made = services.notify(
        recipients=[user, member, other_team_user],
        team=team,
        kind=NotificationKind.GENERATION_FINISHED,
        target=project,
        params={"title": "A fox"},
    )

    assert sorted(n.recipient_id for n in made) == sorted([user.pk, member.pk])
    notification = Notification.objects.get(recipient=member)
    assert notification.target_type == "projects.project"
    assert notification.target_id == project.pk
    assert notification.target_url == project.get_absolute_url()
    assert notification.text == "Your generation “A fox” is ready."
    assert not Notification.objects.filter(recipient=other_team_user).exists()


def test_notification_text_is_in_the_readers_language_and_tolerates_missing_params(team, user) -> None:  # type: ignore[no-untyped-def]
    (notification,) = services.notify(
        recipients=[user], team=team, kind=NotificationKind.GENERATION_FAILED, params={"title": "A fox"}
    )

    assert notification.text == "Your generation “A fox” failed: "
    with translation.override("zh-hans"):
        assert isinstance(notification.text, str)


def test_mark_all_read_touches_only_the_users_own(team, user, member_of) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    services.notify(recipients=[user, member], team=team, kind="comment", params={"actor": "Ann"})
    services.notify(recipients=[user], team=team, kind="mention", params={"actor": "Ann"})

    changed = services.mark_all_read(user=user)

    assert changed == 2
    assert Notification.objects.for_user(member).unread().count() == 1


def test_email_is_queued_only_for_kinds_the_user_chose_and_sent_once(
    team, user, member_of, django_capture_on_commit_callbacks, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    member = member_of(Role.MEMBER)
    services.set_email_kinds(user=member, kinds=["mention", "not-a-kind"])

    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.notify(recipients=[user, member], team=team, kind="mention", params={"actor": "Ann"})
        services.notify(recipients=[member], team=team, kind="comment", params={"actor": "Ann"})

    assert len(queued) == 1
    mention = Notification.objects.get(recipient=member, kind="mention")
    assert tasks.email_notification(mention.pk) is True
    assert tasks.email_notification(mention.pk) is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [member.email]
    assert "Ann mentioned you" in mailoutbox[0].body
    assert services.preference_for(member).email_kinds == ["mention"]


def test_email_is_written_in_the_recipients_language(team, user, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    user.language = "zh-hans"
    user.save()
    (notification,) = services.notify(
        recipients=[user], team=team, kind="budget_warning", params={"percent": 80}
    )

    tasks.email_notification(notification.pk)

    assert mailoutbox[0].extra_headers["Content-Language"] == "zh-hans"


def test_notify_with_no_member_recipient_makes_nothing(team, other_team_user) -> None:  # type: ignore[no-untyped-def]
    other = factories.make_team(other_team_user)

    assert services.notify(recipients=[other_team_user], team=team, kind="comment") == []
    assert services.notify(recipients=[other_team_user], team=other, kind="comment")[0].team == other
