"""Midjourney against the sandbox: submits, polling, buttons, MODAL flows and the proxy's refusal codes."""

from __future__ import annotations

import pytest

from studio.upstream import BadRequest, BannedPrompt, QueueFull, TaskNotFound, TaskStatus
from tests.sandbox.helpers import data_url


@pytest.fixture
def finish(gateway, poll_task):
    """Poll a Midjourney task of the default client until it is finished; its last view."""
    return lambda task_id: poll_task(lambda: gateway.midjourney.fetch(task_id))[-1]


@pytest.fixture
def upscaled(gateway, finish):
    """An imagine grid, finished, then its first image upscaled and finished."""
    grid = finish(gateway.midjourney.imagine(prompt="a lighthouse in a storm --ar 1:1").task_id)
    u1 = next(button for button in grid.buttons if button.label == "U1")
    return finish(gateway.midjourney.action(task_id=grid.task_id, custom_id=u1.custom_id).task_id)


def button(view, label):
    return next(item for item in view.buttons if item.label == label)


def test_midjourney_imagine_then_upscale_gives_images_with_buttons(
    gateway, sandbox_settings, poll_task, fetch_image
):
    # Slow enough that polls every 0.05 s surely see the gateway's running state (a 0.4 s window).
    sandbox_settings.SANDBOX_TIME_SCALE = 0.01
    submitted = gateway.midjourney.imagine(prompt="a lighthouse in a storm --ar 16:9", state="job-42")

    views = poll_task(lambda: gateway.midjourney.fetch(submitted.task_id))

    assert submitted.code == 1
    assert submitted.description == "提交成功"
    assert len(submitted.task_id) == 16
    assert not submitted.is_waiting_for_modal
    assert submitted.request_id
    assert views[0].status is TaskStatus.QUEUED
    assert TaskStatus.RUNNING in {view.status for view in views}
    grid = views[-1]
    assert grid.status is TaskStatus.SUCCEEDED
    assert grid.action == "IMAGINE"
    assert grid.raw is not None
    assert grid.raw["state"] == "job-42"
    assert grid.text_result == "a lighthouse in a storm --ar 16:9 --v 6.1"
    assert [item.label for item in grid.buttons] == ["U1", "U2", "U3", "U4", "", "V1", "V2", "V3", "V4"]
    assert grid.submitted_at is not None
    assert grid.finished_at is not None
    assert fetch_image(grid.display_url).size == (1024, 576)

    action = gateway.midjourney.action(task_id=grid.task_id, custom_id=button(grid, "U1").custom_id)
    upscale = poll_task(lambda: gateway.midjourney.fetch(action.task_id))[-1]

    assert action.code == 1
    assert action.task_id != grid.task_id
    assert upscale.status is TaskStatus.SUCCEEDED
    assert upscale.action == "UPSCALE"
    assert {"Vary (Region)", "Custom Zoom", "Upscale (Subtle)"} <= {item.label for item in upscale.buttons}
    assert fetch_image(upscale.display_url).size == (1024, 576)


def test_midjourney_action_returns_the_existing_task_when_an_upscale_is_pressed_twice(gateway, finish):
    grid = finish(gateway.midjourney.imagine(prompt="a lighthouse").task_id)
    first = gateway.midjourney.action(task_id=grid.task_id, custom_id=button(grid, "U2").custom_id)

    again = gateway.midjourney.action(task_id=grid.task_id, custom_id=button(grid, "U2").custom_id)

    assert again.task_id == first.task_id
    assert again.code == 1
    assert not again.is_waiting_for_modal


def test_midjourney_action_raises_bad_request_on_an_unfinished_task(gateway):
    submitted = gateway.midjourney.imagine(prompt="a lighthouse")

    with pytest.raises(BadRequest) as caught:
        gateway.midjourney.action(task_id=submitted.task_id, custom_id="MJ::JOB::upsample::1::abc")

    assert "task_status_not_success" in caught.value.gateway_message


def test_midjourney_fetch_many_returns_the_asked_tasks_in_order_without_unknown_ids(gateway):
    ids = [gateway.midjourney.imagine(prompt=f"a lighthouse number {number}").task_id for number in range(3)]

    views = gateway.midjourney.fetch_many([ids[2], "1756312355000000", ids[0], ids[1]])

    assert [view.task_id for view in views] == [ids[2], ids[0], ids[1]]
    assert all(view.action == "IMAGINE" for view in views)
    assert views[0].raw is not None
    assert views[0].raw["prompt"] == "a lighthouse number 2"


def test_midjourney_fetch_many_of_no_ids_is_empty(gateway):
    assert gateway.midjourney.fetch_many([]) == ()


def test_midjourney_blend_makes_a_landscape_grid(gateway, finish, fetch_image):
    submitted = gateway.midjourney.blend(
        images=[data_url((64, 64), (200, 30, 30)), data_url((64, 64), (30, 30, 200))], dimensions="LANDSCAPE"
    )

    done = finish(submitted.task_id)

    assert done.action == "BLEND"
    assert done.status is TaskStatus.SUCCEEDED
    width, height = fetch_image(done.display_url).size
    assert width > height
    assert len(done.buttons) == 9


def test_midjourney_blend_raises_bad_request_for_one_image(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.midjourney.blend(images=[data_url()])

    assert "base64List" in caught.value.gateway_message


def test_midjourney_describe_returns_four_prompts_as_text(gateway, poll_task):
    submitted = gateway.midjourney.describe(image=data_url((96, 64)))

    views = poll_task(lambda: gateway.midjourney.fetch(submitted.task_id))

    assert all(view.text_result is None for view in views[:-1])
    done = views[-1]
    assert done.action == "DESCRIBE"
    assert done.text_result is not None
    prompts = done.text_result.split("\n\n")
    assert len(prompts) == 4
    assert prompts[0].startswith("1️⃣ ")
    assert all(prompt.endswith("--ar 3:2") for prompt in prompts)


def test_midjourney_shorten_returns_shorter_prompts(gateway, finish):
    submitted = gateway.midjourney.shorten(prompt="a very old lighthouse in a violent storm --ar 16:9")

    done = finish(submitted.task_id)

    assert done.action == "SHORTEN"
    assert done.text_result is not None
    assert done.text_result.split("\n\n")[0] == "1️⃣ a very old lighthouse in a violent storm"
    assert len(done.text_result.split("\n\n")) == 5


def test_midjourney_swap_face_returns_an_image_of_the_target(gateway, finish, fetch_image):
    submitted = gateway.midjourney.swap_face(
        source_image=data_url((64, 64), (230, 180, 150)), target_image=data_url((96, 128), (40, 40, 40))
    )

    done = finish(submitted.task_id)

    assert done.action == "SWAP_FACE"
    assert done.status is TaskStatus.SUCCEEDED
    assert fetch_image(done.display_url).size == (768, 1024)


def test_midjourney_image_seed_is_the_seed_of_a_finished_task(gateway, finish):
    done = finish(gateway.midjourney.imagine(prompt="a lighthouse").task_id)

    seed = gateway.midjourney.image_seed(done.task_id)

    assert seed.isdigit()
    assert gateway.midjourney.image_seed(done.task_id) == seed


def test_midjourney_image_seed_raises_bad_request_before_the_task_finished(gateway):
    submitted = gateway.midjourney.imagine(prompt="a lighthouse")

    with pytest.raises(BadRequest) as caught:
        gateway.midjourney.image_seed(submitted.task_id)

    assert caught.value.gateway_message == "关联任务状态错误"


def test_midjourney_vary_region_waits_in_modal_until_the_mask_is_sent(gateway, upscaled, finish, fetch_image):
    waiting = gateway.midjourney.action(
        task_id=upscaled.task_id, custom_id=button(upscaled, "Vary (Region)").custom_id
    )

    modal_view = gateway.midjourney.fetch(waiting.task_id)
    confirmed = gateway.midjourney.modal(
        task_id=waiting.task_id, prompt="a red door", mask_base64=data_url((64, 64), (255, 255, 255))
    )
    done = finish(confirmed.task_id)

    assert waiting.code == 21
    assert waiting.is_waiting_for_modal
    assert modal_view.is_waiting_for_modal
    assert modal_view.status is TaskStatus.QUEUED
    assert confirmed.task_id == waiting.task_id
    assert not confirmed.is_waiting_for_modal
    assert done.action == "INPAINT"
    assert done.status is TaskStatus.SUCCEEDED
    assert not done.is_waiting_for_modal
    assert fetch_image(done.display_url).size == (1024, 1024)


def test_midjourney_custom_zoom_waits_in_modal_until_the_prompt_is_sent(
    gateway, upscaled, finish, fetch_image
):
    waiting = gateway.midjourney.action(
        task_id=upscaled.task_id, custom_id=button(upscaled, "Custom Zoom").custom_id
    )

    confirmed = gateway.midjourney.modal(
        task_id=waiting.task_id, prompt="a lighthouse in a storm --ar 2:3 --zoom 1.5"
    )
    done = finish(confirmed.task_id)

    assert waiting.is_waiting_for_modal
    assert done.action == "CUSTOM_ZOOM"
    assert done.text_result == "a lighthouse in a storm --ar 2:3 --zoom 1.5 --v 6.1"
    width, height = fetch_image(done.display_url).size
    assert height > width


def test_midjourney_modal_raises_bad_request_for_a_zoom_out_of_range(gateway, upscaled):
    waiting = gateway.midjourney.action(
        task_id=upscaled.task_id, custom_id=button(upscaled, "Custom Zoom").custom_id
    )

    with pytest.raises(BadRequest) as caught:
        gateway.midjourney.modal(task_id=waiting.task_id, prompt="a lighthouse --zoom 3")

    assert "--zoom" in caught.value.gateway_message


def test_midjourney_imagine_raises_banned_prompt_with_the_word(gateway):
    with pytest.raises(BannedPrompt) as caught:
        gateway.midjourney.imagine(prompt="a nude statue in a garden")

    assert caught.value.banned_word == "nude"
    assert caught.value.gateway_message == "可能包含敏感词"


def test_midjourney_imagine_raises_banned_prompt_when_the_fault_asks(gateway_for):
    with pytest.raises(BannedPrompt) as caught:
        gateway_for("sk-test-fault-banned").midjourney.imagine(prompt="a lighthouse")

    assert caught.value.banned_word == "nsfw"


def test_midjourney_imagine_raises_queue_full_when_the_queue_is_full(gateway_for):
    with pytest.raises(QueueFull) as caught:
        gateway_for("sk-test-fault-queue-full").midjourney.imagine(prompt="a lighthouse")

    assert caught.value.retryable
    assert caught.value.gateway_message == "队列已满，请稍后尝试"


def test_midjourney_imagine_reports_the_queue_position_when_queued(gateway_for):
    submitted = gateway_for("sk-test-fault-queued").midjourney.imagine(prompt="a lighthouse")

    assert submitted.code == 1
    assert submitted.queue_position == 1
    assert submitted.description.startswith("排队中")


def test_midjourney_task_fails_with_the_moderation_reason_when_it_fails(gateway_for, poll_task):
    client = gateway_for("sk-test-fault-fail")
    submitted = client.midjourney.imagine(prompt="a lighthouse")

    failed = poll_task(lambda: client.midjourney.fetch(submitted.task_id))[-1]

    assert failed.status is TaskStatus.FAILED
    assert failed.failure_reason is not None
    assert "Banned prompt detected" in failed.failure_reason
    assert failed.display_url is None
    assert failed.buttons == ()


def test_midjourney_task_fails_after_the_gateway_time_out_when_it_is_stuck(
    gateway_for, sandbox_settings, poll_task
):
    # The gateway gives up after one simulated hour: 0.36 s at this scale.
    sandbox_settings.SANDBOX_TIME_SCALE = 0.0001
    client = gateway_for("sk-test-fault-stuck")
    submitted = client.midjourney.imagine(prompt="a lighthouse")

    failed = poll_task(lambda: client.midjourney.fetch(submitted.task_id))[-1]

    assert failed.status is TaskStatus.FAILED
    assert failed.failure_reason == "上游任务超时（超过1小时）"


def test_midjourney_fetch_raises_task_not_found_for_an_unknown_id(gateway):
    with pytest.raises(TaskNotFound) as caught:
        gateway.midjourney.fetch("1756312355000000")

    assert caught.value.status_code == 400


def test_midjourney_in_fast_mode_uses_the_mode_prefix(gateway_for, poll_task):
    client = gateway_for(midjourney_mode="mj-fast")
    submitted = client.midjourney.imagine(prompt="a lighthouse")

    done = poll_task(lambda: client.midjourney.fetch(submitted.task_id))[-1]

    assert done.status is TaskStatus.SUCCEEDED


def test_midjourney_forwarded_image_url_downloads_without_a_key(
    gateway, sandbox_settings, finish, fetch_image
):
    sandbox_settings.SANDBOX_MJ_FORWARD_IMAGES = True

    done = finish(gateway.midjourney.imagine(prompt="a lighthouse").task_id)

    assert done.display_url is not None
    assert done.display_url.endswith(f"/sandbox/mj/image/{done.task_id}")
    assert fetch_image(done.display_url).size == (1024, 1024)
