"""The family forms take their modes and input counts from the kinds' specs, and every sync kind's spec
names a runner the engine has."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from studio.generations.engine.run import RUNNERS
from studio.generations.forms import FORMS
from studio.generations.forms._base import image_count_error
from studio.generations.forms.midjourney import MidjourneyForm
from studio.generations.kinds import KINDS, Kind


def png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("family", sorted(FORMS))
def test_family_form_modes_are_the_kinds_whose_spec_names_the_family(family: str) -> None:
    made_here = [kind for kind, spec in KINDS.items() if spec.form_family == family]

    assert FORMS[family]().kinds() == made_here


@pytest.mark.parametrize("kind", sorted(kind for kind, spec in KINDS.items() if spec.is_sync))
def test_every_sync_kind_names_a_runner_the_engine_has(kind: str) -> None:
    assert KINDS[kind].runner in RUNNERS


@pytest.mark.parametrize("kind", sorted(kind for kind, spec in KINDS.items() if not spec.is_sync))
def test_every_task_kind_has_a_submitter_and_no_runner(kind: str) -> None:
    assert KINDS[kind].submit is not None
    assert not KINDS[kind].runner


@pytest.mark.parametrize(
    ("count", "minimum", "maximum", "message"),
    [
        (0, 1, 1, "Give exactly one image; you gave 0."),
        (3, 2, 2, "Give exactly 2 images; you gave 3."),
        (6, 0, 5, "Give at most 5 images; you gave 6."),
        (1, 2, 5, "Give 2 to 5 images; you gave 1."),
    ],
)
def test_image_count_error_names_the_range(count: int, minimum: int, maximum: int, message: str) -> None:
    assert image_count_error(count, minimum, maximum) == message


@pytest.mark.parametrize(
    ("kind", "count"),
    [(Kind.MJ_BLEND, 1), (Kind.MJ_BLEND, 6), (Kind.MJ_DESCRIBE, 2), (Kind.MJ_IMAGINE, 6)],
)
def test_midjourney_form_refuses_counts_outside_the_specs_range(kind: str, count: int) -> None:
    low, high = KINDS[kind].image_range("source" if "source" in KINDS[kind].image_inputs else "reference")
    data = {"model": "midjourney", "mode": kind, "prompt": "a castle", "dimensions": "SQUARE"}
    files = {"images": [png(f"{number}.png") for number in range(count)]}

    form = MidjourneyForm(data, files)

    assert not form.is_valid()
    assert form.errors["images"] == [image_count_error(count, low, high)]


@pytest.mark.parametrize(("kind", "count"), [(Kind.MJ_BLEND, 2), (Kind.MJ_BLEND, 5), (Kind.MJ_DESCRIBE, 1)])
def test_midjourney_form_takes_counts_inside_the_specs_range(kind: str, count: int) -> None:
    data = {"model": "midjourney", "mode": kind, "prompt": "", "dimensions": "SQUARE"}
    files = {"images": [png(f"{number}.png") for number in range(count)]}

    form = MidjourneyForm(data, files)

    assert form.is_valid(), form.errors
    assert form.kind == kind
    assert list(form.image_roles()) == list(KINDS[kind].image_inputs)
