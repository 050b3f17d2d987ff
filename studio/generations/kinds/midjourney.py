"""Midjourney: imagine, its buttons, blend, describe, shorten and face swap, polled in batches."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    MIDJOURNEY_MODELS,
    MIDJOURNEY_STALL,
    Family,
    InputOffer,
    Kind,
    KindSpec,
    midjourney,
    midjourney_button,
)
from studio.generations.kinds._payload import (
    Inputs,
    Recorder,
    Submitted,
    SubmittedGeneration,
    Submitter,
    asset_data_url,
    redact,
)
from studio.generations.mj_buttons import Action
from studio.upstream import Capability, GatewayClient

_NOTIFY_SALT = "studio.generations.midjourney.notify"
_STATE_SALT = "studio.generations.midjourney.state"


def notify_token(generation_pk: int) -> str:
    """The unguessable token in the `notifyHook` URL of a generation: derived from the secret key."""
    return salted_hmac(_NOTIFY_SALT, str(generation_pk), algorithm="sha256").hexdigest()


def is_notify_token(generation_pk: int, token: str) -> bool:
    return constant_time_compare(notify_token(generation_pk), token)


def task_state(generation_pk: int) -> str:
    """The `state` sent with a submit, echoed on the task: finds the task when its answer was lost."""
    digest = salted_hmac(_STATE_SALT, str(generation_pk), algorithm="sha256").hexdigest()[:16]
    return f"aitre-{generation_pk}-{digest}"


def _hooks(generation: SubmittedGeneration) -> dict[str, str]:
    """`notifyHook` and `state` for a submit body (many gateways strip the hook; polling still works)."""
    path = reverse("midjourney_notify", args=[generation.pk, notify_token(generation.pk)])
    return {"notifyHook": f"{settings.SITE_URL}{path}", "state": task_state(generation.pk)}


def _recorded_hooks(generation: SubmittedGeneration) -> dict[str, str]:
    """The hooks as the request record keeps them: the token is a secret, so it is left out."""
    path = reverse("midjourney_notify", args=[generation.pk, "TOKEN"])
    return {"notifyHook": f"{settings.SITE_URL}{path}", "state": task_state(generation.pk)}


def _from_midjourney(submission: Any) -> Submitted:
    return Submitted(task_id=submission.task_id, request_id=submission.request_id, raw=submission.raw)


def submit_mj_imagine(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    images = [asset_data_url(asset) for asset in inputs.get("reference", ())]
    body = {"prompt": generation.prompt, "base64Array": images, **_recorded_hooks(generation)}
    record({"method": "POST", "path": "/mj/submit/imagine", "body": redact(body)})
    return _from_midjourney(
        client.midjourney.imagine(prompt=generation.prompt, images=images, **_hooks(generation))
    )


def submit_mj_action(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    params = generation.params
    body = {"taskId": params["source_task_id"], "customId": params["custom_id"]}
    record({"method": "POST", "path": "/mj/submit/action", "body": body | _recorded_hooks(generation)})
    hooks = _hooks(generation)
    submission = client.midjourney.action(
        task_id=body["taskId"],
        custom_id=body["customId"],
        state=hooks["state"],
        notifyHook=hooks["notifyHook"],
    )
    if not submission.is_waiting_for_modal:
        return _from_midjourney(submission)
    # Vary (region) and custom zoom open a modal: the mask and prompt go in a second call.
    masks = [asset_data_url(asset) for asset in inputs.get("mask", ())]
    modal_body = {
        "taskId": submission.task_id,
        "prompt": generation.prompt or None,
        "maskBase64": masks[0] if masks else None,
    }
    record({"method": "POST", "path": "/mj/submit/modal", "body": redact(modal_body)})
    modal = client.midjourney.modal(
        task_id=submission.task_id,
        prompt=modal_body["prompt"],
        mask_base64=modal_body["maskBase64"],
        notifyHook=_hooks(generation)["notifyHook"],
    )
    return Submitted(
        task_id=modal.task_id,
        request_id=modal.request_id,
        raw=modal.raw,
        notes=("The button opened a modal; the prompt and mask were sent with it.",),
    )


def submit_mj_blend(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    images = [asset_data_url(asset) for asset in inputs.get("source", ())]
    dimensions = generation.params.get("dimensions") or None
    record(
        {
            "method": "POST",
            "path": "/mj/submit/blend",
            "body": redact({"base64Array": images, "dimensions": dimensions, **_recorded_hooks(generation)}),
        }
    )
    return _from_midjourney(
        client.midjourney.blend(images=images, dimensions=dimensions, **_hooks(generation))
    )


def submit_mj_describe(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    image = asset_data_url(inputs["source"][0])
    body = {"base64": image, **_recorded_hooks(generation)}
    record({"method": "POST", "path": "/mj/submit/describe", "body": redact(body)})
    return _from_midjourney(client.midjourney.describe(image=image, **_hooks(generation)))


def submit_mj_shorten(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    body = {"prompt": generation.prompt, **_recorded_hooks(generation)}
    record({"method": "POST", "path": "/mj/submit/shorten", "body": body})
    return _from_midjourney(client.midjourney.shorten(prompt=generation.prompt, **_hooks(generation)))


def submit_mj_swap_face(
    client: GatewayClient, generation: SubmittedGeneration, inputs: Inputs, record: Recorder
) -> Submitted:
    source = asset_data_url(inputs["face"][0])
    target = asset_data_url(inputs["target"][0])
    record(
        {
            "method": "POST",
            "path": "/mj/insight-face/swap",
            "body": redact({"sourceBase64": source, "targetBase64": target, **_recorded_hooks(generation)}),
        }
    )
    return _from_midjourney(
        client.midjourney.swap_face(source_image=source, target_image=target, **_hooks(generation))
    )


def _midjourney(kind: Kind, label: str | Promise, submit: Submitter, **facts: Any) -> KindSpec:
    """A Midjourney kind: no model sent, polled in batches, priced under the action's own name."""
    facts.setdefault("model_pattern", MIDJOURNEY_MODELS)
    facts.setdefault("price_basis", midjourney(kind.value))
    return KindSpec(
        kind,
        label,
        Family.MIDJOURNEY,
        Capability.MIDJOURNEY,
        facts.pop("default_model", "midjourney"),
        MIDJOURNEY_STALL,
        submit=submit,
        **facts,
    )


MJ_IMAGINE = _midjourney(
    Kind.MJ_IMAGINE,
    _("Midjourney: imagine"),
    submit_mj_imagine,
    image_inputs={"reference": (0, 5)},
    form_family="midjourney",
    mode_label=_("Imagine: a 2×2 grid from a prompt"),
    input_offer=InputOffer(IMAGE, _("Use it in Midjourney"), sets_mode=False),
)
MJ_ACTION = _midjourney(
    Kind.MJ_ACTION,
    _("Midjourney: button"),
    submit_mj_action,
    needs_prompt=False,
    is_child_only=True,
    price_basis=midjourney_button,
)
MJ_BLEND = _midjourney(
    Kind.MJ_BLEND,
    _("Midjourney: blend"),
    submit_mj_blend,
    image_inputs={"source": (2, 5)},
    needs_prompt=False,
    form_family="midjourney",
    mode_label=_("Blend 2–5 images"),
)
MJ_DESCRIBE = _midjourney(
    Kind.MJ_DESCRIBE,
    _("Midjourney: describe"),
    submit_mj_describe,
    image_inputs={"source": (1, 1)},
    needs_prompt=False,
    form_family="midjourney",
    mode_label=_("Describe an image (image → prompts)"),
    has_text_result=True,
)
MJ_SHORTEN = _midjourney(
    Kind.MJ_SHORTEN,
    _("Midjourney: shorten"),
    submit_mj_shorten,
    form_family="midjourney",
    mode_label=_("Shorten a prompt"),
    has_text_result=True,
)
MJ_SWAP_FACE = _midjourney(
    Kind.MJ_SWAP_FACE,
    _("Midjourney: face swap"),
    submit_mj_swap_face,
    default_model="swap_face",
    image_inputs={"face": (1, 1), "target": (1, 1)},
    needs_prompt=False,
    model_pattern=r"swap_face",
    price_basis=midjourney("swap_face"),
    form_family="midjourney",
    mode_label=_("Swap a face"),
)
SPECS = (MJ_IMAGINE, MJ_ACTION, MJ_BLEND, MJ_DESCRIBE, MJ_SHORTEN, MJ_SWAP_FACE)


def button_kind(action: Action) -> Kind:
    """The kind a pressed button starts: describe's numbered prompts imagine, its 🔄 describes again."""
    if action == Action.IMAGINE_PROMPT:
        return MJ_IMAGINE.kind
    if action == Action.DESCRIBE_AGAIN:
        return MJ_DESCRIBE.kind
    return MJ_ACTION.kind
