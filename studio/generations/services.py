"""Use cases of the generation engine that views call: start, upload inputs, cancel, retry, check now,
press a Midjourney button, remix a Sora video, make a Sora character."""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.models import Team, User
from studio.costs.services import CostRefused, reserve_cost
from studio.generations import gateway, mj_buttons
from studio.generations.engine import enqueue, poller, recovery
from studio.generations.engine.storage import attach_previews, work_dir
from studio.generations.kinds import KINDS, midjourney
from studio.generations.models import (
    Asset,
    Favourite,
    Generation,
    GenerationEvent,
    GenerationInput,
    Status,
)
from studio.lib.media import MediaError, MediaKind, validate_upload
from studio.projects.models import Project

logger = logging.getLogger(__name__)


class GenerationRuleError(Exception):
    """A request the engine refuses; the message is shown to the user as it is."""


class ProjectArchived(GenerationRuleError):
    """The project is archived: nothing new is made in it until it is unarchived."""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check of its own, still in scratch space: nothing is stored yet.

    `asset` is unsaved and has no file; it carries what the checks learnt (kind, size, dimensions), so
    the form and the engine can judge it like a stored input before anything is written.
    """

    path: Path
    extension: str
    asset: Asset


# What a generation takes as input: a stored asset, or an upload that is stored only once all is well.
InputFile = Asset | CheckedUpload


def input_asset(item: InputFile) -> Asset:
    """The asset an input stands for (unsaved while it is a checked upload)."""
    return item.asset if isinstance(item, CheckedUpload) else item


def start_generation(
    *,
    project: Project,
    user: User,
    kind: str,
    model: str,
    prompt: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, Sequence[InputFile]] | None = None,
    parent: Generation | None = None,
) -> Generation:
    """Records a generation with everything needed to run it, then queues its submit after commit.

    Every rule is checked before anything is written: a refused request leaves no file and no row.
    Raises ProjectArchived or GenerationRuleError. Side effects: the checked uploads stored as input
    assets, a Generation row, its input links and first event, and a submit task.
    """
    if project.is_archived:
        raise ProjectArchived(
            _("This project is archived, so nothing new can be made in it. Unarchive it first.")
        )
    spec = KINDS[kind]
    given = inputs or {}
    rules = spec.input_rules()
    for role, rule in rules.items():
        count = len(given.get(role, ()))
        if not rule.minimum <= count <= rule.maximum:
            raise GenerationRuleError(
                _("This kind needs between %(min)d and %(max)d files as %(role)s.")
                % {"min": rule.minimum, "max": rule.maximum, "role": role}
            )
    for role, items in given.items():
        for asset in map(input_asset, items):
            if asset.team_id != project.team_id:
                raise GenerationRuleError(_("An input belongs to another team."))
            if role in rules and asset.kind not in rules[role].media:
                raise GenerationRuleError(
                    _("A %(kind)s cannot be used as %(role)s here.")
                    % {"kind": asset.get_kind_display().lower(), "role": role}
                )
    if parent is None and spec.parent_role:
        parent = _parent_of(project, [input_asset(item) for item in given.get(spec.parent_role, ())])
    # Files go to storage before the transaction (no network call inside one) and away again if it fails.
    uploads = [item for items in given.values() for item in items if isinstance(item, CheckedUpload)]
    for upload in uploads:
        _store_file(upload)
    try:
        return _record_generation(
            project=project,
            user=user,
            kind=kind,
            model=model,
            prompt=prompt,
            params=params,
            inputs={role: [input_asset(item) for item in items] for role, items in given.items()},
            parent=parent,
        )
    except BaseException:
        for upload in uploads:
            _delete_files(upload.asset)
        raise


def _record_generation(
    *,
    project: Project,
    user: User,
    kind: str,
    model: str,
    prompt: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, Sequence[Asset]],
    parent: Generation | None,
) -> Generation:
    with transaction.atomic():
        for asset in (asset for assets in inputs.values() for asset in assets):
            if asset.pk is None:
                asset.save()
        generation = Generation.objects.create(
            team_id=project.team_id,
            project=project,
            created_by=user,
            parent=parent,
            kind=kind,
            model=model,
            prompt=prompt,
            params=dict(params),
            search_text=Generation.build_search_text(prompt),
        )
        # Costs: the estimate is held against every budget in this same transaction; a refusal saves nothing.
        try:
            reserve_cost(generation=generation)
        except CostRefused as exc:
            raise GenerationRuleError(str(exc)) from exc
        GenerationInput.objects.bulk_create(
            GenerationInput(generation=generation, asset=asset, role=role, position=position)
            for role, assets in inputs.items()
            for position, asset in enumerate(assets)
        )
        GenerationEvent.objects.create(
            generation=generation,
            kind=GenerationEvent.Kind.STATUS,
            status_to=Status.QUEUED,
            message=_("Queued by %(user)s.") % {"user": user.name},
        )
        enqueue.submit(generation)
    return generation


def _parent_of(project: Project, assets: Sequence[Asset]) -> Generation | None:
    """The generation an earlier result used as input came from, in any project of the team."""
    for asset in assets:
        if asset.generation_id and asset.team_id == project.team_id:
            return Generation.objects.filter(pk=asset.generation_id, team_id=project.team_id).first()
    return None


@contextmanager
def upload_scratch() -> Iterator[Path]:
    """A scratch folder under MEDIA_WORK_DIR for checking uploads, removed on every way out."""
    scratch = work_dir()
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def check_upload(
    *,
    project: Project,
    user: User,
    upload: UploadedFile[Any],
    allowed: set[MediaKind],
    scratch: Path,
    max_bytes: int | None = None,
    max_duration: float | None = None,
) -> CheckedUpload:
    """Validates an uploaded file from its bytes, in scratch space only; stores nothing.

    Raises MediaError with a user-readable message when the file is not what it claims, too big, too
    long, or a decompression bomb. Side effects: a file in `scratch` (the caller's to remove).
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise MediaError(
            _("The file is larger than the %(mb)d MB limit.") % {"mb": limit // 1_000_000}, code="too_large"
        )
    path = scratch / f"upload-{uuid.uuid4().hex}.bin"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            digest.update(chunk)
            handle.write(chunk)
    probe = validate_upload(
        path,
        allowed=allowed,
        max_bytes=limit,
        max_pixels=settings.IMAGE_MAX_PIXELS,
        max_duration=max_duration,
    )
    asset = Asset(
        team_id=project.team_id,
        project=project,
        created_by=user,
        role=Asset.Role.INPUT,
        kind=probe.kind.value,
        original_name=(upload.name or "")[:255],
        mime_type=probe.mime,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
        width=probe.width,
        height=probe.height,
        duration=probe.duration,
    )
    return CheckedUpload(path=path, extension=probe.extension, asset=asset)


def _store_file(upload: CheckedUpload) -> None:
    """Writes a checked upload's file and preview to storage (the row is saved with the generation)."""
    with upload.path.open("rb") as handle:
        upload.asset.file.save(f"input.{upload.extension}", File(handle), save=False)
    attach_previews(upload.asset, upload.path)


def _delete_files(asset: Asset) -> None:
    for field in (asset.file, asset.thumbnail, asset.poster):
        if field:
            try:
                field.delete(save=False)
            except OSError:
                logger.warning("Could not remove %s after a refused request", field.name, exc_info=True)


def save_upload(upload: CheckedUpload) -> Asset:
    """Stores a checked upload as an input asset of its project. Side effects: files in storage, a row."""
    _store_file(upload)
    try:
        upload.asset.save()
    except BaseException:
        _delete_files(upload.asset)
        raise
    return upload.asset


def store_upload(
    *,
    project: Project,
    user: User,
    upload: UploadedFile[Any],
    allowed: set[MediaKind],
    max_bytes: int | None = None,
    max_duration: float | None = None,
) -> Asset:
    """Validates an uploaded file from its bytes and stores it as an input asset of the project.

    Raises MediaError like `check_upload`. Side effects: a file (and thumbnail or poster) in storage,
    an Asset row.
    """
    with upload_scratch() as scratch:
        checked = check_upload(
            project=project,
            user=user,
            upload=upload,
            allowed=allowed,
            scratch=scratch,
            max_bytes=max_bytes,
            max_duration=max_duration,
        )
        return save_upload(checked)


def cancel_generation(*, generation: Generation, user: User) -> bool:
    """Stops following a generation (the gateway has no cancel; a late result is no longer fetched)."""
    return generation.cancel(by=user)


def retry_generation(*, generation: Generation, user: User) -> Generation:
    """Starts a new generation with the same kind, model, prompt, parameters and inputs."""
    if not generation.can_retry:
        raise GenerationRuleError(_("Only a failed, canceled or timed-out generation can be retried."))
    inputs: dict[str, list[Asset]] = {}
    for link in generation.inputs.select_related("asset").order_by("role", "position"):
        inputs.setdefault(link.role, []).append(link.asset)
    params = {key: value for key, value in generation.params.items() if key != "refetched_after_expiry"}
    params["retry_of"] = generation.pk
    return start_generation(
        project=generation.project,
        user=user,
        kind=generation.kind,
        model=generation.model,
        prompt=generation.prompt,
        params=params,
        inputs=inputs,
        parent=generation.parent,
    )


def gateway_rest_until(team: Team) -> datetime | None:
    """When the team's gateway may be asked again, if it answered 429 or 5xx and asked to wait; reads only."""
    resting = gateway.resting_until(team)
    return datetime.fromtimestamp(resting, tz=UTC) if resting else None


def check_generation_now(*, generation: Generation) -> bool:
    """Asks the poller to check this generation on its next tick.

    An outcome-unknown generation whose task the gateway can find is looked for at once instead (one
    gateway read; followed from here if found).
    """
    if generation.can_search_again:
        return recovery.search_for_task(generation, now=timezone.now(), is_asked=True)
    if not generation.can_check_now:
        return False
    return poller.check_now(generation)


def press_midjourney_button(
    *,
    generation: Generation,
    user: User,
    custom_id: str,
    prompt: str = "",
    mask: InputFile | None = None,
) -> Generation:
    """Starts the child generation a Midjourney result's button asks for (U/V, reroll, zoom, pan…).

    Describe's numbered buttons imagine that prompt and its 🔄 describes the image again (the gateway has
    no action for them); the bookmark is `bookmark_generation`. Other unknown buttons are refused.
    """
    stored = {button["custom_id"]: button for button in generation.buttons}
    button = (
        mj_buttons.classify(custom_id, emoji=str(stored[custom_id].get("emoji") or ""))
        if custom_id in stored
        else None
    )
    if generation.status != Status.SUCCEEDED or button is None or not button.makes_child:
        raise GenerationRuleError(_("This button is not available on this result."))
    if button.action == mj_buttons.Action.IMAGINE_PROMPT:
        prompts = mj_buttons.numbered_prompts(generation.result_text)
        if not 1 <= button.index <= len(prompts):
            raise GenerationRuleError(_("This result has no prompt %(number)d.") % {"number": button.index})
        return start_generation(
            project=generation.project,
            user=user,
            kind=midjourney.button_kind(button.action),
            model=generation.model,
            prompt=prompts[button.index - 1],
            params={"label": button.label},
            parent=generation,
        )
    if button.action == mj_buttons.Action.DESCRIBE_AGAIN:
        inputs: dict[str, list[Asset]] = {}
        for link in generation.inputs.select_related("asset").order_by("role", "position"):
            inputs.setdefault(link.role, []).append(link.asset)
        return start_generation(
            project=generation.project,
            user=user,
            kind=midjourney.button_kind(button.action),
            model=generation.model,
            prompt="",
            params={"label": button.label},
            inputs=inputs,
            parent=generation,
        )
    if button.needs_mask and mask is None:
        raise GenerationRuleError(_("Draw the region to vary on the image first."))
    # The chain keeps the prompt the person typed: a modal sends what was typed in it, and every other
    # button carries its parent's prompt on, so a later Custom Zoom starts from it.
    typed = prompt if button.needs_prompt else ""
    return start_generation(
        project=generation.project,
        user=user,
        kind=midjourney.button_kind(button.action),
        model=generation.model,
        prompt=typed or generation.prompt,
        params={
            "source_task_id": generation.upstream_task_id,
            "custom_id": custom_id,
            "label": button.label,
        },
        inputs={"mask": [mask]} if mask else None,
        parent=generation,
    )


def bookmark_generation(*, generation: Generation, user: User) -> bool:
    """Midjourney's bookmark button: stars the result for this user; returns whether it was new."""
    if generation.status != Status.SUCCEEDED:
        raise GenerationRuleError(_("This button is not available on this result."))
    _favourite, created = Favourite.objects.get_or_create(user=user, generation=generation)
    return created


def remix_sora_video(*, generation: Generation, user: User, prompt: str) -> Generation:
    """Starts a Sora2 remix of a finished Sora video, as its child."""
    if not generation.can_remix:
        raise GenerationRuleError(_("Only a finished Sora2 video can be remixed."))
    return start_generation(
        project=generation.project,
        user=user,
        kind=generation.spec.remix_kind,
        model=generation.model,
        prompt=prompt,
        # The gateway bills a remix like its parent video: the parent's seconds and size price it.
        params={
            "source_task_id": generation.upstream_task_id,
            **{key: generation.params[key] for key in ("seconds", "size") if generation.params.get(key)},
        },
        parent=generation,
    )


def create_sora_character(
    *,
    generation: Generation,
    user: User,
    name: str,
    timestamps: str = "1,3",
    real_person: bool = False,
    clip: InputFile | None = None,
    clip_url: str = "",
) -> Generation:
    """Starts making a Sora2 character for the project's character library, as the video's child.

    The character is taken from `clip` (a project video or a checked upload, sent as the clip), from
    `clip_url`, or else from the finished Sora video itself; a real person needs a clip or its URL.
    """
    if not generation.can_remix:
        raise GenerationRuleError(_("Characters are made from a finished Sora2 video."))
    if clip is not None and clip_url:
        raise GenerationRuleError(_("Give one clip only: a video of the project, an upload, or an address."))
    if real_person and clip is None and not clip_url:
        raise GenerationRuleError(
            _("A real person's character needs a clip of them: a video, an upload or its address.")
        )
    return start_generation(
        project=generation.project,
        user=user,
        kind=generation.spec.character_kind,
        model="sora-2-character-real" if real_person else "sora-2-character",
        prompt="",
        params={
            "source_task_id": generation.upstream_task_id,
            "timestamps": timestamps,
            "name": name,
            "real_person": real_person,
            "clip_url": clip_url,
        },
        inputs={"clip": [clip]} if clip is not None else None,
        parent=generation,
    )
