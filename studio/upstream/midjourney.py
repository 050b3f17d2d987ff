"""Midjourney through the gateway's midjourney-proxy ("plus") protocol on `/mj/...`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.upstream.errors import GatewayUnavailable, MalformedResponse, ProviderBusy, UpstreamError
from studio.upstream.payloads import as_int, as_mapping, as_text
from studio.upstream.tasks import TaskView, parse_midjourney_task
from studio.upstream.transport import (
    CallKind,
    GatewayHttp,
    GatewayResponse,
    classify_error,
    path_segment,
)

# Code 21 normally means "task already exists" and the gateway rewrites it to 1; for inpaint and
# custom zoom it stays 21 and means the new task waits in MODAL for `/mj/submit/modal`.
_SUCCESS_CODES = frozenset({1, 21, 22})
_MODAL_ACTION_PREFIXES = ("MJ::CustomZoom", "MJ::Inpaint")
_NOT_FOUND_WORDS = ("not found", "not_found", "no_found", "不存在")


@dataclass(frozen=True)
class MidjourneySubmission:
    """An accepted Midjourney submit; poll `task_id` with `fetch`."""

    task_id: str
    code: int
    description: str
    is_waiting_for_modal: bool
    queue_position: int | None
    request_id: str | None
    raw: Mapping[str, Any] = field(repr=False)


def parse_submission(
    payload: Mapping[str, Any], *, request_id: str | None, expects_modal: bool = False
) -> MidjourneySubmission:
    """Read a submit answer: success iff code is 1, 21 or 22 and `result` holds the task id."""
    code = as_int(payload.get("code"))
    description = as_text(payload.get("description"))
    properties = as_mapping(payload.get("properties"))
    task_id = as_text(payload.get("result"))
    if code in _SUCCESS_CODES and task_id:
        property_status = as_text(properties.get("status")).upper()
        is_modal = code == 21 and (
            property_status == "MODAL" or (expects_modal and property_status in ("", "MODAL"))
        )
        return MidjourneySubmission(
            task_id=task_id,
            code=code,
            description=description,
            is_waiting_for_modal=is_modal,
            queue_position=as_int(properties.get("numberOfQueues")),
            request_id=request_id,
            raw=payload,
        )
    raise _submission_error(code, description, properties, request_id)


def _submission_error(
    code: int | None,
    description: str,
    properties: Mapping[str, Any],
    request_id: str | None,
) -> UpstreamError:
    if code in _SUCCESS_CODES or code is None:
        return MalformedResponse(
            "The gateway accepted the Midjourney job but sent no task id.",
            gateway_message=description,
            request_id=request_id,
        )
    is_not_found = any(word in description.lower() for word in _NOT_FOUND_WORDS)
    if code == 3 and not is_not_found:
        return ProviderBusy(
            f"{ProviderBusy.default_message} Gateway said: {description}",
            gateway_message=description,
            request_id=request_id,
        )
    if code == 9:
        return GatewayUnavailable(
            f"{GatewayUnavailable.default_message} Gateway said: {description}",
            gateway_message=description,
            request_id=request_id,
            code="midjourney_unavailable",
        )
    return classify_error(
        status_code=None,
        gateway_message=description,
        midjourney_code=code,
        properties=properties,
        request_id=request_id,
    )


class MidjourneyAPI:
    """Midjourney submits and task reads under `/mj` (or `/<mode>/mj`)."""

    def __init__(self, http: GatewayHttp, *, prefix: str = "/mj") -> None:
        self._http = http
        self._prefix = prefix.rstrip("/")

    def _submit(
        self, path: str, body: Mapping[str, Any], *, expects_modal: bool = False
    ) -> MidjourneySubmission:
        payload_body = {key: value for key, value in body.items() if value is not None}
        response = self._http.request(
            "POST", f"{self._prefix}{path}", kind=CallKind.SUBMIT, json_body=payload_body
        )
        return parse_submission(
            response.json_object(), request_id=response.request_id, expects_modal=expects_modal
        )

    def imagine(
        self,
        *,
        prompt: str,
        images: Sequence[str] = (),
        bot_type: str | None = None,
        state: str | None = None,
        **extra: Any,
    ) -> MidjourneySubmission:
        """Submit an imagine job; `images` are reference data URLs (billed by the gateway)."""
        body = {
            "prompt": prompt,
            "base64Array": list(images),
            "botType": bot_type,
            "state": state,
            **extra,
        }
        return self._submit("/submit/imagine", body)

    def action(
        self,
        *,
        task_id: str,
        custom_id: str,
        choose_same_channel: bool | None = None,
        state: str | None = None,
        **extra: Any,
    ) -> MidjourneySubmission:
        """Press a button of a finished task (billed, except inpaint and custom zoom)."""
        body = {
            "taskId": task_id,
            "customId": custom_id,
            "chooseSameChannel": choose_same_channel,
            "state": state,
            **extra,
        }
        expects_modal = custom_id.startswith(_MODAL_ACTION_PREFIXES)
        return self._submit("/submit/action", body, expects_modal=expects_modal)

    def modal(
        self,
        *,
        task_id: str,
        prompt: str | None = None,
        mask_base64: str | None = None,
        **extra: Any,
    ) -> MidjourneySubmission:
        """Complete a task waiting in MODAL (inpaint mask or custom zoom prompt; billed)."""
        body = {"taskId": task_id, "prompt": prompt, "maskBase64": mask_base64, **extra}
        return self._submit("/submit/modal", body)

    def blend(
        self,
        *,
        images: Sequence[str],
        dimensions: str | None = None,
        bot_type: str | None = None,
        state: str | None = None,
        **extra: Any,
    ) -> MidjourneySubmission:
        """Submit a blend of 2 to 5 data-URL images (billed by the gateway)."""
        body = {
            "base64Array": list(images),
            "dimensions": dimensions,
            "botType": bot_type,
            "state": state,
            **extra,
        }
        return self._submit("/submit/blend", body)

    def describe(
        self, *, image: str, bot_type: str | None = None, state: str | None = None, **extra: Any
    ) -> MidjourneySubmission:
        """Submit a describe job for one data-URL image (billed by the gateway)."""
        body = {"base64": image, "botType": bot_type, "state": state, **extra}
        return self._submit("/submit/describe", body)

    def shorten(
        self, *, prompt: str, bot_type: str | None = None, state: str | None = None, **extra: Any
    ) -> MidjourneySubmission:
        """Submit a prompt analysis (shorten) job (billed by the gateway)."""
        body = {"prompt": prompt, "botType": bot_type, "state": state, **extra}
        return self._submit("/submit/shorten", body)

    def swap_face(
        self, *, source_image: str, target_image: str, state: str | None = None, **extra: Any
    ) -> MidjourneySubmission:
        """Submit a face swap of two data-URL images (billed by the gateway)."""
        body = {
            "sourceBase64": source_image,
            "targetBase64": target_image,
            "state": state,
            **extra,
        }
        return self._submit("/insight-face/swap", body)

    def fetch(self, task_id: str) -> TaskView:
        """Read one task's state; no side effects."""
        response = self._http.request("GET", f"{self._prefix}/task/{path_segment(task_id)}/fetch")
        return parse_midjourney_task(response.json_object(), request_id=response.request_id)

    def fetch_many(self, task_ids: Sequence[str]) -> tuple[TaskView, ...]:
        """Read many tasks in one call (`list-by-condition`); unknown ids are left out."""
        if not task_ids:
            return ()
        response = self._http.request(
            "POST", f"{self._prefix}/task/list-by-condition", json_body={"ids": list(task_ids)}
        )
        return _parse_task_list(response)

    def find_by_state(self, state: str) -> tuple[TaskView, ...]:
        """The caller's tasks submitted with this `state` (`list-by-condition`); no side effects.

        Gateways that only filter by id answer an empty list; tasks with another state are left out here
        too, whatever the gateway sends back.
        """
        response = self._http.request(
            "POST", f"{self._prefix}/task/list-by-condition", json_body={"ids": [], "state": state}
        )
        return tuple(view for view in _parse_task_list(response) if (view.raw or {}).get("state") == state)

    def image_seed(self, task_id: str) -> str:
        """Read the seed of a finished task's image; no side effects."""
        response = self._http.request("GET", f"{self._prefix}/task/{path_segment(task_id)}/image-seed")
        payload = response.json_object()
        seed = as_text(payload.get("result"))
        if as_int(payload.get("code")) == 1 and seed:
            return seed
        raise _submission_error(
            as_int(payload.get("code")),
            as_text(payload.get("description")),
            as_mapping(payload.get("properties")),
            response.request_id,
        )


def _parse_task_list(response: GatewayResponse) -> tuple[TaskView, ...]:
    payload = response.json()
    items = payload if isinstance(payload, list) else as_mapping(payload).get("data")
    if not isinstance(items, list):
        raise MalformedResponse("The gateway's task list is not a list.", request_id=response.request_id)
    return tuple(
        parse_midjourney_task(item, request_id=response.request_id)
        for item in items
        if isinstance(item, Mapping)
    )
