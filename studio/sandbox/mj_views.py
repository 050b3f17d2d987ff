"""Midjourney endpoints under `/mj/` (and `/mj-fast/mj/`, `/mj-relax/mj/`, `/mj-turbo/mj/`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET, require_POST

from studio.sandbox import files, lifecycle, midjourney, notify
from studio.sandbox.faults import Faults
from studio.sandbox.gateway import GatewayCall, GatewayError, Surface, gateway_endpoint, json_response
from studio.sandbox.lifecycle import Stage
from studio.sandbox.midjourney import SubmitResult
from studio.sandbox.models import SandboxTask, TaskKind

Submitter = Callable[..., SubmitResult]


def _submit(request: HttpRequest, call: GatewayCall, submitter: Submitter) -> HttpResponseBase:
    body: Mapping[str, Any] = call.read_json(request)
    faults: Faults = call.faults
    result = submitter(owner=call.owner, body=body, faults=faults)
    hook = body.get("notifyHook")
    if isinstance(hook, str) and result.result:
        task = midjourney.find_task(call.owner, result.result)
        if task is not None:
            notify.schedule(task, hook)
    return json_response(result.payload())


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_imagine(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/imagine`: a grid for a prompt and optional reference images."""
    return _submit(request, call, midjourney.submit_imagine)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_blend(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/blend`: a grid blending 2-5 images."""
    return _submit(request, call, midjourney.submit_blend)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_describe(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/describe`: prompts for an image."""
    return _submit(request, call, midjourney.submit_describe)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_shorten(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/shorten`: shorter versions of a prompt."""
    return _submit(request, call, midjourney.submit_shorten)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_swap_face(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/insight-face/swap` (also `/mj/submit/swap_face`): a face swap."""
    return _submit(request, call, midjourney.submit_swap_face)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_modal(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/modal`: confirm a custom zoom or vary-region job waiting in MODAL."""
    return _submit(request, call, midjourney.submit_modal)


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def submit_action(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/submit/action`: press a button (`customId`) of a finished job."""
    body = call.read_json(request)
    result = midjourney.submit_action(owner=call.owner, body=body, faults=call.faults, request=request)
    return json_response(result.payload())


@require_GET
@gateway_endpoint(Surface.MIDJOURNEY)
def task_fetch(request: HttpRequest, call: GatewayCall, task_id: str) -> HttpResponseBase:
    """`GET /mj/task/{id}/fetch`: one task, or the gateway's `task_no_found`."""
    task = midjourney.find_task(call.owner, task_id)
    if task is None:
        raise GatewayError(400, "task_no_found", code=4)
    return json_response(midjourney.task_payload(request, task))


@require_POST
@gateway_endpoint(Surface.MIDJOURNEY)
def task_list_by_condition(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /mj/task/list-by-condition`: the caller's tasks among `ids`; unknown ids are left out.

    With no ids, a non-empty `state` condition lists the caller's tasks submitted with that state.
    """
    body = call.read_json(request)
    ids, state = body.get("ids"), body.get("state")
    if not ids and isinstance(state, str) and state:
        matching = (
            SandboxTask.objects.for_owner(call.owner)
            .of_kinds(TaskKind.MIDJOURNEY)
            .filter(params__state=state)
            .select_related("media", "parent")
            .order_by("pk")
        )
        return json_response([midjourney.task_payload(request, task) for task in matching])
    if not isinstance(ids, list):
        return json_response([])
    tasks = {
        task.public_id: task
        for task in SandboxTask.objects.for_owner(call.owner)
        .of_kinds(TaskKind.MIDJOURNEY)
        .filter(public_id__in=[str(item) for item in ids])
        .select_related("media", "parent")
    }
    found = [tasks[str(item)] for item in ids if str(item) in tasks]
    return json_response([midjourney.task_payload(request, task) for task in found])


@require_GET
@gateway_endpoint(Surface.MIDJOURNEY)
def task_image_seed(request: HttpRequest, call: GatewayCall, task_id: str) -> HttpResponseBase:
    """`GET /mj/task/{id}/image-seed`: the seed of a finished job."""
    task = midjourney.find_task(call.owner, task_id)
    if task is None:
        raise GatewayError(400, "task_not_found", code=3)
    return json_response(midjourney.image_seed(task))


@require_GET
@gateway_endpoint(Surface.MIDJOURNEY, is_public=True)
def task_image(request: HttpRequest, call: GatewayCall, task_id: str) -> HttpResponseBase:
    """`GET /mj/image/{id}`: a job's image, as new-api forwards it (no key needed)."""
    task = (
        SandboxTask.objects.filter(public_id=task_id, kind=TaskKind.MIDJOURNEY)
        .select_related("media")
        .first()
    )
    if task is None or task.media is None or lifecycle.observe(task).stage is not Stage.SUCCESS:
        return json_response({"error": "midjourney_task_not_found"}, status=400)
    return files.file_response(request, task.media.name, is_download=False)
