"""Midjourney submits, actions, MODAL flows and task queries under /mj/."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import cdn_path, data_url, decode_image


def imagine(api, prompt="a lighthouse in a storm --ar 16:9", **extra):
    response = api.post("/mj/submit/imagine", {"prompt": prompt, "state": "job-42", **extra})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == 1, body
    return body["result"]


def fetch(api, task_id):
    response = api.get(f"/mj/task/{task_id}/fetch")
    assert response.status_code == 200
    return response.json()


def press(api, task_id, label):
    task = fetch(api, task_id)
    button = next(b for b in task["buttons"] if b["label"] == label or b["emoji"] == label)
    return api.post("/mj/submit/action", {"taskId": task_id, "customId": button["customId"]}).json()


def image_of(client, task):
    response = client.get(cdn_path(task["imageUrl"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    return decode_image(response.content)


def test_imagine_submit_answers_code_1_with_ms_id(api):
    response = api.post("/mj/submit/imagine", {"prompt": "a cat"})

    body = response.json()
    assert body["code"] == 1
    assert body["description"] == "提交成功"
    assert body["result"].isdigit()
    assert len(body["result"]) == 16
    assert "discordInstanceId" in body["properties"]


def test_imagine_accepts_mj_api_secret_header(api, client):
    response = client.post(
        "/sandbox/mj/submit/imagine",
        data={"prompt": "a cat"},
        content_type="application/json",
        headers={"mj-api-secret": "sk-anything"},
    )

    assert response.json()["code"] == 1


def test_imagine_accepts_speed_mode_prefix(api):
    response = api.post("/mj-fast/mj/submit/imagine", {"prompt": "a cat"})

    assert response.json()["code"] == 1


def test_imagine_finishes_as_grid_with_buttons(api, client):
    task_id = imagine(api)

    task = fetch(api, task_id)

    assert task["status"] == "SUCCESS"
    assert task["progress"] == "100%"
    assert task["action"] == "IMAGINE"
    assert task["state"] == "job-42"
    assert task["submitTime"] > 10**12
    assert task["finishTime"] >= task["startTime"] >= task["submitTime"]
    assert task["properties"]["finalPrompt"] == "a lighthouse in a storm --ar 16:9 --v 6.1"
    labels = [b["label"] or b["emoji"] for b in task["buttons"]]
    assert labels == ["U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"]
    job_hash = task["buttons"][0]["customId"].split("::")[-1]
    assert task["buttons"][0]["customId"] == f"MJ::JOB::upsample::1::{job_hash}"
    assert task["buttons"][4]["customId"] == f"MJ::JOB::reroll::0::{job_hash}::SOLO"
    grid = image_of(client, task)
    assert grid.size == (1024, 576)


def test_imagine_grid_tiles_differ(api, client):
    grid = image_of(client, fetch(api, imagine(api, "tiles differ")))

    tiles = [
        grid.crop((x, y, x + 100, y + 100)).tobytes() for x, y in [(0, 0), (512, 0), (0, 512), (512, 512)]
    ]
    assert len(set(tiles)) == 4


def test_imagine_requires_prompt(api):
    response = api.post("/mj/submit/imagine", {"prompt": ""})

    assert response.status_code == 400
    assert response.json() == {"description": "prompt_is_required ", "type": "upstream_error", "code": 4}


def test_imagine_answers_24_for_banned_word(api):
    body = api.post("/mj/submit/imagine", {"prompt": "some NSFW scene"}).json()

    assert body["code"] == 24
    assert body["result"] is None
    assert body["properties"]["bannedWord"] == "nsfw"
    assert body["properties"]["promptEn"] == "some NSFW scene"


def test_imagine_answers_23_when_queue_is_full(api, settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    settings.SANDBOX_MJ_CONCURRENCY = 1
    settings.SANDBOX_MJ_QUEUE_SIZE = 1
    assert api.post("/mj/submit/imagine", {"prompt": "one"}).json()["code"] == 1
    queued = api.post("/mj/submit/imagine", {"prompt": "two"}).json()
    assert queued["code"] == 1
    assert queued["description"] == "排队中，前面还有1个任务"

    full = api.post("/mj/submit/imagine", {"prompt": "three"}).json()

    assert full["code"] == 23
    assert full["result"] is None


def test_imagine_shows_code_22_when_rewriting_is_off(api, settings):
    settings.SANDBOX_MJ_REWRITE_CODES = False

    body = api.post("/mj/submit/imagine", {"prompt": "x"}, **{"X-Sandbox-Fault": "queued"}).json()

    assert body["code"] == 22
    assert body["properties"]["numberOfQueues"] == 1


def test_fetch_shows_empty_status_before_first_poll(api, settings):
    settings.SANDBOX_TIME_SCALE = 1.0
    settings.SANDBOX_POLL_INTERVAL = 100_000.0

    task = fetch(api, imagine(api))

    assert task["status"] == ""
    assert task["progress"] == "0%"
    assert task["imageUrl"] == ""
    assert task["buttons"] == []


def test_fetch_answers_task_no_found_for_unknown_id(api):
    response = api.get("/mj/task/123/fetch")

    assert response.status_code == 400
    assert response.json() == {"description": "task_no_found ", "type": "upstream_error", "code": 4}


def test_list_by_condition_returns_known_tasks_in_order(api):
    first, second = imagine(api, "one"), imagine(api, "two")

    response = api.post("/mj/task/list-by-condition", {"ids": [second, "999", first]})

    assert [task["id"] for task in response.json()] == [second, first]


def test_list_by_condition_answers_empty_list_without_ids(api):
    assert api.post("/mj/task/list-by-condition", {}).json() == []


def test_image_seed_of_finished_task(api):
    body = api.get(f"/mj/task/{imagine(api)}/image-seed").json()

    assert body["code"] == 1
    assert body["result"].isdigit()


def test_image_seed_refuses_unfinished_task(api, settings):
    settings.SANDBOX_TIME_SCALE = 1.0

    body = api.get(f"/mj/task/{imagine(api)}/image-seed").json()

    assert body == {"code": 4, "description": "关联任务状态错误", "result": None}


def test_upscale_crops_tile_to_single_image_with_upscale_buttons(api, client):
    parent = imagine(api)
    grid = image_of(client, fetch(api, parent))

    submitted = press(api, parent, "U2")
    task = fetch(api, submitted["result"])

    assert task["action"] == "UPSCALE"
    assert task["customId"].startswith("MJ::JOB::upsample::2::")
    upscale = image_of(client, task)
    assert upscale.size == (1024, 576)
    tile = grid.crop((512, 0, 1024, 288)).resize((1024, 576))
    assert abs(sum(upscale.getpixel((500, 100))) - sum(tile.getpixel((500, 100)))) < 60
    labels = {b["label"] for b in task["buttons"]}
    assert {"Vary (Strong)", "Vary (Subtle)", "Vary (Region)", "Zoom Out 2x", "Custom Zoom"} <= labels
    emojis = {b["emoji"] for b in task["buttons"]}
    assert {"⬅️", "➡️", "⬆️", "⬇️"} <= emojis


def test_repeated_upscale_answers_existing_task(api):
    parent = imagine(api)
    first = press(api, parent, "U1")

    again = press(api, parent, "U1")

    assert again["code"] == 1
    assert again["description"] == "任务已存在"
    assert again["result"] == first["result"]
    assert again["properties"]["status"] == "SUCCESS"


@pytest.mark.parametrize(("label", "action"), [("V3", "VARIATION"), ("🔄", "REROLL")])
def test_grid_buttons_make_new_grids(api, client, label, action):
    parent = imagine(api)
    parent_grid = image_of(client, fetch(api, parent))

    task = fetch(api, press(api, parent, label)["result"])

    assert task["action"] == action
    assert len(task["buttons"]) == 9
    grid = image_of(client, task)
    assert grid.size == parent_grid.size
    assert grid.tobytes() != parent_grid.tobytes()


@pytest.mark.parametrize(
    ("label", "action", "size"),
    [
        ("Zoom Out 2x", "ZOOM", (1024, 576)),
        ("Vary (Strong)", "HIGH_VARIATION", (1024, 576)),
        ("⬅️", "PAN", (1024, 384)),
        ("⬆️", "PAN", (1024, 864)),
    ],
)
def test_upscale_buttons_make_new_grids(api, client, label, action, size):
    upscale = press(api, imagine(api), "U1")["result"]

    task = fetch(api, press(api, upscale, label)["result"])

    assert task["action"] == action
    assert image_of(client, task).size == size
    assert [b["label"] for b in task["buttons"]][:4] == ["U1", "U2", "U3", "U4"]


def test_creative_upscale_doubles_size(api, client):
    upscale = press(api, imagine(api), "U1")["result"]

    task = fetch(api, press(api, upscale, "Upscale (Creative)")["result"])

    assert image_of(client, task).size == (2048, 1152)
    assert "Upscale (Subtle)" not in {b["label"] for b in task["buttons"]}


def test_custom_zoom_waits_in_modal_until_confirmed(api, client):
    upscale = press(api, imagine(api), "U1")["result"]

    submitted = press(api, upscale, "Custom Zoom")

    assert submitted["code"] == 21
    waiting = fetch(api, submitted["result"])
    assert waiting["status"] == "MODAL"
    confirmed = api.post(
        "/mj/submit/modal", {"taskId": submitted["result"], "prompt": "wider --ar 1:1 --zoom 1.5"}
    )
    assert confirmed.json()["code"] == 1
    assert confirmed.json()["result"] == submitted["result"]
    task = fetch(api, submitted["result"])
    assert task["status"] == "SUCCESS"
    assert task["action"] == "CUSTOM_ZOOM"
    assert image_of(client, task).size == (1024, 1024)


def test_custom_zoom_rejects_zoom_out_of_range(api):
    upscale = press(api, imagine(api), "U1")["result"]
    modal = press(api, upscale, "Custom Zoom")["result"]

    body = api.post("/mj/submit/modal", {"taskId": modal, "prompt": "x --zoom 3"}).json()

    assert body["code"] == 4
    assert fetch(api, modal)["status"] == "MODAL"


def test_vary_region_repaints_masked_area(api, client):
    upscale_id = press(api, imagine(api), "U1")["result"]
    upscale = image_of(client, fetch(api, upscale_id))
    modal = press(api, upscale_id, "Vary (Region)")
    assert modal["code"] == 21

    mask = data_url((64, 36), (255, 255, 255))
    api.post("/mj/submit/modal", {"taskId": modal["result"], "maskBase64": mask, "prompt": "a red door"})
    task = fetch(api, modal["result"])

    assert task["action"] == "INPAINT"
    grid = image_of(client, task)
    assert grid.size == upscale.size
    assert grid.tobytes() != upscale.resize(grid.size).tobytes()


def test_vary_region_requires_mask(api):
    upscale = press(api, imagine(api), "U1")["result"]
    modal = press(api, upscale, "Vary (Region)")["result"]

    body = api.post("/mj/submit/modal", {"taskId": modal}).json()

    assert body["code"] == 4


def test_action_rejects_unknown_custom_id(api):
    parent = imagine(api)

    response = api.post("/mj/submit/action", {"taskId": parent, "customId": "MJ::BOOKMARK::abc"})

    assert response.status_code == 400
    assert response.json()["description"] == "unknown_action:MJ::BOOKMARK::abc "


def test_action_rejects_button_of_another_task(api):
    first, second = imagine(api, "one"), imagine(api, "two")
    custom_id = fetch(api, first)["buttons"][0]["customId"]

    body = api.post("/mj/submit/action", {"taskId": second, "customId": custom_id}).json()

    assert body["code"] == 4


def test_action_refuses_unfinished_task(api, settings):
    parent = imagine(api)
    custom_id = fetch(api, parent)["buttons"][0]["customId"]
    settings.SANDBOX_TIME_SCALE = 1.0
    fresh = imagine(api, "fresh")
    custom_id = custom_id.replace(custom_id.split("::")[-1], "whatever")

    response = api.post("/mj/submit/action", {"taskId": fresh, "customId": custom_id})

    assert response.status_code == 400
    assert response.json()["description"] == "task_status_not_success "


def test_action_requires_custom_id(api):
    response = api.post("/mj/submit/action", {"taskId": imagine(api)})

    assert response.status_code == 400
    assert response.json()["description"] == "custom_id_is_required "


def test_blend_mixes_inputs_into_landscape_grid(api, client):
    body = {
        "base64Array": [data_url(color=(255, 0, 0)), data_url(color=(0, 0, 255))],
        "dimensions": "LANDSCAPE",
    }
    result = api.post("/mj/submit/blend", body).json()

    task = fetch(api, result["result"])

    assert task["action"] == "BLEND"
    width, height = image_of(client, task).size
    assert width == 1024
    assert abs(width / height - 1.5) < 0.02


def test_blend_needs_two_images(api):
    body = api.post("/mj/submit/blend", {"base64Array": [data_url()]}).json()

    assert body["code"] == 4


def test_describe_fills_final_prompt(api):
    result = api.post("/mj/submit/describe", {"base64": data_url((160, 90))}).json()

    task = fetch(api, result["result"])

    assert task["action"] == "DESCRIBE"
    assert task["properties"]["finalPrompt"].startswith("1️⃣ ")
    assert task["properties"]["finalPrompt"].count("--ar 16:9") == 4


def test_shorten_fills_final_prompt(api):
    result = api.post("/mj/submit/shorten", {"prompt": "a very long prompt about a castle --v 6"}).json()

    task = fetch(api, result["result"])

    assert task["action"] == "SHORTEN"
    assert "5️⃣" in task["properties"]["finalPrompt"]
    assert task["imageUrl"] == ""


def test_shorten_leaves_out_parameters_and_their_values(api):
    result = api.post("/mj/submit/shorten", {"prompt": "a castle at dusk --ar 16:9 --v 6.1"}).json()

    task = fetch(api, result["result"])

    assert task["properties"]["finalPrompt"].split("\n\n")[0] == "1️⃣ a castle at dusk"


@pytest.mark.parametrize("path", ["/mj/submit/swap_face", "/mj/insight-face/swap"])
def test_swap_face_pastes_source_onto_target(api, client, path):
    body = {"sourceBase64": data_url((64, 64), (0, 255, 0)), "targetBase64": data_url((300, 200), (0, 0, 0))}
    result = api.post(path, body).json()

    task = fetch(api, result["result"])

    assert task["prompt"] == "InsightFace"
    image = image_of(client, task)
    assert image.getpixel((image.width // 2, image.height // 3))[1] > 200
    assert image.getpixel((5, 5)) == (0, 0, 0)


def test_swap_face_requires_both_images(api):
    response = api.post("/mj/submit/swap_face", {"sourceBase64": data_url()})

    assert response.status_code == 400
    assert response.json()["description"] == "sour_base64_and_target_base64_is_required "


def test_forwarded_image_url_serves_grid(api, client, settings):
    settings.SANDBOX_MJ_FORWARD_IMAGES = True
    task_id = imagine(api)

    task = fetch(api, task_id)

    assert task["imageUrl"] == f"http://testserver/sandbox/mj/image/{task_id}"
    assert decode_image(client.get(f"/sandbox/mj/image/{task_id}").content).size == (1024, 576)
