"""Chat, legacy completions, embeddings and the model list: the client against the sandbox over HTTP."""

from __future__ import annotations

import math

import pytest

from studio.sandbox import catalogue
from studio.sandbox.catalogue import Endpoint
from studio.upstream import (
    Capability,
    ModelNotAvailable,
    StreamDone,
    TextDelta,
    UsageReport,
    user_message,
)

# What each capability makes the studio call, as the sandbox's catalogue names it.
ENDPOINT_OF = {
    Capability.CHAT: Endpoint.CHAT,
    Capability.IMAGE_CHAT: Endpoint.CHAT,
    Capability.VIDEO_CHAT: Endpoint.CHAT,
    Capability.IMAGES_API: Endpoint.IMAGES,
    Capability.VIDEO_VEO3_ASYNC: Endpoint.VIDEO,
    Capability.VIDEO_SORA2: Endpoint.SORA,
    Capability.SORA_CHARACTER: Endpoint.SORA,
    Capability.MIDJOURNEY: Endpoint.MIDJOURNEY,
    Capability.TTS: Endpoint.SPEECH,
    Capability.STT: Endpoint.TRANSCRIPTION,
    Capability.EMBEDDINGS: Endpoint.EMBEDDINGS,
    Capability.COMPLETIONS: Endpoint.COMPLETIONS,
}


def test_chat_create_returns_the_answer_with_usage(gateway):
    completion = gateway.chat.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "You are terse."}, user_message("Say hi to the studio")],
    )

    assert completion.text == "[sandbox gpt-4o-mini] You said: Say hi to the studio"
    assert completion.model == "gpt-4o-mini"
    assert completion.finish_reason == "stop"
    assert completion.id.startswith("chatcmpl-")
    assert completion.request_id
    assert completion.created_at is not None
    assert completion.usage is not None
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.usage.completion_tokens > 0


def test_chat_create_reports_length_when_max_tokens_cuts_the_answer(gateway):
    completion = gateway.chat.create(
        model="gpt-4o", messages=[user_message("one two three four")], max_tokens=3
    )

    assert completion.text == "[sandbox gpt-4o] You"
    assert completion.finish_reason == "length"


def test_chat_stream_yields_text_deltas_then_usage_then_done(gateway):
    with gateway.chat.stream(model="gpt-4o-mini", messages=[user_message("stream this please")]) as stream:
        events = list(stream)

    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    usages = [event.usage for event in events if isinstance(event, UsageReport)]
    assert len(deltas) > 3
    assert "".join(deltas) == "[sandbox gpt-4o-mini] You said: stream this please"
    assert isinstance(events[-1], StreamDone)
    assert isinstance(events[-2], UsageReport)
    assert len(usages) == 1
    assert usages[0].completion_tokens > 0
    completion = events[-1].completion
    assert completion.text == "".join(deltas)
    assert completion.finish_reason == "stop"
    assert completion.usage == usages[0]
    assert completion.model == "gpt-4o-mini"
    assert stream.request_id


def test_chat_create_raises_model_not_available_for_a_model_without_channel(gateway):
    with pytest.raises(ModelNotAvailable) as caught:
        gateway.chat.create(model="gpt-9-ultra", messages=[user_message("hi")])

    assert caught.value.status_code == 503
    assert "gpt-9-ultra" in caught.value.gateway_message
    assert caught.value.request_id


def test_completions_create_returns_text_and_usage(gateway):
    completion = gateway.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a", max_tokens=64
    )

    assert completion.text.startswith(" ")
    assert len(completion.text.split()) > 5
    assert completion.finish_reason == "stop"
    assert completion.id.startswith("cmpl-")
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0


def test_completions_create_reports_length_at_max_tokens(gateway):
    completion = gateway.completions.create(model="davinci-002", prompt="Once upon a", max_tokens=2)

    assert len(completion.text.split()) == 1
    assert completion.finish_reason == "length"


def test_completions_stream_yields_the_same_text_as_create(gateway):
    expected = gateway.completions.create(model="gpt-3.5-turbo-instruct", prompt="Once upon a", max_tokens=64)

    with gateway.completions.stream(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a", max_tokens=64
    ) as stream:
        events = list(stream)

    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    assert len(deltas) > 3
    assert "".join(deltas) == expected.text
    assert isinstance(events[-1], StreamDone)
    assert events[-1].completion.finish_reason == "stop"
    assert events[-1].completion.usage is not None


def test_embeddings_create_returns_one_unit_vector_per_input_in_order(gateway):
    result = gateway.embeddings.create(input=["alpha", "beta", "alpha"], model="text-embedding-3-small")

    assert len(result.vectors) == 3
    assert all(len(vector) == 1536 for vector in result.vectors)
    assert result.vectors[0] == result.vectors[2]
    assert result.vectors[0] != result.vectors[1]
    assert math.isclose(math.fsum(value * value for value in result.vectors[1]), 1.0, rel_tol=1e-6)
    assert result.model == "text-embedding-3-small"
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0


def test_embeddings_create_honours_dimensions(gateway):
    result = gateway.embeddings.create(input="alpha", model="text-embedding-3-large", dimensions=256)

    assert [len(vector) for vector in result.vectors] == [256]


def test_embeddings_create_decodes_base64_to_the_same_vector_as_float(gateway):
    as_floats = gateway.embeddings.create(input="alpha", dimensions=64)
    as_base64 = gateway.embeddings.create(input="alpha", dimensions=64, encoding_format="base64")

    assert isinstance(as_base64.raw["data"][0]["embedding"], str)
    assert len(as_base64.vectors[0]) == 64
    assert all(
        math.isclose(packed, plain, rel_tol=1e-6, abs_tol=1e-7)
        for packed, plain in zip(as_base64.vectors[0], as_floats.vectors[0], strict=True)
    )


def test_models_list_classifies_into_every_capability_family(gateway):
    models = gateway.models.list()

    found = set().union(*(model.capabilities for model in models))
    assert found == set(Capability)
    assert {model.id for model in models} == set(catalogue.MODELS)
    assert all(model.created_at is not None and model.owned_by for model in models)


def test_models_list_capabilities_match_the_endpoints_the_gateway_serves(gateway):
    models = gateway.models.list()

    wrong = {
        model.id: sorted(capability.value for capability in model.capabilities)
        for model in models
        if any(
            ENDPOINT_OF[capability] not in catalogue.MODELS[model.id].endpoints
            for capability in model.capabilities
        )
    }
    assert wrong == {}


def test_models_get_returns_one_model(gateway):
    model = gateway.models.get("veo3-fast")

    assert model.id == "veo3-fast"
    assert model.owned_by == "custom"
    assert Capability.VIDEO_VEO3_ASYNC in model.capabilities


def test_models_get_raises_model_not_available_for_an_unknown_model(gateway):
    with pytest.raises(ModelNotAvailable) as caught:
        gateway.models.get("no-such-model")

    assert caught.value.status_code == 404
