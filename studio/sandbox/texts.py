"""Text the sandbox makes up: token counts, chat and completion replies, embeddings, describe prompts."""

from __future__ import annotations

import base64
import math
import random
import re
import struct
from collections.abc import Sequence
from typing import Any

from studio.sandbox.media import digest_number

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
_CONTINUATIONS = (
    "time, in a studio far away, a small team made moving pictures out of words.",
    "quiet morning the gateway answered every request without a single error.",
    "day the render queue was empty and the coffee was still warm.",
)


def count_tokens(text: str) -> int:
    """A rough token count (about four bytes of UTF-8 per token), at least 1 for any text."""
    return max(1, math.ceil(len(text.encode()) / 4)) if text else 0


def message_text(content: object) -> str:
    """The text of a chat message's content, be it a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") in {"text", "input_text"}
        )
    return ""


def message_images(content: object) -> list[str]:
    """The image URLs (https or data:) among a chat message's content parts."""
    urls: list[str] = []
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "image_url":
                continue
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str) and url:
                urls.append(url)
    return urls


def chat_reply(model: str, messages: Sequence[dict[str, Any]]) -> str:
    """The sandbox's answer to a plain chat: it echoes the last user message."""
    last = next(
        (message_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"),
        "",
    )
    return f"[sandbox {model}] You said: {last.strip() or '(nothing)'}"


def completion_text(prompt: str) -> str:
    """A deterministic continuation of a legacy completion prompt."""
    return " " + _CONTINUATIONS[digest_number(prompt) % len(_CONTINUATIONS)]


def truncate_words(text: str, max_tokens: object) -> tuple[str, str]:
    """The text cut to `max_tokens` words when it is longer, and the finish reason that follows."""
    if not isinstance(max_tokens, int) or max_tokens <= 0:
        return text, "stop"
    words = text.split(" ")
    if len(words) <= max_tokens:
        return text, "stop"
    return " ".join(words[:max_tokens]), "length"


def embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector of `dimensions` floats drawn from a generator seeded by the text."""
    rng = random.Random(digest_number("embedding", text))
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [round(value / norm, 8) for value in values]


def encode_embedding(vector: Sequence[float], encoding_format: str) -> list[float] | str:
    """The vector as floats, or as base64 of little-endian float32 (`encoding_format: base64`)."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return list(vector)


def describe_prompts(width: int, height: int, seed: int) -> str:
    """Four numbered prompts for Midjourney's describe, as `properties.finalPrompt` carries them."""
    rng = random.Random(seed)
    subjects = ["a quiet harbour", "an abstract colour field", "a neon city street", "a paper garden"]
    styles = ["soft morning light", "bold geometric shapes", "watercolor texture", "cinematic haze"]
    rng.shuffle(subjects)
    divisor = math.gcd(width, height) or 1
    aspect = f"{width // divisor}:{height // divisor}"
    digits = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    return "\n\n".join(
        f"{digit} {subject}, {rng.choice(styles)} --ar {aspect}"
        for digit, subject in zip(digits, subjects, strict=True)
    )


_PARAMETERS = re.compile(r"(?:^|\s)--")


def shorten_prompts(prompt: str) -> str:
    """Five shorter prompts for Midjourney's shorten, numbered like the bot does."""
    # Midjourney's parameters (`--ar 16:9 --v 6.1`) close the prompt; they and their values are not its words.
    words = _PARAMETERS.split(prompt, maxsplit=1)[0].split()
    digits = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]
    lines = []
    for number, digit in enumerate(digits):
        keep = max(1, len(words) - number)
        lines.append(f"{digit} {' '.join(words[:keep])}")
    return "\n\n".join(lines)
