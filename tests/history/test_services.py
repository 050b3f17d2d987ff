"""The history services: filters, keyset pages, favourites, tags, trash and purge, move and copy, selection.

The views have their own file (`test_history_views.py`), ZIPs too (`test_exports.py`), the audit page in
`test_audit.py`. The builders below are shared by those files.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from studio.accounts.models import AuditEvent, Role, Team, User
from studio.costs.models import Charge
from studio.generations import services
from studio.generations.engine.storage import store_result_bytes
from studio.generations.models import Asset, Favourite, Generation, Kind, Status, Tag
from studio.history import services as history
from studio.history.services import GalleryFilters, HistoryRuleError
from studio.lib.media import MediaKind
from studio.projects.models import Project
from tests import factories

MODELS = {Kind.MJ_IMAGINE: "midjourney", Kind.VEO3_VIDEO: "veo3-fast", Kind.SORA2_VIDEO: "sora-2"}


# Builders ------------------------------------------------------------------------------------------


def png_bytes(color: tuple[int, int, int] = (20, 120, 200), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_generation(
    project: Project,
    user: User | None,
    *,
    kind: str = Kind.MJ_IMAGINE,
    status: str = Status.SUCCEEDED,
    prompt: str = "a castle on a hill",
    result_text: str = "",
    created_at: datetime | None = None,
    image: tuple[int, int, int] | None = None,
    **fields: object,
) -> Generation:
    """A generation as the engine leaves it (searchable text included), with an image result if asked."""
    generation = Generation.objects.create(
        team_id=project.team_id,
        project=project,
        created_by=user,
        kind=kind,
        model=MODELS.get(kind, "midjourney"),
        prompt=prompt,
        status=status,
        result_text=result_text,
        search_text=Generation.build_search_text(prompt, result_text),
        created_at=created_at or timezone.now(),
        **fields,
    )
    if image is not None:
        store_result_bytes(generation, png_bytes(image), position=0, expected=MediaKind.IMAGE)
    return generation


def ids(generations: Sequence[Generation]) -> list[int]:
    return [generation.pk for generation in generations]


def read_all_pages(queryset, user: User, size: int) -> list[list[int]]:  # type: ignore[no-untyped-def]
    pages: list[list[int]] = []
    cursor = ""
    while True:
        page = history.gallery_page(queryset, user=user, cursor=cursor, size=size)
        pages.append(ids(page.items))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 50, "the cursor never ends"


@pytest.fixture
def other_project(team: Team) -> Project:
    return factories.make_project(team, "Teaser")


# Keyset pages --------------------------------------------------------------------------------------


def test_gallery_page_never_repeats_or_skips_when_many_share_created_at(project: Project, user: User) -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    older = [make_generation(project, user, created_at=moment - timedelta(seconds=1)) for _ in range(5)]
    same = [make_generation(project, user, created_at=moment) for _ in range(53)]
    newer = [make_generation(project, user, created_at=moment + timedelta(microseconds=1)) for _ in range(4)]

    pages = read_all_pages(Generation.objects.filter(project=project), user, size=24)

    flat = [pk for page in pages for pk in page]
    assert [len(page) for page in pages] == [24, 24, 14]
    assert flat == sorted(ids(newer), reverse=True) + sorted(ids(same), reverse=True) + sorted(
        ids(older), reverse=True
    )


def test_gallery_page_ends_without_cursor_when_the_last_page_is_exactly_full(
    project: Project, user: User
) -> None:
    moment = timezone.now()
    for _ in range(48):
        make_generation(project, user, created_at=moment)

    pages = read_all_pages(Generation.objects.filter(project=project), user, size=24)

    assert [len(page) for page in pages] == [24, 24]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!not-base64!!!",
        base64.urlsafe_b64encode(b"abc.def").decode(),
        base64.urlsafe_b64encode(b"99999999999999999999999.1").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe.\x00").decode(),
        base64.urlsafe_b64encode(b"12345").decode(),
    ],
)
def test_gallery_page_starts_at_the_first_page_when_cursor_is_garbage(
    cursor: str, project: Project, user: User
) -> None:
    for _ in range(30):
        make_generation(project, user)
    queryset = Generation.objects.filter(project=project)

    page = history.gallery_page(queryset, user=user, cursor=cursor)

    assert ids(page.items) == ids(history.gallery_page(queryset, user=user).items)
    assert len(page.items) == history.PAGE_SIZE


def test_gallery_page_caps_the_size_at_the_maximum(project: Project, user: User) -> None:
    Generation.objects.bulk_create(
        Generation(team_id=project.team_id, project=project, kind=Kind.CHAT, model="gpt", prompt=f"p{i}")
        for i in range(history.MAX_PAGE_SIZE + 5)
    )

    page = history.gallery_page(Generation.objects.filter(project=project), user=user, size=10_000)

    assert len(page.items) == history.MAX_PAGE_SIZE
    assert page.next_cursor is not None


def test_gallery_page_flags_the_viewers_own_favourites_only(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    teammate = member_of(Role.MEMBER)
    mine, theirs = make_generation(project, user), make_generation(project, user)
    Favourite.objects.create(user=user, generation=mine)
    Favourite.objects.create(user=teammate, generation=theirs)

    page = history.gallery_page(Generation.objects.filter(project=project), user=user)

    assert {g.pk: g.is_favourite for g in page.items} == {mine.pk: True, theirs.pk: False}  # type: ignore[attr-defined]


# Filters -------------------------------------------------------------------------------------------


def filtered(project: Project, user: User, **filters: object) -> set[int]:
    queryset = history.filter_generations(
        Generation.objects.filter(project=project),
        GalleryFilters(**filters),
        user=user,  # type: ignore[arg-type]
    )
    return set(queryset.values_list("pk", flat=True))


def test_filter_generations_combines_every_filter(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    teammate = member_of(Role.MEMBER)
    tag = Tag.objects.create(team=project.team, name="hero")
    shanghai = ZoneInfo("Asia/Shanghai")
    # 2 March in Shanghai, still 1 March in UTC.
    inside = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    base = {"kind": Kind.VEO3_VIDEO, "status": Status.SUCCEEDED, "created_at": inside}
    match = make_generation(project, user, prompt="A Red FOX in the snow", **base)
    misses = [
        make_generation(project, user, **{**base, "kind": Kind.SORA2_VIDEO}, prompt="red fox"),
        make_generation(project, user, **{**base, "status": Status.FAILED}, prompt="red fox"),
        make_generation(project, teammate, **base, prompt="red fox"),
        # 23:30 on 1 March in Shanghai.
        make_generation(
            project, user, **{**base, "created_at": inside - timedelta(hours=2)}, prompt="red fox"
        ),
        make_generation(project, user, **base, prompt="a blue whale"),
        make_generation(project, user, **base, prompt="red fox, not starred"),
        make_generation(project, user, **base, prompt="red fox, not tagged"),
    ]
    for generation in [match, *misses]:
        if "not starred" not in generation.prompt:
            Favourite.objects.create(user=user, generation=generation)
        if "not tagged" not in generation.prompt:
            tag.generations.add(generation)

    with timezone.override(shanghai):
        result = filtered(
            project,
            user,
            kinds=[Kind.VEO3_VIDEO],
            statuses=[Status.SUCCEEDED],
            author_id=user.pk,
            date_from=date(2026, 3, 2),
            date_to=date(2026, 3, 2),
            favourites=True,
            tag_id=tag.pk,
            search="RED fox",
        )

    assert result == {match.pk}


def test_filter_generations_date_range_follows_the_active_time_zone(project: Project, user: User) -> None:
    late_evening_utc = make_generation(project, user, created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    early_morning_utc = make_generation(project, user, created_at=datetime(2026, 3, 1, 0, 30, tzinfo=UTC))

    with timezone.override(ZoneInfo("America/New_York")):
        first_of_march_in_new_york = filtered(
            project, user, date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)
        )
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        second_of_march_in_shanghai = filtered(project, user, date_from=date(2026, 3, 2))

    assert first_of_march_in_new_york == {late_evening_utc.pk}
    assert second_of_march_in_shanghai == {late_evening_utc.pk}
    assert early_morning_utc.pk not in first_of_march_in_new_york


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("castle", {"prompt"}),
        ("CASTLE", {"prompt"}),
        ("dragon", {"answer"}),
        ("Dragon Wing", {"answer"}),
        ("红狐狸", {"chinese"}),
        ("雪地", {"chinese"}),
        ("STRASSE", {"german"}),
        ("100%", {"percent"}),
        ("nothing like this", set()),
    ],
)
def test_filter_generations_search_matches_prompt_and_answer_case_insensitively(
    search: str, expected: set[str], project: Project, user: User
) -> None:
    made = {
        "prompt": make_generation(project, user, prompt="A Castle on a hill"),
        "answer": make_generation(project, user, kind=Kind.CHAT, prompt="tell me", result_text="DRAGON WING"),
        "chinese": make_generation(project, user, prompt="一只在雪地里奔跑的红狐狸"),
        "german": make_generation(project, user, prompt="Eine Straße im Regen"),
        "percent": make_generation(project, user, prompt="zoom to 100% please"),
        "other": make_generation(project, user, prompt="a 100 red balloons"),
    }

    result = filtered(project, user, search=search)

    assert result == {made[name].pk for name in expected}


def test_filter_generations_search_finds_text_saved_by_a_transition(project: Project, user: User) -> None:
    generation = services.start_generation(
        project=project, user=user, kind=Kind.MJ_SHORTEN, model="midjourney", prompt="long", params={}
    )
    assert generation.transition(
        Status.SUCCEEDED, allowed_from=[Status.QUEUED], result_text="A Lighthouse At Dusk"
    )

    assert filtered(project, user, search="lighthouse at") == {generation.pk}


# Favourites and tags -------------------------------------------------------------------------------


def test_toggle_favourite_stars_then_unstars_for_that_user_only(
    project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    teammate = member_of(Role.VIEWER)
    generation = make_generation(project, user)
    Favourite.objects.create(user=teammate, generation=generation)

    first = history.toggle_favourite(user=user, generation=generation)
    second = history.toggle_favourite(user=user, generation=generation)
    third = history.toggle_favourite(user=user, generation=generation)

    assert (first, second, third) == (True, False, True)
    assert set(Favourite.objects.values_list("user_id", flat=True)) == {user.pk, teammate.pk}


def test_add_tag_reuses_the_teams_tag_and_tidies_the_name(project: Project, user: User) -> None:
    first, second = make_generation(project, user), make_generation(project, user)

    tag = history.add_tag(user=user, generations=[first], team=project.team, name="  hero   shot ")
    again = history.add_tag(user=user, generations=[second], team=project.team, name="hero shot")

    assert tag == again
    assert tag.name == "hero shot"
    assert set(tag.generations.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Tag.objects.filter(team=project.team).count() == 1


def test_add_tag_refuses_a_blank_name(project: Project, user: User) -> None:
    with pytest.raises(HistoryRuleError):
        history.add_tag(user=user, generations=[make_generation(project, user)], team=project.team, name="  ")

    assert not Tag.objects.exists()


def test_add_tag_to_many_records_one_audit_event(project: Project, user: User) -> None:
    chosen = [make_generation(project, user) for _ in range(3)]

    history.add_tag(user=user, generations=chosen, team=project.team, name="final")

    event = AuditEvent.objects.get(action=AuditEvent.Action.TAGGED)
    assert (event.actor, event.team) == (user, project.team)
    assert event.data["generations"] == ids(chosen)


def test_remove_tag_keeps_the_tag_in_the_teams_list(project: Project, user: User) -> None:
    generation = make_generation(project, user)
    tag = history.add_tag(user=user, generations=[generation], team=project.team, name="draft")

    history.remove_tag(generation=generation, tag=tag)

    assert not generation.tags.exists()
    assert Tag.objects.filter(pk=tag.pk).exists()


# Trash, restore and purge --------------------------------------------------------------------------


def test_trash_generations_hides_them_until_restored(project: Project, user: User) -> None:
    kept, trashed = make_generation(project, user), make_generation(project, user)

    trashed_count = history.trash_generations(user=user, team=project.team, generations=[trashed])
    in_trash = set(Generation.objects.in_trash().values_list("pk", flat=True))
    alive = set(Generation.objects.alive().values_list("pk", flat=True))
    restored_count = history.restore_generations(user=user, team=project.team, generations=[trashed])

    assert (trashed_count, restored_count) == (1, 1)
    assert in_trash == {trashed.pk}
    assert alive == {kept.pk}
    assert set(Generation.objects.alive().values_list("pk", flat=True)) == {kept.pk, trashed.pk}
    actions = list(AuditEvent.objects.filter(actor=user).order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == [AuditEvent.Action.DELETED, AuditEvent.Action.RESTORED]


def test_trash_generations_twice_counts_and_records_once(project: Project, user: User) -> None:
    generation = make_generation(project, user)

    first = history.trash_generations(user=user, team=project.team, generations=[generation])
    second = history.trash_generations(user=user, team=project.team, generations=[generation])

    assert (first, second) == (1, 0)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETED).count() == 1


def backdate_trash(generation: Generation, days: float) -> None:
    Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now() - timedelta(days=days))


def test_purge_expired_trash_deletes_rows_and_files_after_the_retention(
    project: Project, user: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TRASH_RETENTION_DAYS = 7
    expired = make_generation(project, user, image=(200, 10, 10))
    recent = make_generation(project, user, image=(10, 200, 10))
    asset = expired.assets.get()
    names = [asset.file.name, asset.thumbnail.name]
    history.trash_generations(user=user, team=project.team, generations=[expired, recent])
    backdate_trash(expired, 8)
    backdate_trash(recent, 6)

    purged = history.purge_expired_trash()

    assert purged == 1
    assert not Generation.objects.filter(pk=expired.pk).exists()
    assert not Asset.objects.filter(pk=asset.pk).exists()
    assert [default_storage.exists(name) for name in names] == [False, False]
    assert Generation.objects.filter(pk=recent.pk).exists()
    assert default_storage.exists(recent.assets.get().file.name)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PURGED)
    assert (event.actor, event.data["generation"]) == (None, expired.pk)


def test_purge_expired_trash_keeps_files_a_copy_still_uses(
    project: Project, other_project: Project, user: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TRASH_RETENTION_DAYS = 7
    original = make_generation(project, user, image=(200, 10, 10))
    [copy] = history.copy_generations(
        user=user, team=project.team, generations=[original], target=other_project
    )
    shared = original.assets.get()
    history.trash_generations(user=user, team=project.team, generations=[original])
    backdate_trash(original, 30)

    assert history.purge_expired_trash() == 1

    kept = copy.assets.get()
    assert (kept.file.name, kept.thumbnail.name) == (shared.file.name, shared.thumbnail.name)
    assert default_storage.exists(shared.file.name)
    assert default_storage.exists(shared.thumbnail.name)
    with kept.file.open("rb") as handle:
        assert handle.read() == png_bytes((200, 10, 10))


def test_purge_expired_trash_leaves_generations_out_of_the_trash_alone(
    project: Project, user: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TRASH_RETENTION_DAYS = 1
    old = make_generation(project, user, created_at=timezone.now() - timedelta(days=400))

    assert history.purge_expired_trash() == 0
    assert Generation.objects.filter(pk=old.pk).exists()


def test_purge_expired_trash_goes_on_when_a_result_is_another_generations_input(
    project: Project, user: User, settings
) -> None:  # type: ignore[no-untyped-def]
    """A result used as a later job's input (use as input) must not stop the purge of everything else."""
    settings.TRASH_RETENTION_DAYS = 7
    source = make_generation(project, user, image=(200, 10, 10))
    services.start_generation(
        project=project,
        user=user,
        kind=Kind.VEO3_VIDEO,
        model="veo3-fast",
        prompt="animate it",
        params={},
        inputs={"first_frame": [source.assets.get()]},
    )
    unrelated = make_generation(project, user, image=(10, 10, 200))
    history.trash_generations(user=user, team=project.team, generations=[source, unrelated])
    backdate_trash(source, 30)
    backdate_trash(unrelated, 30)

    history.purge_expired_trash()

    assert not Generation.objects.filter(pk=unrelated.pk).exists()
    used = Asset.objects.get(used_by__generation__prompt="animate it")
    assert default_storage.exists(used.file.name)


# Move and copy -------------------------------------------------------------------------------------


def test_move_generations_moves_their_results_too(
    project: Project, other_project: Project, user: User
) -> None:
    moved = make_generation(project, user, image=(1, 2, 3))
    stays = make_generation(project, user, image=(3, 2, 1))

    count = history.move_generations(user=user, team=project.team, generations=[moved], target=other_project)

    assert count == 1
    moved.refresh_from_db()
    assert moved.project == other_project
    assert list(moved.assets.values_list("project_id", flat=True)) == [other_project.pk]
    assert list(stays.assets.values_list("project_id", flat=True)) == [project.pk]
    event = AuditEvent.objects.get(action=AuditEvent.Action.MOVED)
    assert (event.actor, event.data) == (user, {"generations": [moved.pk], "project": other_project.pk})


def test_move_generations_refuses_a_project_of_another_team(
    project: Project, user: User, other_team_user: User
) -> None:
    foreign = factories.make_project(factories.make_team(other_team_user))
    generation = make_generation(project, user)

    with pytest.raises(HistoryRuleError):
        history.move_generations(user=user, team=project.team, generations=[generation], target=foreign)

    generation.refresh_from_db()
    assert generation.project == project


def test_copy_generations_shares_files_and_points_back_to_the_original(
    project: Project, other_project: Project, user: User
) -> None:
    original = make_generation(project, user, prompt="a lighthouse", image=(9, 9, 9), params={"seed": 4})

    [copy] = history.copy_generations(
        user=user, team=project.team, generations=[original], target=other_project
    )

    copy.refresh_from_db()
    assert copy.pk != original.pk
    assert (copy.project, copy.parent, copy.prompt, copy.kind) == (
        other_project,
        original,
        "a lighthouse",
        original.kind,
    )
    assert copy.params == {"seed": 4, "copied_from": original.pk}
    assert copy.submit_key != original.submit_key
    [copied_asset] = copy.assets.all()
    [original_asset] = original.assets.all()
    assert copied_asset.pk != original_asset.pk
    assert copied_asset.project == other_project
    assert (copied_asset.file.name, copied_asset.thumbnail.name) == (
        original_asset.file.name,
        original_asset.thumbnail.name,
    )
    assert (
        history.filter_generations(
            Generation.objects.filter(project=other_project), GalleryFilters(search="lighthouse"), user=user
        ).get()
        == copy
    )


def test_copy_generations_records_the_copy_and_no_new_generation_in_the_audit_log(
    project: Project, other_project: Project, user: User, member_of: Callable[[str], User]
) -> None:
    """Copying makes nothing at the gateway: the log says who copied, not that the author generated again."""
    author = member_of(Role.MEMBER)
    original = make_generation(project, author)
    before = AuditEvent.objects.count()

    history.copy_generations(user=user, team=project.team, generations=[original], target=other_project)

    new_events = list(AuditEvent.objects.order_by("pk")[before:].values_list("action", "actor_id"))
    assert new_events == [(AuditEvent.Action.COPIED, user.pk)]


# Selection -----------------------------------------------------------------------------------------


def test_selection_leaves_out_other_teams_trash_and_garbage(
    project: Project, user: User, other_team_user: User
) -> None:
    foreign = make_generation(factories.make_project(factories.make_team(other_team_user)), other_team_user)
    mine = make_generation(project, user)
    trashed = make_generation(project, user)
    history.trash_generations(user=user, team=project.team, generations=[trashed])
    chosen = [str(mine.pk), str(foreign.pk), str(trashed.pk), "x", "-1", ""]

    alive = history.selection(user=user, team=project.team, ids=chosen)
    with_trash = history.selection(user=user, team=project.team, ids=chosen, include_trash=True)

    assert ids(alive) == [mine.pk]
    assert set(ids(with_trash)) == {mine.pk, trashed.pk}


def test_selection_is_empty_for_someone_outside_the_team(
    project: Project, other_team_user: User, user: User
) -> None:
    mine = make_generation(project, user)

    assert history.selection(user=other_team_user, team=project.team, ids=[mine.pk]) == []


# Cost ----------------------------------------------------------------------------------------------


def charge(generation: Generation, amount: int | None, *, state: str = "settled") -> Generation:
    """The generation's charge as the costs app leaves it once it settles (`None`: price unknown)."""
    today = timezone.now().date()
    Charge.objects.create(
        generation=generation,
        team_id=generation.team_id,
        project_id=generation.project_id,
        user_id=generation.created_by_id,
        kind=generation.kind,
        model=generation.model,
        price_name=generation.model,
        month=today.replace(day=1),
        day=today,
        estimate=amount,
        amount=amount,
        state=state,
        is_estimated=False,
    )
    return generation


def test_filter_generations_keeps_costs_within_the_bounds(project: Project, user: User) -> None:
    cheap, middle, dear = (
        charge(make_generation(project, user), amount) for amount in (100, 400_000, 2_000_000)
    )
    unknown = charge(make_generation(project, user), None)
    no_charge = make_generation(project, user)

    assert filtered(project, user, cost_min=400_000) == {middle.pk, dear.pk}
    assert filtered(project, user, cost_max=400_000) == {cheap.pk, middle.pk}
    assert filtered(project, user, cost_min=200, cost_max=1_000_000) == {middle.pk}
    assert filtered(project, user) == {cheap.pk, middle.pk, dear.pk, unknown.pk, no_charge.pk}


@pytest.mark.parametrize("sort", [history.Sort.COST_HIGH, history.Sort.COST_LOW])
def test_gallery_page_by_cost_never_repeats_or_skips_and_puts_unknown_costs_last(
    sort: str, project: Project, user: User
) -> None:
    # Many ties on each cost, and generations with no known cost, across several pages of 7.
    priced = [charge(make_generation(project, user), (index % 4) * 100_000) for index in range(20)]
    unknown = [charge(make_generation(project, user), None) for _ in range(3)]
    unknown += [make_generation(project, user) for _ in range(3)]
    queryset = Generation.objects.filter(project=project)

    pages: list[list[Generation]] = []
    cursor = ""
    while True:
        page = history.gallery_page(queryset, user=user, cursor=cursor, size=7, sort=sort)
        pages.append(list(page.items))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        assert len(pages) < 20, "the cursor never ends"

    descending = sort == history.Sort.COST_HIGH
    flat = [generation.pk for items in pages for generation in items]
    by_cost = sorted(
        priced,
        key=lambda g: (-g.charge.amount, -g.pk) if descending else (g.charge.amount, g.pk),
    )
    assert [len(items) for items in pages] == [7, 7, 7, 5]
    assert flat == ids(by_cost) + sorted(ids(unknown), reverse=descending)
