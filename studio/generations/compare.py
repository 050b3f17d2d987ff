"""Comparisons: one prompt (and its inputs) sent to several models or parameter values at once, kept as a
group, and re-run with a change into the same group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from studio.accounts.models import User
from studio.generations import services
from studio.generations.models import Asset, CompareGroup, Generation
from studio.generations.services import CheckedUpload, GenerationRuleError, InputFile
from studio.projects.models import Project

MIN_VARIANTS = 2
MAX_VARIANTS = 6


@dataclass(frozen=True)
class Variant:
    """One generation of a comparison: what it is sent to and with which parameters."""

    kind: str
    model: str
    prompt: str
    params: Mapping[str, Any]
    label: str


class ComparisonRefused(GenerationRuleError):
    """No generation of the comparison was started; the message says why."""


def start_comparison(
    *,
    project: Project,
    user: User,
    variants: Sequence[Variant],
    inputs: Mapping[str, Sequence[InputFile]] | None = None,
    varies: str = "model",
) -> CompareGroup:
    """Starts every variant in one transaction, as one group: all of them or, when one is refused (a
    budget, a rule), none. Raises ComparisonRefused.

    Side effects: the uploads stored once as input assets shared by the variants (removed again on a
    refusal), a CompareGroup row, and per variant what `start_generation` writes and queues.
    """
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        raise ComparisonRefused(
            _("A comparison has between %(min)d and %(max)d variants; this one has %(count)d.")
            % {"min": MIN_VARIANTS, "max": MAX_VARIANTS, "count": len(variants)}
        )
    given = inputs or {}
    # Files go to storage once, before the transaction (no network call inside one).
    saved = [
        services.save_upload(item)
        for items in given.values()
        for item in items
        if isinstance(item, CheckedUpload)
    ]
    stored = {role: [services.input_asset(item) for item in items] for role, items in given.items()}
    try:
        with transaction.atomic():
            group = CompareGroup.objects.create(
                team_id=project.team_id, project=project, created_by=user, varies=varies[:40]
            )
            for variant in variants:
                generation = services.start_generation(
                    project=project,
                    user=user,
                    kind=variant.kind,
                    model=variant.model,
                    prompt=variant.prompt,
                    params=variant.params,
                    inputs=stored,
                )
                Generation.objects.filter(pk=generation.pk).update(compare_group=group)
    except GenerationRuleError as exc:
        _remove_assets(saved)
        raise ComparisonRefused(
            _("The comparison was not started (none of its %(count)d variants): %(reason)s")
            % {"count": len(variants), "reason": exc}
        ) from exc
    except BaseException:
        _remove_assets(saved)
        raise
    return group


def _remove_assets(assets: Sequence[Asset]) -> None:
    for asset in assets:
        for field in (asset.file, asset.thumbnail, asset.poster):
            if field:
                field.delete(save=False)
        if asset.pk is not None:
            asset.delete()


def join_group(*, generation: Generation, source: Generation, user: User) -> CompareGroup:
    """Puts a re-run with a change in its source's comparison, making one of the source alone if needed.

    Side effects: maybe a CompareGroup row; the group of the source and of the generation.
    """
    if source.team_id != generation.team_id or source.project_id != generation.project_id:
        raise ValueError("A comparison holds generations of one project.")
    with transaction.atomic():
        group = source.compare_group
        if group is None:
            group = CompareGroup.objects.create(
                team_id=source.team_id, project_id=source.project_id, created_by=user
            )
            Generation.objects.filter(pk=source.pk).update(compare_group=group)
        Generation.objects.filter(pk=generation.pk).update(compare_group=group)
    generation.compare_group = group
    return group


# Parameters recorded under another name than the form field that sets them.
FIELD_OF_PARAM: dict[str, str] = {"n": "count"}


def rerun_initial(source: Generation) -> dict[str, Any]:
    """The form's initial data to make `source` again with a change: its model, prompt and parameters."""
    initial: dict[str, Any] = {}
    if isinstance(source.params, dict):
        initial.update(
            {FIELD_OF_PARAM.get(str(name), str(name)): value for name, value in source.params.items()}
        )
    initial.update({"model": source.model, "prompt": source.prompt})
    return initial
