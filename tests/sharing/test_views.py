"""Share-link pages: members make, list and revoke links; anyone with a link sees exactly what it covers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from studio.accounts.models import AuditEvent, Role, Team, User
from studio.generations.models import Asset
from studio.history import services as history
from studio.projects.models import Project
from studio.sharing import services as sharing
from studio.sharing.models import ShareLink
from tests import factories
from tests.sharing.test_services import (
    add_input,
    add_result,
    make_generation,
    make_result,
    mp4_bytes,
    share,
    trash,
)


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch(client: Client, url: str, **options: object):  # type: ignore[no-untyped-def]
    """GETs a file and reads it all, which closes it (an unread file response leaks its handle)."""
    response = client.get(url, **options)  # type: ignore[arg-type]
    response.body = body(response)
    return response


def page_url(token: str) -> str:
    return reverse("share_page", args=[token])


def media_url(token: str, asset: Asset, variant: str = "file") -> str:
    return reverse("share_media", args=[token, asset.pk, variant])


def stored(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


# Making a link -----------------------------------------------------------------------------------------


def test_share_link_create_answers_htmx_with_the_new_address_and_a_copy_button(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user)

    response = client_for(user).post(
        reverse("share_link_create", args=[project.pk]),
        {"scope": "result", "asset": asset.pk, "expires": "7d", "allow_download": "on"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert (link.scope, link.asset, link.allow_download) == ("result", asset, True)
    assert link.expires_at is not None
    assert timedelta(days=6) < link.expires_at - timezone.now() <= timedelta(days=7)
    token = re.search(r'value="http://[^"]+/s/([A-Za-z0-9_-]+)/"', response.text)
    assert token is not None
    assert link.token_hint == token.group(1)[:6]
    assert f'data-copy="#share-link-{link.pk}"' in response.text
    assert "<html" not in response.text


def test_share_link_create_without_htmx_redirects_to_the_links_page(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).post(
        reverse("share_link_create", args=[project.pk]), {"scope": "project", "expires": "never"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("team_links", args=[project.team_id])
    link = ShareLink.objects.get()
    assert (link.scope, link.expires_at, link.allow_download) == ("project", None, False)


def test_share_link_create_shows_why_under_htmx_when_the_generation_is_in_the_trash(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    trash(generation)

    response = client_for(user).post(
        reverse("share_link_create", args=[project.pk]),
        {"scope": "generation", "generation": generation.pk, "expires": "never"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "trash" in response.text
    assert not ShareLink.objects.exists()


def test_share_link_create_refuses_viewers(
    project: Project, viewer: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(viewer).post(
        reverse("share_link_create", args=[project.pk]), {"scope": "project", "expires": "never"}
    )

    assert response.status_code == 403
    assert not ShareLink.objects.exists()


def test_share_link_create_404s_for_a_generation_of_another_team_inside_own_project(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    foreign_project = factories.make_project(factories.make_team(other_team_user, "Other"), "Theirs")
    foreign = make_generation(foreign_project, other_team_user)

    response = client_for(user).post(
        reverse("share_link_create", args=[project.pk]),
        {"scope": "generation", "generation": foreign.pk, "expires": "never"},
    )

    assert response.status_code == 404
    assert not ShareLink.objects.exists()


def test_share_link_create_requires_login(project: Project, client: Client) -> None:
    response = client.post(reverse("share_link_create", args=[project.pk]), {"scope": "project"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ShareLink.objects.exists()


def test_share_form_partial_posts_what_the_view_accepts(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = make_generation(project, user)
    request = RequestFactory().get("/")
    request.user = user
    html = render_to_string(
        "sharing/_share_form.html",
        {"scope": "generation", "project": project, "generation": generation},
        request=request,
    )
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    action = re.search(r'action="([^"]+)"', html)
    assert action is not None
    assert 'hx-target="#share-generation-' in html
    assert re.findall(r'<option value="(\w+)"', html) == list(sharing.EXPIRY_CHOICES)

    response = client_for(user).post(action.group(1), {**fields, "expires": "1d", "allow_download": "on"})

    assert response.status_code == 302
    assert ShareLink.objects.get().generation == generation


# The Links page ----------------------------------------------------------------------------------------


def test_team_links_lists_live_links_with_copyable_addresses(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user)
    live, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)
    revoked, _revoked_token = share(user, ShareLink.Scope.PROJECT, project)
    ShareLink.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, _expired_token = share(
        user, ShareLink.Scope.PROJECT, project, expires_at=timezone.now() + timedelta(1)
    )
    ShareLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))

    response = client_for(user).get(reverse("team_links", args=[team.pk]))

    assert response.status_code == 200
    assert f'id="link-{live.pk}"' in response.text
    assert f'id="link-{revoked.pk}"' not in response.text
    assert f'id="link-{expired.pk}"' not in response.text
    assert f"/s/{token}/" in response.text
    assert reverse("asset_file", args=[asset.pk, "thumb"]) in response.text
    assert reverse("share_link_revoke", args=[team.pk, live.pk]) in response.text


def test_team_links_shows_viewers_the_links_without_revoke(
    team: Team, project: Project, user: User, viewer: User, client_for: Callable[[User], Client]
) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    response = client_for(viewer).get(reverse("team_links", args=[team.pk]))

    assert response.status_code == 200
    assert f'id="link-{link.pk}"' in response.text
    assert reverse("share_link_revoke", args=[team.pk, link.pk]) not in response.text


def test_team_links_404s_for_other_team(
    team: Team, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(other_team_user).get(reverse("team_links", args=[team.pk]))

    assert response.status_code == 404


def test_team_links_requires_login(team: Team, client: Client) -> None:
    response = client.get(reverse("team_links", args=[team.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_team_links_query_count_does_not_grow_with_links(
    team: Team,
    project: Project,
    user: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries,
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(user)

    def add_links(count: int) -> None:
        for _index in range(count):
            asset = make_result(project, user)
            share(user, ShareLink.Scope.RESULT, project, asset=asset)
            share(user, ShareLink.Scope.GENERATION, project, generation=asset.generation)
            share(user, ShareLink.Scope.PROJECT, project)

    add_links(1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("team_links", args=[team.pk]))
    add_links(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("team_links", args=[team.pk]))
    assert response.text.count('<tr id="link-') == 21


# Revoking ----------------------------------------------------------------------------------------------


def test_share_link_revoke_kills_the_page_and_its_media_at_once(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    asset = make_result(project, user, media="video")
    link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)
    anonymous = Client()
    assert fetch(anonymous, media_url(token, asset)).status_code == 200

    response = client_for(user).post(reverse("share_link_revoke", args=[team.pk, link.pk]))

    assert response.status_code == 302
    assert anonymous.get(page_url(token)).status_code == 410
    for variant in ("file", "poster"):
        gone = fetch(anonymous, media_url(token, asset, variant), headers={"Range": "bytes=0-99"})
        assert gone.status_code == 410
        assert stored(asset)[:100] not in gone.body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVOKED).count() == 1


def test_share_link_revoke_answers_htmx_with_nothing_so_the_row_goes(
    team: Team, project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    response = client_for(user).post(
        reverse("share_link_revoke", args=[team.pk, link.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.content == b""
    link.refresh_from_db()
    assert link.is_revoked


def test_share_link_revoke_lets_the_creator_revoke_their_own_link(
    team: Team, project: Project, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    member = member_of(Role.MEMBER)
    link, _token = share(member, ShareLink.Scope.PROJECT, project)

    response = client_for(member).post(reverse("share_link_revoke", args=[team.pk, link.pk]))

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == member


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_share_link_revoke_403s_for_a_member_who_did_not_make_it(
    role: str,
    team: Team,
    project: Project,
    user: User,
    member_of: Callable[[str], User],
    client_for: Callable[[User], Client],
) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    response = client_for(member_of(role)).post(reverse("share_link_revoke", args=[team.pk, link.pk]))

    assert response.status_code == 403
    link.refresh_from_db()
    assert not link.is_revoked


def test_share_link_revoke_404s_for_a_link_of_another_team_inside_own_team(
    team: Team, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    other_project = factories.make_project(factories.make_team(other_team_user, "Other"), "Theirs")
    foreign, _token = share(other_team_user, ShareLink.Scope.PROJECT, other_project)

    response = client_for(user).post(reverse("share_link_revoke", args=[team.pk, foreign.pk]))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_revoked


def test_share_link_revoke_requires_login(team: Team, project: Project, user: User, client: Client) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    response = client.post(reverse("share_link_revoke", args=[team.pk, link.pk]))

    assert response.status_code == 302
    link.refresh_from_db()
    assert not link.is_revoked


# The shared page, for anyone ---------------------------------------------------------------------------


@pytest.fixture
def shared_result(project: Project, user: User) -> tuple[Asset, str]:
    """A result shared alone, beside a sibling result and another generation that must stay private."""
    user.display_name = "Ann Author"
    user.save()
    asset = make_result(project, user, prompt="a lighthouse at dusk")
    assert asset.generation is not None
    add_result(asset.generation, position=1)
    make_result(project, user, prompt="the secret other prompt")
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)
    return asset, token


def test_share_page_shows_the_result_to_anyone_and_nothing_else(
    shared_result: tuple[Asset, str], team: Team, user: User, client: Client
) -> None:
    asset, token = shared_result

    response = client.get(page_url(token))

    assert response.status_code == 200
    assert "a lighthouse at dusk" in response.text
    assert "Ann Author" in response.text
    assert media_url(token, asset, "thumb") in response.text
    assert "the secret other prompt" not in response.text
    assert team.name not in response.text
    assert user.email not in response.text
    assert re.findall(r"/media/(\d+)/", response.text) == [str(asset.pk)] * len(
        re.findall(r"/media/(\d+)/", response.text)
    )
    assert "/assets/" not in response.text
    assert "csrfmiddlewaretoken" not in response.text


def test_share_page_sends_headers_that_keep_the_token_private(
    shared_result: tuple[Asset, str], client: Client
) -> None:
    _asset, token = shared_result

    response = client.get(page_url(token))

    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "private" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_share_page_has_a_preview_card_for_chat_apps(
    shared_result: tuple[Asset, str], client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://studio.example.com"
    asset, token = shared_result

    response = client.get(page_url(token))

    image = f"https://studio.example.com{media_url(token, asset, 'thumb')}"
    assert f'<meta property="og:image" content="{image}">' in response.text
    assert '<meta property="og:description" content="a lighthouse at dusk">' in response.text
    assert f'<meta property="og:url" content="https://studio.example.com{page_url(token)}">' in response.text
    assert '<meta name="twitter:card" content="summary_large_image">' in response.text
    assert 'property="og:video"' not in response.text


def test_share_page_of_a_video_links_the_video_in_its_preview_card(
    project: Project, user: User, client: Client
) -> None:
    video = make_result(project, user, media="video", kind="veo3_video")
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=video)

    response = client.get(page_url(token))

    assert response.status_code == 200
    assert f'content="http://127.0.0.1:8000{media_url(token, video, "poster")}"' in response.text
    assert (
        f'<meta property="og:video" content="http://127.0.0.1:8000{media_url(token, video)}">'
        in response.text
    )
    assert '<video controls preload="metadata"' in response.text


def test_share_page_counts_one_view_per_page_load_not_per_media_file(
    shared_result: tuple[Asset, str], client: Client
) -> None:
    asset, token = shared_result

    client.get(page_url(token))
    fetch(client, media_url(token, asset))
    fetch(client, media_url(token, asset, "thumb"))
    client.get(page_url(token))

    link = ShareLink.objects.get()
    assert link.view_count == 2
    assert link.last_viewed_at is not None


def test_share_page_404s_with_a_friendly_page_for_an_unknown_token(
    shared_result: tuple[Asset, str], team: Team, client: Client
) -> None:
    response = client.get(page_url("A" * 43))

    assert response.status_code == 404
    assert "Link not found" in response.text
    assert team.name not in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_share_page_410s_when_the_link_has_expired(project: Project, user: User, client: Client) -> None:
    asset = make_result(project, user)
    link, token = share(
        user, ShareLink.Scope.RESULT, project, asset=asset, expires_at=timezone.now() + timedelta(1)
    )
    assert client.get(page_url(token)).status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.get(page_url(token))
    media = fetch(client, media_url(token, asset))

    assert (page.status_code, media.status_code) == (410, 410)
    assert "This link no longer works" in page.text
    assert stored(asset) not in media.body


def test_share_page_of_a_generation_shows_its_variants_but_not_other_generations(
    project: Project, user: User, client: Client
) -> None:
    root = make_result(project, user, prompt="root prompt")
    assert root.generation is not None
    variant = make_result(project, user, prompt="variant prompt", parent=root.generation)
    trashed = make_result(project, user, prompt="trashed prompt", parent=root.generation)
    assert trashed.generation is not None
    trash(trashed.generation)
    other = make_result(project, user, prompt="other prompt")
    _link, token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)

    response = client.get(page_url(token))

    assert response.status_code == 200
    assert "root prompt" in response.text
    assert "variant prompt" in response.text
    assert media_url(token, variant, "thumb") in response.text
    assert "trashed prompt" not in response.text
    assert "other prompt" not in response.text
    assert fetch(client, media_url(token, variant)).status_code == 200
    assert fetch(client, media_url(token, trashed)).status_code == 404
    assert fetch(client, media_url(token, other)).status_code == 404


def test_share_media_404s_for_a_copy_of_the_shared_generation_in_another_project(
    team: Team, project: Project, user: User, client: Client
) -> None:
    root = make_result(project, user, prompt="root prompt")
    assert root.generation is not None
    _link, token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)
    elsewhere = factories.make_project(team, "Elsewhere")
    [copy] = history.copy_generations(user=user, team=team, generations=[root.generation], target=elsewhere)
    copied = Asset.objects.get(generation=copy)

    response = client.get(page_url(token))

    assert response.status_code == 200
    assert media_url(token, copied, "thumb") not in response.text
    assert fetch(client, media_url(token, root)).status_code == 200
    # The copy has the same file, but it is another object: guessing its id through this link finds nothing.
    assert fetch(client, media_url(token, copied)).status_code == 404
    assert fetch(client, media_url(token, copied, "thumb")).status_code == 404


def test_share_page_of_a_generation_leaves_out_variants_made_after_the_link(
    project: Project, user: User, client: Client
) -> None:
    root = make_result(project, user, prompt="root prompt")
    assert root.generation is not None
    _link, token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)
    later = make_result(project, user, prompt="later variant prompt", parent=root.generation)

    response = client.get(page_url(token))

    assert "root prompt" in response.text
    assert "later variant prompt" not in response.text
    assert fetch(client, media_url(token, later)).status_code == 404


def test_share_page_of_a_project_shows_a_grid_with_load_more(
    project: Project, user: User, client: Client
) -> None:
    from studio.sharing import views as sharing_views

    results = [
        make_result(project, user, prompt=f"shot {index:02d}") for index in range(sharing_views.PAGE_SIZE + 2)
    ]
    _link, token = share(user, ShareLink.Scope.PROJECT, project)

    first = client.get(page_url(token))

    assert first.status_code == 200
    assert "shot 25" in first.text
    assert "shot 01" not in first.text
    assert '<meta property="og:description" content="Launch film">' in first.text
    cursor = re.search(r'hx-get="([^"]+\?before=[0-9.]+)"', first.text)
    assert cursor is not None

    more = client.get(cursor.group(1), headers={"HX-Request": "true"})

    assert more.status_code == 200
    assert "<html" not in more.text
    assert "shot 01" in more.text
    assert "shot 00" in more.text
    assert "shot 25" not in more.text
    assert "hx-get" not in more.text
    assert ShareLink.objects.get().view_count == 1
    assert {media_url(token, asset, "thumb") in first.text + more.text for asset in results} == {True}


def test_share_page_of_a_project_query_count_does_not_grow_with_results(
    project: Project, user: User, client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    make_result(project, user)
    _link, token = share(user, ShareLink.Scope.PROJECT, project)
    with django_assert_max_num_queries(6) as few:
        client.get(page_url(token))
    for _index in range(10):
        make_result(project, user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page_url(token))


# Media through a link ----------------------------------------------------------------------------------


def test_share_media_serves_only_files_the_link_covers(
    team: Team, project: Project, user: User, client: Client
) -> None:
    asset = make_result(project, user)
    assert asset.generation is not None
    sibling = add_result(asset.generation, position=1)
    other = make_result(project, user)
    input_file = add_input(project, user)
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)

    covered = fetch(client, media_url(token, asset))

    assert covered.status_code == 200
    assert covered.body == stored(asset)
    assert covered["Referrer-Policy"] == "no-referrer"
    assert "private" in covered["Cache-Control"]
    for guessed in (sibling, other, input_file):
        response = fetch(client, media_url(token, guessed))
        assert response.status_code == 404
        assert stored(guessed) not in response.body


def test_share_media_of_a_project_link_never_serves_another_project_or_team(
    team: Team, project: Project, user: User, other_team_user: User, client: Client
) -> None:
    mine = make_result(project, user)
    sibling_project = make_result(factories.make_project(team, "Private"), user)
    foreign = make_result(
        factories.make_project(factories.make_team(other_team_user), "Theirs"), other_team_user
    )
    _link, token = share(user, ShareLink.Scope.PROJECT, project)

    assert fetch(client, media_url(token, mine)).status_code == 200
    assert fetch(client, media_url(token, sibling_project)).status_code == 404
    assert fetch(client, media_url(token, foreign)).status_code == 404


def test_share_media_404s_for_an_unknown_variant(shared_result: tuple[Asset, str], client: Client) -> None:
    asset, token = shared_result

    assert fetch(client, media_url(token, asset, "poster")).status_code == 404
    assert fetch(client, media_url(token, asset, "original")).status_code == 404


def test_share_media_downloads_under_a_readable_name_when_allowed(
    shared_result: tuple[Asset, str], client: Client
) -> None:
    asset, token = shared_result
    page = client.get(page_url(token))

    response = fetch(client, media_url(token, asset) + "?download=1")

    assert f'href="{media_url(token, asset)}?download=1"' in page.text
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert asset.download_name in response["Content-Disposition"]


def test_share_media_refuses_downloads_when_the_link_is_view_only(
    project: Project, user: User, client: Client
) -> None:
    asset = make_result(project, user)
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset, allow_download=False)
    page = client.get(page_url(token))

    response = fetch(client, media_url(token, asset) + "?download=1")
    inline = fetch(client, media_url(token, asset))

    assert "download=1" not in page.text
    assert response.status_code == 403
    assert stored(asset) not in response.body
    assert inline.status_code == 200
    assert "attachment" not in inline.get("Content-Disposition", "")


def test_share_media_answers_range_requests_for_seeking_video(
    project: Project, user: User, client: Client
) -> None:
    video = make_result(project, user, media="video", kind="veo3_video")
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=video)
    data = stored(video)
    assert data.startswith(mp4_bytes()[:8])

    response = fetch(client, media_url(token, video), headers={"Range": "bytes=100-199"})
    tail = fetch(client, media_url(token, video), headers={"Range": "bytes=-50"})
    beyond = fetch(client, media_url(token, video), headers={"Range": f"bytes={len(data) + 10}-"})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert response.body == data[100:200]
    assert response["Referrer-Policy"] == "no-referrer"
    assert tail.status_code == 206
    assert tail.body == data[-50:]
    assert beyond.status_code == 416


def test_share_media_hands_off_to_nginx_when_configured(
    shared_result: tuple[Asset, str], client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    asset, token = shared_result

    response = fetch(client, media_url(token, asset))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{asset.file.name}"
    assert response.content == b""
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_share_media_of_a_trashed_generation_is_gone(
    shared_result: tuple[Asset, str], client: Client
) -> None:
    asset, token = shared_result
    assert asset.generation is not None
    trash(asset.generation)

    assert fetch(client, media_url(token, asset)).status_code == 410
    assert client.get(page_url(token)).status_code == 410
