"""Comparisons: one form sent to several models or parameter values as one group, its page, the
side-by-side view, re-running a result with a change into the group, and the prompt library in the form.

The 404s for another team are in `tests/test_tenant_isolation.py`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from studio.accounts.models import Role, User
from studio.costs.services import _store_price_list, save_budget
from studio.generations import services
from studio.generations.models import Asset, CompareGroup, Generation, Kind, Status
from studio.projects.models import Project
from studio.prompts.models import PresetUse, PromptPreset
from studio.sandbox import pricing
from studio.upstream.pricing import parse_price_list
from tests import factories
from tests.generations.test_views import HTMX, polled_ids, tag_with_id, veo3_data


@pytest.fixture(autouse=True)
def _unreachable_gateway(settings) -> None:  # type: ignore[no-untyped-def]
    """Without the sandbox, the team's gateway refuses connections: the forms use default models."""
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:9/sandbox"


def compare_url(project: Project) -> str:
    return reverse("generation_compare", args=[project.pk])


def finished(project: Project, user: User, *, model: str = "veo3-fast", image: bool = False) -> Generation:
    generation = services.start_generation(
        project=project, user=user, kind=Kind.VEO3_VIDEO, model=model, prompt="a red fox", params={}
    )
    assert generation.transition(Status.SUCCEEDED, allowed_from=[Status.QUEUED])
    if image:
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, format="PNG")
        asset = Asset(
            team=project.team,
            project=project,
            generation=generation,
            role=Asset.Role.RESULT,
            kind=Asset.MediaKind.IMAGE,
            mime_type="image/png",
            size=len(buffer.getvalue()),
            sha256="0" * 64,
        )
        asset.file.save("result.png", ContentFile(buffer.getvalue()), save=True)
    return generation


# Starting a comparison -------------------------------------------------------------------------------


def test_generation_compare_starts_one_group_of_the_chosen_models_and_redirects_to_it(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = veo3_data(**{"compare-other_models": "veo3, veo3-pro, veo3-fast"})

    response = client_for(user).post(compare_url(project), data)

    group = CompareGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compare_group_detail", args=[group.pk])
    generations = list(group.generations.order_by("pk"))
    assert [g.model for g in generations] == ["veo3-fast", "veo3", "veo3-pro"]
    assert {g.prompt for g in generations} == {"a red fox in the snow"}
    assert {g.status for g in generations} == {Status.QUEUED}
    assert (group.team, group.project, group.created_by, group.varies) == (
        project.team,
        project,
        user,
        "model",
    )


def test_generation_compare_htmx_answers_one_row_of_live_cards_a_fresh_form_and_the_poller(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = veo3_data(**{"compare-other_models": "veo3, veo3-pro"})

    response = client_for(user).post(compare_url(project), data, **HTMX)

    assert response.status_code == 200
    group = CompareGroup.objects.get()
    ids = list(group.generations.order_by("pk").values_list("pk", flat=True))
    row = response.text[response.text.index(f'id="compare-group-{group.pk}"') :]
    for pk in ids:
        assert "hx-swap-oob" not in tag_with_id(row, f"generation-{pk}")
        assert f"part of comparison {group.pk}" in response.text
    assert 'hx-swap-oob="true"' in tag_with_id(response.text, "generation-form")
    assert sorted(polled_ids(tag_with_id(response.text, "generation-poller"))) == ids


def test_generation_compare_varies_one_parameter_with_the_forms_own_checks(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = veo3_data(**{"compare-vary": "aspect_ratio", "compare-values": "16:9, 9:16"})

    client_for(user).post(compare_url(project), data)

    group = CompareGroup.objects.get()
    assert group.varies == "aspect_ratio"
    ratios = [g.params["aspect_ratio"] for g in group.generations.order_by("pk")]
    assert ratios == ["16:9", "9:16"]


def test_generation_compare_refuses_a_value_the_form_refuses_and_starts_nothing(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    data = veo3_data(**{"compare-vary": "aspect_ratio", "compare-values": "16:9, 4:3"})

    response = client_for(user).post(compare_url(project), data, **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#generation-form"
    assert "4:3:" in response.text
    assert not Generation.objects.exists()
    assert not CompareGroup.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"compare-other_models": "veo3-fast"}, "this one has 1."),
        ({"compare-other_models": ", ".join(f"veo3-{n}" for n in range(6))}, "this one has 7."),
        ({}, "Tick the models to compare, or choose a parameter to vary."),
        (
            {"compare-other_models": "veo3", "compare-vary": "aspect_ratio", "compare-values": "16:9"},
            "not both",
        ),
    ],
)
def test_generation_compare_refuses_fewer_than_2_or_more_than_6_variants(
    project: Project, user: User, client_for: Callable[[User], Client], fields: dict[str, str], message: str
) -> None:
    response = client_for(user).post(compare_url(project), veo3_data(**fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Generation.objects.exists()


def test_generation_compare_budget_refusal_refuses_the_whole_group(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    _store_price_list(
        team=project.team, price_list=parse_price_list(pricing.price_list()), source_url="sandbox"
    )
    save_budget(
        team=project.team, actor=user, scope="project", project=project, limit=1_000_000, warn_percent=80
    )
    # 0.40 USD each: the third variant would pass the 1.00 USD budget.
    data = veo3_data(**{"compare-vary": "aspect_ratio", "compare-values": "16:9, 9:16"})
    data["veo3-model"] = "veo3-fast"
    three = veo3_data(**{"compare-other_models": "veo3-fast-frames, veo3.1-fast"})

    response = client_for(user).post(compare_url(project), three, **HTMX)

    assert "The comparison was not started (none of its 3 variants)" in response.text
    assert "the budget of project" in response.text
    assert not Generation.objects.exists()
    assert not CompareGroup.objects.exists()
    client_for(user).post(compare_url(project), data)
    assert Generation.objects.count() == 2


def test_generation_compare_forbidden_for_a_viewer_and_needs_login(
    project: Project, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    viewer = member_of(Role.VIEWER)
    data = veo3_data(**{"compare-other_models": "veo3"})

    assert client_for(viewer).post(compare_url(project), data).status_code == 403
    response = Client().post(compare_url(project), data)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Generation.objects.exists()


def test_project_page_form_offers_compare_with_the_catalogue_models_and_parameters(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(user).get(reverse("project_detail", args=[project.pk]) + "?family=image")

    text = response.content.decode()
    assert f'formaction="{compare_url(project)}"' in text
    assert 'name="compare-other_models"' in text
    assert '<option value="size">' in text
    assert '<option value="prompt">' not in text


# The comparison's page and the side-by-side view -----------------------------------------------------


def test_compare_group_detail_shows_its_cards_in_a_row_and_polls_the_live_ones(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client_for(user).post(compare_url(project), veo3_data(**{"compare-other_models": "veo3"}))
    group = CompareGroup.objects.get()

    response = client_for(user).get(reverse("compare_group_detail", args=[group.pk]))

    assert response.status_code == 200
    ids = sorted(group.generations.values_list("pk", flat=True))
    for pk in ids:
        tag_with_id(response.content.decode(), f"generation-{pk}")
    assert sorted(polled_ids(tag_with_id(response.content.decode(), "generation-poller"))) == ids


def test_compare_side_by_side_shows_the_two_chosen_results(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    first, second = finished(project, user, image=True), finished(project, user, model="veo3", image=True)
    group = CompareGroup.objects.create(team=project.team, project=project, created_by=user)
    Generation.objects.filter(pk__in=[first.pk, second.pk]).update(compare_group=group)
    a, b = first.assets.get(), second.assets.get()

    response = client_for(user).get(reverse("compare_side_by_side", args=[group.pk]) + f"?a={b.pk}&b={a.pk}")

    text = response.content.decode()
    assert response.status_code == 200
    assert text.index(reverse("asset_file", args=[b.pk, "file"])) < text.index(
        reverse("asset_file", args=[a.pk, "file"])
    )
    assert "js/compare.js" in text
    page = client_for(user).get(reverse("compare_group_detail", args=[group.pk])).content.decode()
    assert "Open side by side" in page


def test_compare_side_by_side_ignores_a_result_of_another_comparison(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    mine, outside = finished(project, user, image=True), finished(project, user, image=True)
    group = CompareGroup.objects.create(team=project.team, project=project, created_by=user)
    Generation.objects.filter(pk=mine.pk).update(compare_group=group)

    url = reverse("compare_side_by_side", args=[group.pk])
    response = client_for(user).get(url + f"?a={mine.assets.get().pk}&b={outside.assets.get().pk}")

    assert response.status_code == 200
    assert reverse("asset_file", args=[outside.assets.get().pk, "file"]) not in response.content.decode()
    assert "does not have two images or videos" in response.content.decode()


# Re-run with a change ----------------------------------------------------------------------------------


def test_rerun_with_a_change_opens_the_form_filled_and_the_new_result_joins_the_group(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    source = finished(project, user)
    client = client_for(user)
    card = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    link = reverse("project_detail", args=[project.pk]) + f"?family=veo3&amp;rerun={source.pk}"
    assert link in card

    page = client.get(reverse("project_detail", args=[project.pk]), {"family": "veo3", "rerun": source.pk})

    text = page.content.decode()
    assert "a red fox</textarea>" in text
    assert f'name="rerun_of" value="{source.pk}"' in text
    client.post(
        reverse("generation_create", args=[project.pk]),
        veo3_data(**{"veo3-prompt": "a red fox, at dusk", "rerun_of": str(source.pk)}),
    )
    variant = Generation.objects.exclude(pk=source.pk).get()
    source.refresh_from_db()
    assert source.compare_group is not None
    assert variant.compare_group == source.compare_group
    again = finished(project, user)
    Generation.objects.filter(pk=again.pk).update(compare_group=source.compare_group)
    client.post(reverse("generation_create", args=[project.pk]), veo3_data(rerun_of=str(variant.pk)))
    assert CompareGroup.objects.count() == 1
    assert source.compare_group.generations.count() == 4


def test_rerun_of_a_generation_of_another_team_is_ignored(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    outsider_project = factories.make_project(factories.make_team(other_team_user, "Other"), "Theirs")
    outsider = finished(outsider_project, other_team_user)

    page = client_for(user).get(reverse("project_detail", args=[project.pk]), {"rerun": outsider.pk})
    client_for(user).post(
        reverse("generation_create", args=[project.pk]), veo3_data(rerun_of=str(outsider.pk))
    )

    assert "rerun_of" not in page.content.decode()
    assert not CompareGroup.objects.exists()


# The prompt library in the form ------------------------------------------------------------------------


def preset(project: Project, user: User, **fields: object) -> PromptPreset:
    values: dict[str, object] = {
        "team": project.team,
        "owner": user,
        "name": "Foxes",
        "kind": Kind.VEO3_VIDEO,
        "model": "veo3-pro",
        "prompt": "a fox from the library",
        "params": {"aspect_ratio": "9:16"},
    }
    values.update(fields)
    return PromptPreset.objects.create(**values)


def test_preset_picker_fills_the_form_and_the_generation_records_the_use(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    chosen = preset(project, user)
    preset(project, user, name="Images only", kind=Kind.IMAGES_GENERATE)
    client = client_for(user)

    page = client.get(reverse("project_detail", args=[project.pk]), {"family": "veo3"}).content.decode()
    assert ">Foxes · Video: Veo3</option>" in page
    assert "Images only" not in page
    filled = client.get(
        reverse("project_detail", args=[project.pk]), {"family": "veo3", "preset": chosen.pk}, **HTMX
    ).content.decode()
    assert "a fox from the library</textarea>" in filled
    assert 'value="veo3-pro"' in filled
    assert '<option value="9:16" selected>' in filled
    assert f'name="preset" value="{chosen.pk}"' in filled

    client.post(reverse("generation_create", args=[project.pk]), veo3_data(preset=str(chosen.pk)))

    generation = Generation.objects.get()
    use = PresetUse.objects.get()
    assert (use.preset, use.generation, use.used_by) == (chosen, generation, user)
    listed = client.get(reverse("preset_list", args=[project.team.pk])).content.decode()
    assert "1" in listed


def test_someone_elses_personal_preset_is_neither_offered_nor_applied(
    project: Project, user: User, member_of: Callable[[str], User], client_for: Callable[[User], Client]
) -> None:
    member = member_of(Role.MEMBER)
    private = preset(project, user, is_personal=True, name="Mine alone")

    page = client_for(member).get(
        reverse("project_detail", args=[project.pk]), {"family": "veo3", "preset": private.pk}
    )
    client_for(member).post(
        reverse("generation_create", args=[project.pk]), veo3_data(preset=str(private.pk))
    )

    assert "Mine alone" not in page.content.decode()
    assert "a fox from the library" not in page.content.decode()
    assert not PresetUse.objects.exists()


def test_save_as_preset_from_a_generation_page_fills_the_preset_form(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    generation = finished(project, user)
    client = client_for(user)
    detail = client.get(reverse("generation_detail", args=[generation.pk])).content.decode()
    create = reverse("preset_create", args=[project.team.pk]) + f"?from_generation={generation.pk}"
    assert create in detail

    form = client.get(create).content.decode()

    assert 'value="a red fox"' in form
    assert 'value="veo3-fast"' in form
    assert '<option value="veo3_video" selected>' in form


def test_save_as_preset_ignores_a_generation_of_another_team(
    project: Project, user: User, other_team_user: User, client_for: Callable[[User], Client]
) -> None:
    theirs = finished(
        factories.make_project(factories.make_team(other_team_user, "Other"), "Theirs"), other_team_user
    )

    form = (
        client_for(user)
        .get(reverse("preset_create", args=[project.team.pk]) + f"?from_generation={theirs.pk}")
        .content.decode()
    )

    assert 'value="a red fox"' not in form


def test_history_filtered_by_group_lists_only_that_comparison(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    client_for(user).post(compare_url(project), veo3_data(**{"compare-other_models": "veo3"}))
    outside = finished(project, user)
    group = CompareGroup.objects.get()
    client = client_for(user)
    page = client.get(reverse("compare_group_detail", args=[group.pk])).content.decode()
    history = reverse("project_history", args=[project.pk]) + f"?group={group.pk}"
    assert history in page

    listed = client.get(history).content.decode()

    for generation in group.generations.all():
        assert f'id="tile-{generation.pk}"' in listed
    assert f'id="tile-{outside.pk}"' not in listed
    assert f'name="group" value="{group.pk}"' in listed


def test_a_form_sent_back_with_errors_keeps_its_rerun_and_preset(
    project: Project, user: User, client_for: Callable[[User], Client]
) -> None:
    source = finished(project, user)
    chosen = preset(project, user)
    data = veo3_data(**{"veo3-prompt": "", "rerun_of": str(source.pk), "preset": str(chosen.pk)})

    response = client_for(user).post(reverse("generation_create", args=[project.pk]), data, **HTMX)

    assert f'name="rerun_of" value="{source.pk}"' in response.text
    assert f'name="preset" value="{chosen.pk}"' in response.text
    assert Generation.objects.count() == 1
