"""The models a team's gateway offers, grouped by what each can do, for the forms' suggestions.

The list comes from the gateway's `GET /v1/models`, cached for a few minutes; when the gateway cannot be
asked, the forms still offer sensible defaults and accept any model typed in.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.core.cache import cache

from studio.accounts.models import Team
from studio.generations import gateway
from studio.generations.kinds import KINDS
from studio.upstream import Capability, Timeouts, UpstreamError, classify_model

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
# The page waits for the model list, so this call gets short time-outs of its own.
CATALOGUE_TIMEOUTS = Timeouts(connect=3, read=5, write=5, pool=3)

DEFAULTS: dict[Capability, list[str]] = {
    Capability.VIDEO_VEO3_ASYNC: ["veo3-fast", "veo3", "veo3-pro", "veo3-fast-frames"],
    Capability.VIDEO_SORA2: ["sora-2", "sora-2-pro"],
    Capability.MIDJOURNEY: ["midjourney"],
    Capability.IMAGE_CHAT: ["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gpt-4o-image"],
    Capability.IMAGES_API: ["dall-e-3", "gpt-image-1", "flux-kontext-pro", "gemini-2.5-flash-image"],
    Capability.VIDEO_CHAT: ["veo3-fast", "veo3", "veo3-pro", "veo3-fast-frames", "sora-2", "sora_remover"],
    Capability.TTS: ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"],
    Capability.STT: ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"],
    Capability.CHAT: ["gpt-4o-mini", "gpt-4o"],
    Capability.COMPLETIONS: ["gpt-3.5-turbo-instruct"],
    Capability.EMBEDDINGS: ["text-embedding-3-small", "text-embedding-3-large"],
}


def _cache_key(team: Team) -> str:
    digest = hashlib.sha256(f"{team.effective_gateway_url}|{team.effective_api_key}".encode()).hexdigest()
    return f"gateway-models:{digest[:32]}"


def gateway_model_ids(team: Team) -> list[str]:
    """The ids the team's gateway lists (cached); empty when the gateway cannot be asked."""
    key = _cache_key(team)
    cached: list[str] | None = cache.get(key)
    if cached is not None:
        return cached
    try:
        client = gateway.client_for(team, timeouts=CATALOGUE_TIMEOUTS)
        ids = [model.id for model in client.models.list()]
    except UpstreamError as exc:
        logger.info("Model list unavailable for team %s: %s", team.pk, exc)
        ids = []
    cache.set(key, ids, CACHE_SECONDS if ids else 30)
    return ids


def models_for(team: Team, capability: Capability) -> list[str]:
    """Models fit for one capability, the gateway's first, then the defaults it did not list."""
    listed = [model for model in gateway_model_ids(team) if capability in classify_model(model)]
    return listed + [model for model in DEFAULTS.get(capability, []) if model not in listed]


def models_for_kind(team: Team, kind: str) -> list[str]:
    """Models fit for one kind: its capability, narrowed by the kind's name pattern, its default first."""
    spec = KINDS[kind]
    models = models_for(team, spec.capability)
    if spec.model_pattern:
        pattern = re.compile(spec.model_pattern)
        models = [model for model in models if pattern.search(model.lower())]
    return [spec.default_model, *(model for model in models if model != spec.default_model)]
