"""The models the sandbox gateway serves, and which endpoints each one answers on."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from studio.sandbox.gateway import GatewayError, invalid_request, no_channel

# new-api reports one fixed creation time for every model.
MODEL_CREATED = 1626777600


class Endpoint(enum.Enum):
    """The endpoint families a model can answer on."""

    CHAT = "chat"
    COMPLETIONS = "completions"
    IMAGES = "images"
    VIDEO = "video"
    SORA = "sora"
    SPEECH = "speech"
    TRANSCRIPTION = "transcription"
    EMBEDDINGS = "embeddings"
    MIDJOURNEY = "midjourney"


@dataclass(frozen=True)
class ModelCard:
    """One model of the list: its id, the channel family that owns it, the endpoints it answers on."""

    id: str
    owned_by: str
    endpoints: frozenset[Endpoint]


def _cards(owned_by: str, ids: str, *endpoints: Endpoint) -> list[ModelCard]:
    return [ModelCard(model_id, owned_by, frozenset(endpoints)) for model_id in ids.split()]


MODELS: dict[str, ModelCard] = {
    card.id: card
    for card in [
        *_cards(
            "openai",
            "gpt-4o gpt-4o-mini gpt-4.1 gpt-4.1-mini gpt-4.1-nano gpt-5 gpt-5-mini o3-mini o4-mini",
            Endpoint.CHAT,
        ),
        *_cards("anthropic", "claude-3-5-haiku-20241022 claude-sonnet-4-20250514", Endpoint.CHAT),
        *_cards("vertex-ai", "gemini-2.5-pro gemini-2.5-flash", Endpoint.CHAT),
        *_cards("deepseek", "deepseek-chat deepseek-reasoner", Endpoint.CHAT),
        *_cards("openai", "gpt-3.5-turbo-instruct davinci-002 babbage-002", Endpoint.COMPLETIONS),
        *_cards("custom", "gpt-4o-image gpt-4o-image-vip sora_remover", Endpoint.CHAT),
        *_cards(
            "vertex-ai",
            "gemini-2.5-flash-image gemini-2.5-flash-image-preview gemini-3-pro-image-preview",
            Endpoint.CHAT,
            Endpoint.IMAGES,
        ),
        *_cards(
            "custom",
            "veo3 veo3-fast veo3-pro veo3-frames veo3-fast-frames veo3-pro-frames "
            "veo3.1 veo3.1-fast veo3.1-pro",
            Endpoint.CHAT,
            Endpoint.VIDEO,
        ),
        *_cards(
            "custom",
            "sora-2 sora-2-pro sora2-landscape-10s sora2-portrait-10s sora2-landscape-15s sora2-portrait-15s",
            Endpoint.CHAT,
            Endpoint.SORA,
        ),
        *_cards("custom", "sora-2-character sora-2-character-real", Endpoint.SORA),
        *_cards("openai", "dall-e-3 gpt-image-1", Endpoint.IMAGES),
        *_cards(
            "custom", "flux-kontext-pro flux-kontext-max flux-pro flux-dev flux-schnell", Endpoint.IMAGES
        ),
        *_cards("openai", "tts-1 tts-1-hd gpt-4o-mini-tts", Endpoint.SPEECH),
        *_cards("openai", "whisper-1 gpt-4o-transcribe gpt-4o-mini-transcribe", Endpoint.TRANSCRIPTION),
        *_cards(
            "openai",
            "text-embedding-3-small text-embedding-3-large text-embedding-ada-002",
            Endpoint.EMBEDDINGS,
        ),
        *_cards(
            "midjourney",
            "mj_imagine mj_variation mj_reroll mj_blend mj_upscale mj_describe mj_shorten mj_modal "
            "mj_zoom mj_custom_zoom mj_inpaint mj_high_variation mj_low_variation mj_pan swap_face",
            Endpoint.MIDJOURNEY,
        ),
    ]
}


def model_object(card: ModelCard) -> dict[str, object]:
    """A model as `GET /v1/models` lists it."""
    return {
        "id": card.id,
        "object": "model",
        "created": MODEL_CREATED,
        "owned_by": card.owned_by,
        "permission": [],
        "root": card.id,
        "parent": None,
    }


def require_model(model: object, endpoint: Endpoint) -> ModelCard:
    """The card of `model` if it answers on `endpoint`; raises the gateway's error otherwise."""
    if not isinstance(model, str) or not model:
        raise invalid_request("field model is required", param="model")
    card = MODELS.get(model)
    if card is None:
        raise no_channel(model)
    if endpoint not in card.endpoints:
        raise unsupported(model)
    return card


def unsupported(model: str) -> GatewayError:
    """The 400 for a known model used on an endpoint it does not serve."""
    return invalid_request(f"The model `{model}` is not supported on this endpoint.", param="model")
