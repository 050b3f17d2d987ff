"""Midjourney submits, their codes, and task reads."""

from __future__ import annotations

import pytest

from studio.upstream import (
    BadRequest,
    BannedPrompt,
    GatewayUnavailable,
    MalformedResponse,
    QueueFull,
    QuotaExhausted,
    TaskNotFound,
    TaskStatus,
    UpstreamError,
)
from tests.upstream.fakes import FakeGateway, json_response
from tests.upstream.test_tasks import MIDJOURNEY_TASK


def submitted(code: int, result: str = "1756312355123456", **extra: object) -> dict[str, object]:
    return {"code": code, "description": "提交成功", "result": result, "properties": {}, **extra}


def test_imagine_posts_prompt_and_reads_task_id():
    gateway = FakeGateway(json_response(submitted(1)))

    submission = gateway.client().midjourney.imagine(
        prompt="a lighthouse in a storm --ar 16:9 --v 6.1", state="job-42"
    )

    assert gateway.last.url.path == "/sandbox/mj/submit/imagine"
    assert gateway.last_json() == {
        "prompt": "a lighthouse in a storm --ar 16:9 --v 6.1",
        "base64Array": [],
        "state": "job-42",
    }
    assert submission.task_id == "1756312355123456"
    assert submission.request_id is not None
    assert not submission.is_waiting_for_modal


def test_midjourney_code_22_is_success_with_queue_position():
    gateway = FakeGateway(
        json_response(
            {
                "code": 22,
                "description": "排队中，前面还有2个任务",
                "result": "1756312355123456",
                "properties": {"numberOfQueues": 2},
            }
        )
    )

    submission = gateway.client().midjourney.imagine(prompt="a cat")

    assert submission.task_id == "1756312355123456"
    assert submission.queue_position == 2


def test_midjourney_code_21_with_modal_is_success():
    gateway = FakeGateway(
        json_response(
            {
                "code": 21,
                "description": "窗口等待",
                "result": "1756312399000111",
                "properties": {"status": "MODAL"},
            }
        )
    )

    submission = gateway.client().midjourney.action(
        task_id="1756312355123456", custom_id="MJ::Inpaint::1::0f3c9a2e::SOLO"
    )

    assert submission.task_id == "1756312399000111"
    assert submission.is_waiting_for_modal


def test_midjourney_code_21_is_modal_for_custom_zoom_without_status_property():
    gateway = FakeGateway(json_response(submitted(21, "1756312399000111")))

    submission = gateway.client().midjourney.action(
        task_id="1756312355123456", custom_id="MJ::CustomZoom::0f3c9a2e"
    )

    assert submission.is_waiting_for_modal


def test_midjourney_code_21_is_not_modal_when_task_already_exists():
    gateway = FakeGateway(
        json_response(submitted(21, properties={"status": "SUCCESS", "imageUrl": "https://x.test/a.png"}))
    )

    submission = gateway.client().midjourney.action(
        task_id="1756312355123456", custom_id="MJ::JOB::upsample::2::0f3c9a2e"
    )

    assert submission.task_id == "1756312355123456"
    assert not submission.is_waiting_for_modal


def test_midjourney_code_23_is_queue_full_error():
    gateway = FakeGateway(json_response({"code": 23, "description": "队列已满，请稍后尝试"}))

    with pytest.raises(QueueFull) as caught:
        gateway.client().midjourney.imagine(prompt="a cat")

    assert caught.value.retryable is True
    assert caught.value.gateway_message == "队列已满，请稍后尝试"


def test_midjourney_code_3_without_a_missing_task_is_the_provider_busy():
    gateway = FakeGateway(json_response({"code": 3, "description": "无可用的账号实例"}))

    with pytest.raises(UpstreamError) as caught:
        gateway.client().midjourney.imagine(prompt="a cat")

    assert caught.value.code == "provider_busy"
    assert caught.value.is_capacity


def test_midjourney_code_24_is_banned_prompt_error():
    gateway = FakeGateway(
        json_response(
            {
                "code": 24,
                "description": "可能包含敏感词",
                "properties": {"promptEn": "a bloody scene", "bannedWord": "bloody"},
            }
        )
    )

    with pytest.raises(BannedPrompt) as caught:
        gateway.client().midjourney.imagine(prompt="a bloody scene")

    assert caught.value.banned_word == "bloody"
    assert caught.value.code == "banned_prompt"
    assert caught.value.retryable is False


def test_midjourney_success_code_without_result_is_malformed_response():
    gateway = FakeGateway(json_response(submitted(1, result="")))

    with pytest.raises(MalformedResponse):
        gateway.client().midjourney.imagine(prompt="a cat")


def test_midjourney_code_4_is_bad_request_with_description():
    gateway = FakeGateway(json_response({"code": 4, "description": "prompt_is_required"}))

    with pytest.raises(BadRequest) as caught:
        gateway.client().midjourney.imagine(prompt="")

    assert caught.value.gateway_message == "prompt_is_required"


def test_midjourney_code_3_without_account_is_gateway_unavailable():
    gateway = FakeGateway(json_response({"code": 3, "description": "无可用的账号实例"}))

    with pytest.raises(GatewayUnavailable):
        gateway.client().midjourney.imagine(prompt="a cat")


def test_error_description_trailing_space_is_stripped():
    gateway = FakeGateway(
        json_response({"description": "task_no_found ", "type": "upstream_error", "code": 4}, 400)
    )

    with pytest.raises(TaskNotFound) as caught:
        gateway.client().midjourney.fetch("1756312355123456")

    assert caught.value.gateway_message == "task_no_found"


def test_midjourney_quota_error_envelope_is_quota_exhausted():
    gateway = FakeGateway(
        json_response({"description": "quota_not_enough ", "type": "upstream_error", "code": 4}, 400)
    )

    with pytest.raises(QuotaExhausted):
        gateway.client().midjourney.imagine(prompt="a cat")


def test_midjourney_fetch_reads_task_view():
    gateway = FakeGateway(json_response(MIDJOURNEY_TASK))

    view = gateway.client().midjourney.fetch("1756312355123456")

    assert gateway.last.url.path == "/sandbox/mj/task/1756312355123456/fetch"
    assert gateway.last.method == "GET"
    assert view.status is TaskStatus.SUCCEEDED
    assert len(view.buttons) == 2


def test_midjourney_fetch_many_posts_ids_and_reads_array():
    second = {**MIDJOURNEY_TASK, "id": "1756312399000111", "status": "", "progress": "0%"}
    gateway = FakeGateway(json_response([MIDJOURNEY_TASK, second]))

    views = gateway.client().midjourney.fetch_many(["1756312355123456", "1756312399000111"])

    assert gateway.last.url.path == "/sandbox/mj/task/list-by-condition"
    assert gateway.last_json() == {"ids": ["1756312355123456", "1756312399000111"]}
    assert [view.status for view in views] == [TaskStatus.SUCCEEDED, TaskStatus.QUEUED]


def test_midjourney_fetch_many_sends_nothing_when_there_are_no_ids():
    gateway = FakeGateway(json_response([]))

    assert gateway.client().midjourney.fetch_many([]) == ()
    assert gateway.requests == []


def test_midjourney_action_posts_task_and_custom_id():
    gateway = FakeGateway(json_response(submitted(1)))

    gateway.client().midjourney.action(
        task_id="1756312355123456", custom_id="MJ::JOB::variation::3::0f3c9a2e"
    )

    assert gateway.last.url.path == "/sandbox/mj/submit/action"
    assert gateway.last_json() == {
        "taskId": "1756312355123456",
        "customId": "MJ::JOB::variation::3::0f3c9a2e",
    }


def test_midjourney_modal_posts_mask():
    gateway = FakeGateway(json_response(submitted(1)))

    gateway.client().midjourney.modal(
        task_id="1756312399000111", prompt="a red door", mask_base64="data:image/png;base64,AAAA"
    )

    assert gateway.last.url.path == "/sandbox/mj/submit/modal"
    assert gateway.last_json() == {
        "taskId": "1756312399000111",
        "prompt": "a red door",
        "maskBase64": "data:image/png;base64,AAAA",
    }


@pytest.mark.parametrize(
    ("method", "arguments", "path", "body"),
    [
        (
            "blend",
            {"images": ["data:image/png;base64,AA", "data:image/png;base64,BB"], "dimensions": "SQUARE"},
            "/sandbox/mj/submit/blend",
            {"base64Array": ["data:image/png;base64,AA", "data:image/png;base64,BB"], "dimensions": "SQUARE"},
        ),
        (
            "describe",
            {"image": "data:image/png;base64,AA"},
            "/sandbox/mj/submit/describe",
            {"base64": "data:image/png;base64,AA"},
        ),
        ("shorten", {"prompt": "a long prompt"}, "/sandbox/mj/submit/shorten", {"prompt": "a long prompt"}),
        (
            "swap_face",
            {"source_image": "data:image/png;base64,AA", "target_image": "data:image/png;base64,BB"},
            "/sandbox/mj/insight-face/swap",
            {"sourceBase64": "data:image/png;base64,AA", "targetBase64": "data:image/png;base64,BB"},
        ),
    ],
)
def test_midjourney_submit_posts_contract_body(method, arguments, path, body):
    gateway = FakeGateway(json_response(submitted(1)))

    submission = getattr(gateway.client().midjourney, method)(**arguments)

    assert gateway.last.url.path == path
    assert gateway.last_json() == body
    assert submission.task_id == "1756312355123456"


def test_midjourney_image_seed_returns_seed():
    gateway = FakeGateway(json_response({"code": 1, "description": "成功", "result": "3189672052"}))

    seed = gateway.client().midjourney.image_seed("1756312355123456")

    assert seed == "3189672052"
    assert gateway.last.url.path == "/sandbox/mj/task/1756312355123456/image-seed"


def test_midjourney_image_seed_raises_bad_request_when_task_state_is_wrong():
    gateway = FakeGateway(json_response({"code": 4, "description": "关联任务状态错误"}))

    with pytest.raises(BadRequest):
        gateway.client().midjourney.image_seed("1756312355123456")


def test_midjourney_mode_is_put_before_the_mj_prefix():
    gateway = FakeGateway(json_response(submitted(1)))

    gateway.client(midjourney_mode="mj-fast").midjourney.imagine(prompt="a cat")

    assert gateway.last.url.path == "/sandbox/mj-fast/mj/submit/imagine"
