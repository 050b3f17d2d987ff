"""Classify a gateway model id into what the studio can do with it, from its name alone.

The gateway's model list carries no capabilities, and resellers invent new ids all the time
(`veo3.1-4k`, `sora2-landscape-15s`, `gemini-3-pro-image-preview`), so the rules match name
patterns rather than a fixed list: an unknown model lands in the kind its name suggests.
"""

from __future__ import annotations

import enum
import re


class Capability(enum.StrEnum):
    CHAT = "chat"
    IMAGE_CHAT = "image_chat"
    IMAGES_API = "images_api"
    VIDEO_VEO3_ASYNC = "video_veo3_async"
    VIDEO_SORA2 = "video_sora2"
    SORA_CHARACTER = "sora_character"
    VIDEO_CHAT = "video_chat"
    MIDJOURNEY = "midjourney"
    TTS = "tts"
    STT = "stt"
    EMBEDDINGS = "embeddings"
    COMPLETIONS = "completions"


def _pattern(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives))


_MIDJOURNEY = _pattern(r"^mj[_-]", r"midjourney", r"niji", r"^swap_face$")
_SORA_REMOVER = _pattern(r"sora[_-]?remover", r"watermark")
_SORA = _pattern(r"^sora")
# Character models only create characters on `/v1/videos`; they never answer in chat.
_SORA_CHARACTER = _pattern(r"^sora.*[-_]character")
_VEO = _pattern(r"^veo")
_TTS = _pattern(r"(^|[-_])tts($|[-_])", r"speech")
_STT = _pattern(r"whisper", r"transcribe", r"(^|[-_])(stt|asr)($|[-_])")
_EMBEDDINGS = _pattern(r"embed", r"^bge-", r"^m3e", r"^jina-")
_COMPLETIONS = _pattern(r"-instruct$", r"^(text-)?(davinci|babbage|curie|ada)(-|$)")
_IMAGE_CHAT = _pattern(r"^gpt-4o-image", r"^gemini-.*image", r"nano-?banana")
# Names that only say what they make: relayed through chat, which every gateway serves.
_ANY_IMAGE = _pattern(r"image")
_ANY_VIDEO = _pattern(r"video")
_IMAGES_API = _pattern(
    r"^dall-e",
    r"flux",
    r"^gpt-image",
    r"^gemini-.*-image$",
    r"^gemini-2\.5-flash-image",
    r"imagen",
    r"seedream",
    r"stable-diffusion",
    r"^sd[-_]?\d",
    r"kolors",
    r"recraft",
    r"ideogram",
)


def classify_model(model_id: str) -> frozenset[Capability]:
    """Return the capabilities a model id suggests; anything unrecognised is a chat model."""
    name = model_id.strip().lower()
    if _MIDJOURNEY.search(name):
        return frozenset({Capability.MIDJOURNEY})
    if _SORA_REMOVER.search(name):
        return frozenset({Capability.VIDEO_CHAT})
    if _SORA_CHARACTER.search(name):
        return frozenset({Capability.SORA_CHARACTER})
    if _SORA.search(name):
        return frozenset({Capability.VIDEO_SORA2, Capability.VIDEO_CHAT})
    if _VEO.search(name):
        return frozenset({Capability.VIDEO_VEO3_ASYNC, Capability.VIDEO_CHAT})
    if _EMBEDDINGS.search(name):
        return frozenset({Capability.EMBEDDINGS})
    if _STT.search(name):
        return frozenset({Capability.STT})
    if _TTS.search(name):
        return frozenset({Capability.TTS})
    if _COMPLETIONS.search(name):
        return frozenset({Capability.COMPLETIONS})
    found: set[Capability] = set()
    if _IMAGE_CHAT.search(name):
        found.add(Capability.IMAGE_CHAT)
    if _IMAGES_API.search(name):
        found.add(Capability.IMAGES_API)
    if not found and _ANY_IMAGE.search(name):
        found.add(Capability.IMAGE_CHAT)
    if not found and _ANY_VIDEO.search(name):
        found.add(Capability.VIDEO_CHAT)
    return frozenset(found) or frozenset({Capability.CHAT})
