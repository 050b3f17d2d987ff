"""The model list and the catalogue's classification of model ids."""

from __future__ import annotations

import pytest

from studio.upstream import Capability, MalformedResponse, classify_model
from tests.upstream.fakes import FakeGateway, json_response


def test_models_list_reads_new_api_model_list():
    gateway = FakeGateway(
        json_response(
            {
                "success": True,
                "object": "list",
                "data": [
                    {
                        "id": "veo3-fast",
                        "object": "model",
                        "created": 1626777600,
                        "owned_by": "custom",
                        "permission": [],
                        "root": "veo3-fast",
                        "parent": None,
                    },
                    {"id": "gpt-4o-mini", "object": "model", "created": 1626777600, "owned_by": "openai"},
                ],
            }
        )
    )

    models = gateway.client().models.list()

    assert gateway.last.url.path == "/sandbox/v1/models"
    assert [(model.id, model.owned_by) for model in models] == [
        ("veo3-fast", "custom"),
        ("gpt-4o-mini", "openai"),
    ]
    assert models[0].raw["root"] == "veo3-fast"
    assert Capability.VIDEO_VEO3_ASYNC in models[0].capabilities


def test_models_list_accepts_bare_array_and_skips_entries_without_id():
    gateway = FakeGateway(json_response([{"id": "dall-e-3", "owned_by": "openai"}, {"object": "model"}]))

    assert [model.id for model in gateway.client().models.list()] == ["dall-e-3"]


def test_models_list_raises_malformed_response_without_data():
    gateway = FakeGateway(json_response({"success": False}))

    with pytest.raises(MalformedResponse):
        gateway.client().models.list()


def test_models_get_reads_one_model():
    gateway = FakeGateway(json_response({"id": "sora-2", "object": "model", "owned_by": "custom"}))

    model = gateway.client().models.get("sora-2")

    assert gateway.last.url.path == "/sandbox/v1/models/sora-2"
    assert model.id == "sora-2"


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("gpt-4o-mini", {Capability.CHAT}),
        ("claude-sonnet-4", {Capability.CHAT}),
        ("gpt-4o-image", {Capability.IMAGE_CHAT}),
        ("gpt-4o-image-vip", {Capability.IMAGE_CHAT}),
        ("gemini-2.5-flash-image", {Capability.IMAGE_CHAT, Capability.IMAGES_API}),
        ("gemini-3-pro-image-preview", {Capability.IMAGE_CHAT}),
        ("nano-banana-2", {Capability.IMAGE_CHAT}),
        ("dall-e-3", {Capability.IMAGES_API}),
        ("flux-kontext-max", {Capability.IMAGES_API}),
        ("gpt-image-1", {Capability.IMAGES_API}),
        ("veo3-fast", {Capability.VIDEO_VEO3_ASYNC, Capability.VIDEO_CHAT}),
        ("veo3.1-4k", {Capability.VIDEO_VEO3_ASYNC, Capability.VIDEO_CHAT}),
        ("sora-2", {Capability.VIDEO_SORA2, Capability.VIDEO_CHAT}),
        ("sora2-landscape-15s", {Capability.VIDEO_SORA2, Capability.VIDEO_CHAT}),
        ("sora-2-character", {Capability.SORA_CHARACTER}),
        ("sora-2-character-real", {Capability.SORA_CHARACTER}),
        ("sora_remover", {Capability.VIDEO_CHAT}),
        ("mj_imagine", {Capability.MIDJOURNEY}),
        ("midjourney-v7", {Capability.MIDJOURNEY}),
        ("swap_face", {Capability.MIDJOURNEY}),
        ("tts-1-hd", {Capability.TTS}),
        ("gpt-4o-mini-tts", {Capability.TTS}),
        ("whisper-1", {Capability.STT}),
        ("gpt-4o-transcribe", {Capability.STT}),
        ("text-embedding-3-small", {Capability.EMBEDDINGS}),
        ("gpt-3.5-turbo-instruct", {Capability.COMPLETIONS}),
        ("davinci-002", {Capability.COMPLETIONS}),
        ("qwen-image-max", {Capability.IMAGE_CHAT}),
        ("kling-video-v2", {Capability.VIDEO_CHAT}),
    ],
)
def test_classify_model_uses_name_patterns(model_id, expected):
    assert classify_model(model_id) == frozenset(expected)
