"""Use cases of the generation engine that views call: start, upload inputs, cancel, retry, check now,
press a Midjourney button, remix a Sora video, make a Sora character."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from studio.accounts.models import User
from studio.costs.services import CostRefused, reserve_cost
from studio.generations import polling
from studio.generations.ingest import attach_previews, work_dir
from studio.generations.kinds import KINDS
from studio.generations.media import MediaError, MediaKind, validate_upload
from studio.generations.models import (
    POLLED,
    Asset,
    Generation,
    GenerationEvent,
    GenerationInput,
    Kind,
    Status,
)
from studio.generations.tasks import enqueue_submit
from studio.projects.models import Project


class GenerationRuleError(Exception):
    """A request the engine refuses; the message is shown to the user as it is."""


def start_generation(
    *,
    project: Project,
    user: User,
    kind: str,
    model: str,
    prompt: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, Sequence[Asset]] | None = None,
    parent: Generation | None = None,
) -> Generation:
    """Records a generation with everything needed to run it, then queues its submit after commit.

    Side effects: a Generation row, its input links and first event, and a submit task.
    """
    spec = KINDS[kind]
    inputs = inputs or {}
    rules = spec.input_rules()
    for role, rule in rules.items():
        count = len(inputs.get(role, ()))
        if not rule.minimum <= count <= rule.maximum:
            raise GenerationRuleError(
                _("This kind needs between %(min)d and %(max)d files as %(role)s.")
                % {"min": rule.minimum, "max": rule.maximum, "role": role}
            )
    for role, assets in inputs.items():
        for asset in assets:
            if asset.team_id != project.team_id:
                raise GenerationRuleError(_("An input belongs to another team."))
            if role in rules and asset.kind not in rules[role].media:
                raise GenerationRuleError(
                    _("A %(kind)s cannot be used as %(role)s here.")
                    % {"kind": asset.get_kind_display().lower(), "role": role}
                )
    if parent is None and spec.parent_role:
        parent = _parent_of(project, inputs.get(spec.parent_role, ()))
    with transaction.atomic():
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
        enqueue_submit(generation)
    return generation


def _parent_of(project: Project, assets: Sequence[Asset]) -> Generation | None:
    """The generation an earlier result used as input came from, when it is in the same project."""
    for asset in assets:
        if asset.generation_id and asset.project_id == project.pk:
            return Generation.objects.filter(pk=asset.generation_id).first()
    return None


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

    Raises MediaError with a user-readable message when the file is not what it claims, too big, too
    long, or a decompression bomb. Side effects: a file (and thumbnail or poster) in storage, an Asset row.
    """
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise MediaError(
            _("The file is larger than the %(mb)d MB limit.") % {"mb": limit // 1_000_000}, code="too_large"
        )
    work = work_dir()
    try:
        path = work / "upload.bin"
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
        with path.open("rb") as handle:
            asset.file.save(f"input.{probe.extension}", File(handle), save=False)
        attach_previews(asset, path)
        asset.save()
        return asset
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cancel_generation(*, generation: Generation, user: User) -> bool:
    """Stops following a generation (the gateway has no cancel; a late result is no longer fetched)."""
    allowed = [Status.QUEUED, Status.SUBMITTED, Status.RUNNING, Status.TIMED_OUT]
    if KINDS[generation.kind].is_sync:
        # Nothing else will ever write to a sync generation but its own run, which a cancel stops.
        allowed.append(Status.SUBMITTING)
    return generation.transition(
        Status.CANCELED,
        allowed_from=allowed,
        message=_("Canceled by %(user)s.") % {"user": user.name},
        next_poll_at=None,
        claim_token=None,
    )


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


def check_generation_now(*, generation: Generation) -> bool:
    """Asks the poller to check this generation on its next tick."""
    if generation.status not in POLLED or KINDS[generation.kind].is_sync:
        return False
    return polling.check_now(generation)


def press_midjourney_button(
    *,
    generation: Generation,
    user: User,
    custom_id: str,
    prompt: str = "",
    mask: Asset | None = None,
) -> Generation:
    """Starts the child generation a Midjourney result's button asks for (U/V, reroll, zoom, pan…)."""
    buttons = {button["custom_id"]: button for button in generation.buttons}
    if generation.status != Status.SUCCEEDED or custom_id not in buttons:
        raise GenerationRuleError(_("This button is not available on this result."))
    button = buttons[custom_id]
    if "Inpaint" in custom_id and mask is None:
        raise GenerationRuleError(_("Draw the region to vary on the image first."))
    return start_generation(
        project=generation.project,
        user=user,
        kind=Kind.MJ_ACTION,
        model=generation.model,
        prompt=prompt,
        params={
            "source_task_id": generation.upstream_task_id,
            "custom_id": custom_id,
            "label": button.get("label") or button.get("emoji") or "",
        },
        inputs={"mask": [mask]} if mask else None,
        parent=generation,
    )


def remix_sora_video(*, generation: Generation, user: User, prompt: str) -> Generation:
    """Starts a Sora2 remix of a finished Sora video, as its child."""
    if generation.kind not in {Kind.SORA2_VIDEO, Kind.SORA2_REMIX} or generation.status != Status.SUCCEEDED:
        raise GenerationRuleError(_("Only a finished Sora2 video can be remixed."))
    return start_generation(
        project=generation.project,
        user=user,
        kind=Kind.SORA2_REMIX,
        model=generation.model,
        prompt=prompt,
        params={"source_task_id": generation.upstream_task_id},
        parent=generation,
    )


def create_sora_character(
    *, generation: Generation, user: User, name: str, timestamps: str = "1,3", real_person: bool = False
) -> Generation:
    """Starts making a Sora2 character from a finished Sora video, for the project's character library."""
    if generation.kind not in {Kind.SORA2_VIDEO, Kind.SORA2_REMIX} or generation.status != Status.SUCCEEDED:
        raise GenerationRuleError(_("Characters are made from a finished Sora2 video."))
    return start_generation(
        project=generation.project,
        user=user,
        kind=Kind.SORA2_CHARACTER,
        model="sora-2-character-real" if real_person else "sora-2-character",
        prompt="",
        params={
            "source_task_id": generation.upstream_task_id,
            "timestamps": timestamps,
            "name": name,
            "real_person": real_person,
        },
        parent=generation,
    )
