"""The language switch (header and profile), the per-user language, and Accept-Language for visitors."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from studio.accounts import services
from studio.accounts.models import Role, Team, User
from studio.projects.models import Project
from tests import factories
from tests.sharing.test_services import share

COOKIE = settings.LANGUAGE_COOKIE_NAME
CHINESE_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def page_language(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return str(response["Content-Language"])


def test_login_page_follows_the_visitors_accept_language(client: Client) -> None:
    assert page_language(client.get(reverse("account_login"), **CHINESE_BROWSER)) == "zh-hans"
    assert page_language(client.get(reverse("account_login"), **ENGLISH_BROWSER)) == "en"


def test_header_shows_the_language_switch_to_visitors_and_users(
    client: Client, user: User, client_for
) -> None:  # type: ignore[no-untyped-def]
    for response in (client.get(reverse("account_login")), client_for(user).get(reverse("profile"))):
        assert f'action="{reverse("set_language")}"' in response.text
        assert 'name="language" value="zh-hans"' in response.text
        assert "简体中文" in response.text


def test_language_switch_sets_the_cookie_and_returns_to_the_page_for_a_visitor(client: Client) -> None:
    login = reverse("account_login")

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": login}, **ENGLISH_BROWSER)

    assert response.status_code == 302
    assert response["Location"] == login
    assert response.cookies[COOKIE].value == "zh-hans"
    page = client.get(login, **ENGLISH_BROWSER)
    assert page_language(page) == "zh-hans"
    assert '<html lang="zh-hans">' in page.text


def test_language_switch_stores_the_choice_on_the_signed_in_user(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("profile")})

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_language_switch_ignores_a_language_the_studio_does_not_offer(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client_for(user).post(reverse("set_language"), {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.language == ""


def test_language_switch_refuses_get(client: Client) -> None:
    assert client.get(reverse("set_language"), {"language": "zh-hans"}).status_code == 405


def test_users_language_wins_over_the_browser_on_a_new_device(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    user.language = "zh-hans"
    user.save()
    client = client_for(user)  # a fresh browser: no language cookie yet

    response = client.get(reverse("profile"), **ENGLISH_BROWSER)

    assert page_language(response) == "zh-hans"
    # The cookie follows, so the log-in page after signing out keeps the user's language.
    assert response.cookies[COOKIE].value == "zh-hans"
    client.post(reverse("account_logout"))
    assert page_language(client.get(reverse("account_login"), **ENGLISH_BROWSER)) == "zh-hans"


def test_logging_in_applies_the_users_language(user: User, client: Client) -> None:
    user.language = "zh-hans"
    user.set_password("a long enough password")
    user.save()

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "a long enough password"},
        **ENGLISH_BROWSER,
    )

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "zh-hans"
    assert page_language(client.get(reverse("profile"), **ENGLISH_BROWSER)) == "zh-hans"


def test_user_without_a_choice_follows_the_browser(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(user).get(reverse("profile"), **CHINESE_BROWSER)

    assert page_language(response) == "zh-hans"
    assert COOKIE not in response.cookies


def test_profile_saves_the_language(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    response = client.post(
        reverse("profile"), {"display_name": "Ada", "time_zone": "Asia/Shanghai", "language": "zh-hans"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert response.cookies[COOKIE].value == "zh-hans"


def test_profile_back_to_the_browsers_language_forgets_the_cookie(user: User, client_for) -> None:  # type: ignore[no-untyped-def]
    user.language = "zh-hans"
    user.save()
    client = client_for(user)
    client.cookies[COOKIE] = "zh-hans"

    response = client.post(reverse("profile"), {"display_name": "", "time_zone": "UTC", "language": ""})

    assert response.cookies[COOKIE].value == ""  # deleted
    user.refresh_from_db()
    assert user.language == ""
    assert page_language(client.get(reverse("profile"), **ENGLISH_BROWSER)) == "en"


def test_share_page_follows_the_viewers_accept_language(project: Project, user: User, client: Client) -> None:
    _link, token = share(user, "project", project)
    url = reverse("share_page", args=[token])

    assert page_language(client.get(url, **CHINESE_BROWSER)) == "zh-hans"
    assert page_language(client.get(url, **ENGLISH_BROWSER)) == "en"


# allauth's own words and the e-mails -------------------------------------------------------------------


def test_allauth_speaks_its_own_zh_hans_catalogue(user: User, client: Client) -> None:
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "not the password"}, **CHINESE_BROWSER
    )

    assert "您提供的电子邮件地址和/或密码不正确。" in response.text


def test_password_reset_mail_is_written_in_the_recipients_language(
    user: User, client: Client, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    user.language = "zh-hans"
    user.save()

    client.post(reverse("account_reset_password"), {"email": user.email}, **ENGLISH_BROWSER)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert "密码重置" in message.subject


def test_invitation_mail_follows_an_existing_recipients_language(
    user: User, team: Team, django_capture_on_commit_callbacks, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    factories.make_user("bob@example.com", language="zh-hans")

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.create_invitation(team=team, invited_by=user, role=Role.MEMBER, email="BOB@example.com")

    assert mailoutbox[0].extra_headers["Content-Language"] == "zh-hans"


def test_invitation_mail_to_a_newcomer_is_written_in_the_senders_language(
    user: User, team: Team, django_capture_on_commit_callbacks, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.create_invitation(team=team, invited_by=user, role=Role.MEMBER, email="new@example.com")

    assert mailoutbox[0].extra_headers["Content-Language"] == "zh-hans"
