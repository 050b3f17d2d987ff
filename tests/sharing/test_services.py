"""Share-link services: tokens stored hashed, what each kind of link covers, expiry, revoke and views."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from studio.accounts.models import AuditEvent, Membership, Role, Team, User, hash_token
from studio.generations import services
from studio.generations.models import Asset, Generation, Kind, Status
from studio.history import services as history
from studio.lib.media import MediaKind
from studio.projects.models import Project
from studio.sharing import services as sharing
from studio.sharing.models import ShareLink
from tests import factories

# Helpers, also used by the view tests. -----------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (320, 180), color: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def mp4_bytes(size: tuple[int, int] = (96, 64), frames: int = 24) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        with av.open(str(path), mode="w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=12)
            stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
            stream.options = {"preset": "ultrafast"}
            for index in range(frames):
                picture = Image.new("RGB", size, (10 * index % 255, 90, 200))
                for packet in stream.encode(av.VideoFrame.from_image(picture)):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return path.read_bytes()


def make_generation(
    project: Project,
    user: User,
    *,
    prompt: str = "a red fox in the snow",
    parent: Generation | None = None,
    kind: str = Kind.IMAGES_GENERATE,
) -> Generation:
    return Generation.objects.create(
        team=project.team,
        project=project,
        created_by=user,
        parent=parent,
        kind=kind,
        model="model-x",
        prompt=prompt,
        status=Status.SUCCEEDED,
        search_text=Generation.build_search_text(prompt),
    )


def add_result(generation: Generation, *, media: str = "image", position: int = 0) -> Asset:
    """A stored result file of the generation, with its thumbnail (image) or poster (video)."""
    if media == "video":
        upload = SimpleUploadedFile("clip.mp4", mp4_bytes(), content_type="video/mp4")
        allowed = {MediaKind.VIDEO}
    else:
        upload = SimpleUploadedFile("image.png", png_bytes(), content_type="image/png")
        allowed = {MediaKind.IMAGE}
    user = generation.created_by
    assert user is not None
    asset = services.store_upload(project=generation.project, user=user, upload=upload, allowed=allowed)
    Asset.objects.filter(pk=asset.pk).update(role=Asset.Role.RESULT, generation=generation, position=position)
    asset.refresh_from_db()
    return asset


def make_result(project: Project, user: User, *, media: str = "image", **options: object) -> Asset:
    return add_result(make_generation(project, user, **options), media=media)  # type: ignore[arg-type]


def add_input(project: Project, user: User) -> Asset:
    upload = SimpleUploadedFile("input.png", png_bytes(color=(200, 0, 0)), content_type="image/png")
    return services.store_upload(project=project, user=user, upload=upload, allowed={MediaKind.IMAGE})


def share(user: User, scope: str, project: Project, **options: object) -> tuple[ShareLink, str]:
    return sharing.create_share_link(team=project.team, user=user, scope=scope, project=project, **options)  # type: ignore[arg-type]


def trash(generation: Generation) -> None:
    Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now())


# Creating ----------------------------------------------------------------------------------------------


def test_create_share_link_stores_the_token_hashed_and_encrypted_only(project: Project, user: User) -> None:
    asset = make_result(project, user)

    link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)

    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert link.token_hint == token[:6]
    assert ShareLink.objects.get(token_hash=hash_token(token)) == link
    assert ShareLink.objects.get(pk=link.pk).token_encrypted == token
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_hash, token_encrypted FROM projects_sharelink WHERE id = %s", [link.pk])
        stored_hash, stored_secret = cursor.fetchone()
    assert token not in stored_hash
    assert token not in stored_secret


def test_create_share_link_makes_different_tokens_each_time(project: Project, user: User) -> None:
    tokens = {share(user, ShareLink.Scope.PROJECT, project)[1] for _ in range(5)}

    assert len(tokens) == 5


def test_create_share_link_records_who_shared_in_the_audit_log(project: Project, user: User) -> None:
    generation = make_generation(project, user)

    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=generation)

    event = AuditEvent.objects.get(action=AuditEvent.Action.SHARED)
    assert event.team_id == project.team_id
    assert event.actor == user
    assert event.data["link_id"] == link.pk
    assert event.data["generation_id"] == generation.pk
    assert event.summary == "Shared a generation of “Launch film”"


def test_create_share_link_of_a_result_remembers_its_generation(project: Project, user: User) -> None:
    asset = make_result(project, user)

    link, _token = share(user, ShareLink.Scope.RESULT, project, asset=asset, allow_download=False)

    assert (link.asset, link.generation, link.allow_download) == (asset, asset.generation, False)


def test_create_share_link_refuses_an_input_file_as_a_result(project: Project, user: User) -> None:
    with pytest.raises(sharing.ShareRuleError):
        share(user, ShareLink.Scope.RESULT, project, asset=add_input(project, user))

    assert not ShareLink.objects.exists()


def test_create_share_link_refuses_a_generation_of_another_project(
    team: Team, project: Project, user: User
) -> None:
    elsewhere = make_generation(factories.make_project(team, "Other"), user)

    with pytest.raises(sharing.ShareRuleError):
        share(user, ShareLink.Scope.GENERATION, project, generation=elsewhere)


def test_create_share_link_refuses_a_project_of_another_team(project: Project, other_team_user: User) -> None:
    other_team = factories.make_team(other_team_user, "Other")

    with pytest.raises(sharing.ShareRuleError):
        sharing.create_share_link(
            team=other_team, user=other_team_user, scope=ShareLink.Scope.PROJECT, project=project
        )


def test_create_share_link_refuses_a_generation_in_the_trash(project: Project, user: User) -> None:
    generation = make_generation(project, user)
    trash(generation)
    generation.refresh_from_db()

    with pytest.raises(sharing.ShareRuleError):
        share(user, ShareLink.Scope.GENERATION, project, generation=generation)


def test_create_share_link_refuses_an_expiry_in_the_past(project: Project, user: User) -> None:
    with pytest.raises(sharing.ShareRuleError):
        share(user, ShareLink.Scope.PROJECT, project, expires_at=timezone.now() - timedelta(minutes=1))


# Finding -----------------------------------------------------------------------------------------------


def test_find_link_returns_a_live_link(project: Project, user: User) -> None:
    link, token = share(user, ShareLink.Scope.PROJECT, project, expires_at=timezone.now() + timedelta(days=1))

    assert sharing.find_link(token) == link


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "../../etc/passwd", "a" * 500])
def test_find_link_raises_not_found_for_unknown_tokens(token: str, project: Project, user: User) -> None:
    share(user, ShareLink.Scope.PROJECT, project)

    with pytest.raises(sharing.LinkNotFound):
        sharing.find_link(token)


def test_find_link_raises_gone_when_revoked(project: Project, user: User) -> None:
    link, token = share(user, ShareLink.Scope.PROJECT, project)
    sharing.revoke_share_link(link=link, user=user)

    with pytest.raises(sharing.LinkGone):
        sharing.find_link(token)


def test_find_link_raises_gone_when_expired(project: Project, user: User) -> None:
    link, token = share(
        user, ShareLink.Scope.PROJECT, project, expires_at=timezone.now() + timedelta(hours=1)
    )
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(sharing.LinkGone):
        sharing.find_link(token)


def test_find_link_raises_gone_when_the_generation_is_in_the_trash(project: Project, user: User) -> None:
    asset = make_result(project, user)
    _link, token = share(user, ShareLink.Scope.RESULT, project, asset=asset)
    assert asset.generation is not None
    trash(asset.generation)

    with pytest.raises(sharing.LinkGone):
        sharing.find_link(token)


# Revoking ----------------------------------------------------------------------------------------------


def test_revoke_share_link_records_once_who_revoked(project: Project, user: User) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    first = sharing.revoke_share_link(link=link, user=user)
    second = sharing.revoke_share_link(link=ShareLink.objects.get(pk=link.pk), user=user)

    assert (first, second) == (True, False)
    link.refresh_from_db()
    assert link.revoked_by == user
    assert link.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVOKED, actor=user).count() == 1


@pytest.mark.parametrize(
    ("role", "is_creator", "expected"),
    [
        (Role.OWNER, False, True),
        (Role.ADMIN, False, True),
        (Role.MEMBER, True, True),
        (Role.MEMBER, False, False),
        (Role.VIEWER, False, False),
    ],
)
def test_can_revoke_link_follows_role_and_authorship(
    role: str,
    is_creator: bool,
    expected: bool,
    project: Project,
    user: User,
    member_of: Callable[[str], User],
) -> None:
    someone = member_of(role)
    link, _token = share(someone if is_creator else user, ShareLink.Scope.PROJECT, project)

    membership = Membership.objects.get(team=project.team, user=someone)

    assert sharing.can_revoke_link(link, membership) is expected


# What a link covers ------------------------------------------------------------------------------------


def test_covered_assets_of_a_result_link_is_that_result_only(project: Project, user: User) -> None:
    first = make_result(project, user)
    assert first.generation is not None
    sibling = add_result(first.generation, position=1)
    make_result(project, user, prompt="something else")

    link, _token = share(user, ShareLink.Scope.RESULT, project, asset=first)

    assert list(sharing.covered_assets(link)) == [first]
    assert not sharing.link_covers(link, sibling)


def test_covered_assets_of_a_generation_link_include_its_living_variants(
    project: Project, user: User
) -> None:
    root = make_result(project, user, prompt="root")
    assert root.generation is not None
    variant = make_result(project, user, prompt="variant", parent=root.generation)
    assert variant.generation is not None
    grandchild = make_result(project, user, prompt="zoom", parent=variant.generation)
    trashed = make_result(project, user, prompt="trashed variant", parent=root.generation)
    assert trashed.generation is not None
    trash(trashed.generation)
    unrelated = make_result(project, user, prompt="unrelated")
    add_input(project, user)

    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)

    assert set(sharing.covered_assets(link)) == {root, variant, grandchild}
    assert not sharing.link_covers(link, unrelated)


def test_covered_assets_of_a_generation_link_stop_at_the_variant_depth(project: Project, user: User) -> None:
    chain = [make_result(project, user, prompt="0")]
    for depth in range(1, sharing.VARIANT_DEPTH + 2):
        chain.append(make_result(project, user, prompt=str(depth), parent=chain[-1].generation))

    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=chain[0].generation)

    assert set(sharing.covered_assets(link)) == set(chain[: sharing.VARIANT_DEPTH + 1])


def test_covered_assets_of_a_generation_link_leave_out_its_copies_in_other_projects(
    team: Team, project: Project, user: User
) -> None:
    root = make_result(project, user, prompt="root")
    assert root.generation is not None
    elsewhere = factories.make_project(team, "Elsewhere")
    [copy] = history.copy_generations(user=user, team=team, generations=[root.generation], target=elsewhere)
    copied_asset = Asset.objects.get(generation=copy)
    [same_project_copy] = history.copy_generations(
        user=user, team=team, generations=[root.generation], target=project
    )

    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)

    assert set(sharing.covered_assets(link)) == {root}
    assert not sharing.link_covers(link, copied_asset)
    assert not sharing.link_covers(link, Asset.objects.get(generation=same_project_copy))


def test_covered_assets_of_a_generation_link_leave_out_copies_made_after_the_link(
    team: Team, project: Project, user: User
) -> None:
    root = make_result(project, user, prompt="root")
    assert root.generation is not None
    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)

    elsewhere = factories.make_project(team, "Elsewhere")
    [copy] = history.copy_generations(user=user, team=team, generations=[root.generation], target=elsewhere)

    assert set(sharing.covered_assets(link)) == {root}
    assert not sharing.link_covers(link, Asset.objects.get(generation=copy))


def test_covered_assets_of_a_generation_link_leave_out_variants_made_after_the_link(
    project: Project, user: User
) -> None:
    root = make_result(project, user, prompt="root")
    assert root.generation is not None
    earlier = make_result(project, user, prompt="variant shared", parent=root.generation)
    link, _token = share(user, ShareLink.Scope.GENERATION, project, generation=root.generation)

    later = make_result(project, user, prompt="variant made after sharing", parent=root.generation)

    assert set(sharing.covered_assets(link)) == {root, earlier}
    assert not sharing.link_covers(link, later)


def test_a_copy_gets_a_link_of_its_own_that_covers_the_copy_only(
    team: Team, project: Project, user: User
) -> None:
    root = make_result(project, user, prompt="root")
    assert root.generation is not None
    elsewhere = factories.make_project(team, "Elsewhere")
    [copy] = history.copy_generations(user=user, team=team, generations=[root.generation], target=elsewhere)

    link, _token = share(user, ShareLink.Scope.GENERATION, elsewhere, generation=copy)

    assert set(sharing.covered_assets(link)) == {Asset.objects.get(generation=copy)}
    assert not sharing.link_covers(link, root)


def test_covered_assets_of_a_project_link_are_its_living_results(
    team: Team, project: Project, user: User
) -> None:
    results = {make_result(project, user), make_result(project, user, media="video")}
    trashed = make_result(project, user)
    assert trashed.generation is not None
    trash(trashed.generation)
    add_input(project, user)
    make_result(factories.make_project(team, "Other project"), user)

    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    assert set(sharing.covered_assets(link)) == results


def test_project_results_page_walks_every_result_once_newest_first(project: Project, user: User) -> None:
    assets = [make_result(project, user, prompt=f"n{index}") for index in range(5)]
    # Two results made in the same microsecond must still both appear.
    Asset.objects.filter(pk__in=[assets[1].pk, assets[2].pk]).update(created_at=assets[1].created_at)
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    seen: list[Asset] = []
    before = None
    for _page in range(5):
        page, has_more = sharing.project_results_page(link, before=before, size=2)
        seen.extend(page)
        if not has_more:
            break
        before = (page[-1].created_at, page[-1].pk)

    assert sorted(a.pk for a in seen) == sorted(a.pk for a in assets)
    assert len(seen) == len(assets)
    assert seen[0] == assets[-1]


# Views -------------------------------------------------------------------------------------------------


def test_count_view_adds_one_and_stamps_the_time(project: Project, user: User) -> None:
    link, _token = share(user, ShareLink.Scope.PROJECT, project)

    sharing.count_view(link)
    sharing.count_view(link)

    link.refresh_from_db()
    assert link.view_count == 2
    assert link.last_viewed_at is not None
