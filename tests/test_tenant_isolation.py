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
from studio.costs.models import Budget
from studio.projects.models import Project
from tests import factories


@pytest.fixture
def victim_objects(team: Team, project: Project, member_of: Callable[[str], User]) -> dict[str, int]:
    member = member_of(Role.MEMBER)
    invitation, _token = create_invitation(
        team=team, invited_by=team.memberships.first().user, role=Role.MEMBER, email="new@example.com"
    )  # type: ignore[union-attr]
    return {
        "team_id": team.pk,
        "pk": project.pk,
        "membership_id": Membership.objects.get(team=team, user=member).pk,
        "invitation_id": invitation.pk,
        "budget_id": Budget.objects.create(team=team, scope=Budget.Scope.TEAM, limit=1_000_000).pk,
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
    ("team_models", ["team_id"], "get"),
    ("team_models_refresh", ["team_id"], "post"),
    ("project_list", ["team_id"], "get"),
    ("project_create", ["team_id"], "post"),
    ("project_detail", ["pk"], "get"),
    ("project_edit", ["pk"], "get"),
    ("project_edit", ["pk"], "post"),
    ("project_archive", ["pk"], "post"),
    ("project_unarchive", ["pk"], "post"),
    ("project_delete", ["pk"], "get"),
    ("project_delete", ["pk"], "post"),
    ("cost_estimate", ["pk"], "post"),
    ("team_spend", ["team_id"], "get"),
    ("spend_csv", ["team_id"], "get"),
    ("team_prices", ["team_id"], "get"),
    ("team_prices", ["team_id"], "post"),
    ("prices_sync", ["team_id"], "post"),
    ("price_override_delete", ["team_id"], "post"),
    ("team_budgets", ["team_id"], "get"),
    ("team_budgets", ["team_id"], "post"),
    ("budget_delete", ["team_id", "budget_id"], "post"),
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
    invitation, _token = create_invitation(
        team=other_team, invited_by=other_team_user, role=Role.MEMBER, email="new@example.com"
    )

    response = client_for(user).post(reverse("invitation_revoke", args=[team.pk, invitation.pk]))

    assert response.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


# The generation engine: every URL that names a project, a generation or an asset. --------------------

MJ_BUTTON = "MJ::JOB::upsample::2::a1b2c3d4-0000-4000-8000-000000000001"


@pytest.fixture
def victim_generations(team: Team, project: Project, user: User) -> dict[str, int]:
    """One generation in the state where each action would change something, and a stored asset."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from studio.generations import services
    from studio.generations.models import Kind, Status
    from studio.lib.media import MediaKind

    def generation(kind: str, status: Status | None = None, **fields: object) -> int:
        made = services.start_generation(
            project=project, user=user, kind=kind, model="model-x", prompt="victim prompt", params={}
        )
        if status is not None:
            assert made.transition(status, allowed_from=[Status.QUEUED], upstream_task_id="task-1", **fields)
        return made.pk

    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(png, format="PNG")
    asset = services.store_upload(
        project=project,
        user=user,
        upload=SimpleUploadedFile("victim.png", png.getvalue(), content_type="image/png"),
        allowed={MediaKind.IMAGE},
    )
    from studio.generations.models import CompareGroup

    group = CompareGroup.objects.create(team=team, project=project, created_by=user)
    return {
        "pk": project.pk,
        "group_id": group.pk,
        "queued_id": generation(Kind.VEO3_VIDEO),
        "failed_id": generation(Kind.VEO3_VIDEO, Status.FAILED, error_message="No."),
        "submitted_id": generation(Kind.VEO3_VIDEO, Status.SUBMITTED),
        "midjourney_id": generation(
            Kind.MJ_IMAGINE, Status.SUCCEEDED, buttons=[{"custom_id": MJ_BUTTON, "label": "U2", "emoji": ""}]
        ),
        "sora_id": generation(Kind.SORA2_VIDEO, Status.SUCCEEDED),
        "asset_id": asset.pk,
    }


GENERATION_URLS = [
    ("generation_create", ["pk"], "post"),
    ("generation_cancel", ["queued_id"], "post"),
    ("generation_retry", ["failed_id"], "post"),
    ("generation_check", ["submitted_id"], "post"),
    ("generation_button", ["midjourney_id"], "post"),
    ("generation_remix", ["sora_id"], "post"),
    ("generation_character", ["sora_id"], "post"),
    # The gateway's callback needs no login: only the generation's own token moves its next check.
    ("midjourney_notify", ["midjourney_id", "0" * 64], "post"),
    ("asset_file", ["asset_id", "file"], "get"),
    ("asset_file", ["asset_id", "thumb"], "get"),
    ("generation_compare", ["pk"], "post"),
    ("compare_group_detail", ["group_id"], "get"),
    ("compare_side_by_side", ["group_id"], "get"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    GENERATION_URLS,
    ids=[f"{method}-{name}-{arg_names[-1]}" for name, arg_names, method in GENERATION_URLS],
)
def test_generation_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    victim_generations: dict[str, int],
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    from studio.generations.models import Generation

    factories.make_team(other_team_user, "Other")
    before = dict(Generation.objects.values_list("pk", "status"))
    polls_before = dict(Generation.objects.values_list("pk", "next_poll_at"))
    url = reverse(name, args=[victim_generations.get(arg, arg) for arg in arg_names])
    data = {
        "family": "veo3",
        "veo3-model": "veo3-fast",
        "veo3-prompt": "hijacked",
        "veo3-aspect_ratio": "16:9",
        "custom_id": MJ_BUTTON,
        "prompt": "hijacked",
        "name": "Hijacked",
        "timestamps": "1,3",
        "compare-other_models": "veo3, veo3-pro",
    }

    response = getattr(client_for(other_team_user), method)(url, data if method == "post" else None)

    assert response.status_code == 404
    assert b"PNG" not in response.content
    assert dict(Generation.objects.values_list("pk", "status")) == before
    assert dict(Generation.objects.values_list("pk", "next_poll_at")) == polls_before


# Share links: making, listing and revoking them. ------------------------------------------------------

SHARING_URLS = [
    ("team_links", ["team_id"], "get"),
    ("share_link_create", ["pk"], "post"),
    ("share_link_revoke", ["team_id", "link_id"], "post"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    SHARING_URLS,
    ids=[f"{method}-{name}" for name, _args, method in SHARING_URLS],
)
def test_sharing_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    team: Team,
    project: Project,
    user: User,
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    from studio.sharing.models import ShareLink
    from studio.sharing.services import create_share_link

    factories.make_team(other_team_user, "Other")
    link, _token = create_share_link(team=team, user=user, scope=ShareLink.Scope.PROJECT, project=project)
    ids = {"team_id": team.pk, "pk": project.pk, "link_id": link.pk}
    url = reverse(name, args=[ids[arg] for arg in arg_names])

    client = client_for(other_team_user)
    response = (
        client.post(url, {"scope": "project", "expires": "never"}) if method == "post" else client.get(url)
    )

    assert response.status_code == 404
    assert list(ShareLink.objects.values_list("pk", "revoked_at")) == [(link.pk, None)]


# The history: galleries, detail, favourites, tags, bulk actions, exports and the audit log. ------------

HISTORY_URLS = [
    ("project_history", ["pk"], "get"),
    ("project_trash", ["pk"], "get"),
    ("team_history", ["team_id"], "get"),
    ("history_bulk", ["team_id"], "post"),
    ("zip_export_detail", ["team_id", "export_id"], "get"),
    ("zip_export_download", ["team_id", "export_id"], "get"),
    ("team_audit", ["team_id"], "get"),
    ("generation_detail", ["generation_id"], "get"),
    ("generation_favourite", ["generation_id"], "post"),
    ("generation_tag_add", ["generation_id"], "post"),
    ("generation_tag_remove", ["generation_id", "tag_id"], "post"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    HISTORY_URLS,
    ids=[f"{method}-{name}" for name, _args, method in HISTORY_URLS],
)
def test_history_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    team: Team,
    project: Project,
    user: User,
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    from studio.generations.models import Favourite, Generation, Tag
    from studio.history.exports import build_zip_export
    from studio.history.models import ZipExport
    from tests.history.test_services import make_generation

    factories.make_team(other_team_user, "Other")
    generation = make_generation(project, user, prompt="victim prompt", image=(200, 40, 40))
    tag = Tag.objects.create(team=team, name="victim tag")
    generation.tags.add(tag)
    export = ZipExport.objects.create(team=team, requested_by=user, generation_ids=[generation.pk])
    build_zip_export(export.pk)
    ids = {"team_id": team.pk, "pk": project.pk, "generation_id": generation.pk, "tag_id": tag.pk}
    url = reverse(name, args=[{**ids, "export_id": export.pk}[arg] for arg in arg_names])
    data = {"action": "trash", "ids": [str(generation.pk)], "name": "hijacked"}

    client = client_for(other_team_user)
    response = client.post(url, data) if method == "post" else client.get(url, {"format": "csv"})

    assert response.status_code == 404
    assert b"victim prompt" not in response.content
    assert list(Generation.objects.values_list("pk", "deleted_at")) == [(generation.pk, None)]
    assert list(generation.tags.values_list("name", flat=True)) == ["victim tag"]
    assert not Favourite.objects.exists()


# Team workflow: the prompt library, the team's webhook, and notifications (which belong to one user). ---

WORKFLOW_URLS = [
    ("preset_list", ["team_id"], "get"),
    ("preset_create", ["team_id"], "get"),
    ("preset_create", ["team_id"], "post"),
    ("preset_edit", ["team_id", "preset_id"], "get"),
    ("preset_edit", ["team_id", "preset_id"], "post"),
    ("preset_delete", ["team_id", "preset_id"], "post"),
    ("preset_export", ["team_id"], "get"),
    ("preset_import", ["team_id"], "post"),
    ("team_webhook", ["team_id"], "get"),
    ("team_webhook", ["team_id"], "post"),
    ("webhook_delete", ["team_id"], "post"),
    ("webhook_deliveries", ["team_id"], "get"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    WORKFLOW_URLS,
    ids=[f"{method}-{name}" for name, _args, method in WORKFLOW_URLS],
)
def test_workflow_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    team: Team,
    user: User,
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    from studio.prompts.models import PromptPreset
    from studio.prompts.services import save_preset
    from studio.webhooks.models import Webhook

    factories.make_team(other_team_user, "Other")
    preset = save_preset(
        team=team, owner=user, name="Victim preset", kind="veo3_video", prompt="victim prompt"
    )
    Webhook.objects.create(
        team=team, url="https://hooks.example.com/victim", secret="victim-secret", events=[]
    )
    ids = {"team_id": team.pk, "preset_id": preset.pk}
    url = reverse(name, args=[ids[arg] for arg in arg_names])
    data = {
        "name": "Hijacked",
        "kind": "veo3_video",
        "url": "https://evil.example.com/",
        "events": ["comment"],
    }

    client = client_for(other_team_user)
    response = client.post(url, data) if method == "post" else client.get(url)

    assert response.status_code == 404
    assert b"victim" not in response.content
    assert list(PromptPreset.objects.values_list("name", flat=True)) == ["Victim preset"]
    assert Webhook.objects.get().url == "https://hooks.example.com/victim"


@pytest.mark.parametrize("name", ["notification_read", "notification_open"])
def test_notification_of_another_user_404s(
    name: str, team: Team, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    from studio.notifications.models import Notification
    from studio.notifications.services import notify

    (notification,) = notify(recipients=[user], team=team, kind="comment", params={"actor": "victim"})

    response = client_for(other_team_user).post(reverse(name, args=[notification.pk]))

    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


# Reviews and comments on generations. -----------------------------------------------------------------

REVIEW_COMMENT_URLS = [
    ("generation_review", ["generation_id"], "post"),
    ("team_review_settings", ["team_id"], "get"),
    ("team_review_settings", ["team_id"], "post"),
    ("comment_create", ["generation_id"], "post"),
    ("comment_delete", ["comment_id"], "post"),
]


@pytest.mark.parametrize(
    ("name", "arg_names", "method"),
    REVIEW_COMMENT_URLS,
    ids=[f"{method}-{name}" for name, _args, method in REVIEW_COMMENT_URLS],
)
def test_review_and_comment_url_404s_for_other_team(
    name: str,
    arg_names: list[str],
    method: str,
    team: Team,
    project: Project,
    user: User,
    other_team_user: User,
    client_for: Callable[[User], Client],
) -> None:
    from studio.comments.models import Comment
    from studio.comments.services import post_comment
    from studio.reviews.models import Review, ReviewSettings
    from tests.history.test_services import make_generation

    factories.make_team(other_team_user, "Other")
    generation = make_generation(project, user, prompt="victim prompt")
    comment = post_comment(generation=generation, author=user, body="victim comment")
    ids = {"team_id": team.pk, "generation_id": generation.pk, "comment_id": comment.pk}
    url = reverse(name, args=[ids[arg] for arg in arg_names])
    data = {"state": "approved", "body": "hijacked", "roles": ["viewer"]}

    client = client_for(other_team_user)
    response = client.post(url, data) if method == "post" else client.get(url)

    assert response.status_code == 404
    assert b"victim" not in response.content
    assert not Review.objects.exists()
    assert not ReviewSettings.objects.exists()
    assert list(Comment.objects.values_list("body", flat=True)) == ["victim comment"]
