"""The Images API: validation per model family (DALL·E 3, gpt-image-1, Flux, Gemini) and rendering."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageOps

from studio.sandbox import files, media
from studio.sandbox.gateway import invalid_request

DALL_E_3_SIZES = {"1024x1024", "1792x1024", "1024x1792"}
GPT_IMAGE_SIZES = {"1024x1024", "1536x1024", "1024x1536", "auto"}
_SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")
_ASPECT = re.compile(r"^(\d{1,2}):(\d{1,2})$")


@dataclass(frozen=True)
class ImageJob:
    """One validated images request."""

    model: str
    prompt: str
    count: int
    size: tuple[int, int]
    response_format: str
    output_format: str = "png"
    is_transparent: bool = False
    sources: Sequence[Image.Image] = field(default_factory=tuple)
    mask: Image.Image | None = None

    @property
    def is_gpt_image(self) -> bool:
        return self.model == "gpt-image-1"


def _count(value: object, *, maximum: int) -> int:
    if value is None:
        return 1
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise invalid_request(f"Invalid 'n': must be an integer between 1 and {maximum}.", param="n")
    return value


def _size(body: Mapping[str, Any], allowed: set[str] | None, default: tuple[int, int]) -> tuple[int, int]:
    size = body.get("size")
    aspect = body.get("aspect_ratio")
    if size in (None, "", "auto") and isinstance(aspect, str) and _ASPECT.match(aspect):
        width, height = (int(part) for part in aspect.split(":"))
        return media.size_for_aspect((width, height))
    if size in (None, "", "auto"):
        return default
    if not isinstance(size, str) or (allowed is not None and size not in allowed):
        choices = ", ".join(sorted(allowed or ())) or "WIDTHxHEIGHT"
        raise invalid_request(f"Invalid 'size' {size!r}: must be one of {choices}.", param="size")
    match = _SIZE.match(size)
    if match is None or not all(64 <= int(part) <= 2048 for part in match.groups()):
        raise invalid_request(f"Invalid 'size' {size!r}.", param="size")
    return int(match.group(1)), int(match.group(2))


def _choice(body: Mapping[str, Any], name: str, allowed: set[str], default: str) -> str:
    value = body.get(name) or default
    if value not in allowed:
        raise invalid_request(f"Invalid '{name}' {value!r}: must be one of {sorted(allowed)}.", param=name)
    return str(value)


def parse_job(
    body: Mapping[str, Any],
    *,
    model: str,
    sources: Sequence[Image.Image] = (),
    mask: Image.Image | None = None,
) -> ImageJob:
    """Validate an images request as the model's upstream would; raises a 400 on bad fields."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid_request("'prompt' is a required property", param="prompt")
    default_size = sources[0].size if sources else (1024, 1024)
    default_size = media.size_for_aspect(default_size) if sources else default_size
    if model == "dall-e-3":
        if sources:
            raise invalid_request("dall-e-3 does not support image edits.", param="model")
        if body.get("n") not in (None, 1):
            raise invalid_request("You must provide n=1 for this model.", param="n")
        _choice(body, "quality", {"standard", "hd"}, "standard")
        _choice(body, "style", {"vivid", "natural"}, "vivid")
        return ImageJob(
            model=model,
            prompt=prompt,
            count=1,
            size=_size(body, DALL_E_3_SIZES, (1024, 1024)),
            response_format=_choice(body, "response_format", {"url", "b64_json"}, "url"),
        )
    if model == "gpt-image-1":
        _choice(body, "quality", {"low", "medium", "high", "auto"}, "auto")
        background = _choice(body, "background", {"transparent", "opaque", "auto"}, "auto")
        output_format = _choice(body, "output_format", {"png", "jpeg", "webp"}, "png")
        if background == "transparent" and output_format == "jpeg":
            raise invalid_request("Transparent background requires png or webp.", param="background")
        return ImageJob(
            model=model,
            prompt=prompt,
            count=_count(body.get("n"), maximum=10),
            size=_size(body, GPT_IMAGE_SIZES, default_size),
            response_format="b64_json",
            output_format=output_format,
            is_transparent=background == "transparent",
            sources=sources,
            mask=mask,
        )
    default_format = "b64_json" if model.startswith("gemini") else "url"
    return ImageJob(
        model=model,
        prompt=prompt,
        count=_count(body.get("n"), maximum=4),
        size=_size(body, None, default_size),
        response_format=_choice(body, "response_format", {"url", "b64_json"}, default_format),
        sources=sources,
        mask=mask,
    )


def _transparent(image: Image.Image) -> Image.Image:
    alpha = Image.new("L", image.size, 0)
    width, height = image.size
    ImageDraw.Draw(alpha).ellipse((width // 10, height // 10, width * 9 // 10, height * 9 // 10), fill=255)
    result = image.convert("RGBA")
    result.putalpha(alpha)
    return result


def render_job(job: ImageJob) -> list[Image.Image]:
    """The pictures for a job: one per `n`, each with its own seed, edits drawn over the inputs."""
    results = []
    for seed in range(job.count):
        image = media.render_image(job.prompt, *job.size, seed=seed, sources=job.sources)
        if job.mask is not None and job.sources:
            base = ImageOps.fit(job.sources[0].convert("RGB"), job.size)
            # OpenAI masks mark the area to edit with full transparency.
            selection = ImageChops.invert(job.mask.convert("RGBA").getchannel("A"))
            image = media.inpaint(base, selection, prompt=job.prompt, seed=seed)
        if job.is_transparent:
            image = _transparent(image)
        results.append(image)
    return results


def images_payload(request: HttpRequest, job: ImageJob, images: Sequence[Image.Image]) -> dict[str, Any]:
    """The Images API answer: `created`, `data[]` with `url` or `b64_json`, and usage for gpt-image-1."""
    image_format = {"jpeg": "JPEG", "webp": "WEBP"}.get(job.output_format, "PNG")
    data: list[dict[str, Any]] = []
    for image in images:
        item: dict[str, Any]
        if job.response_format == "b64_json":
            item = {"b64_json": base64.b64encode(media.encode_image(image, image_format)).decode()}
        else:
            item = {"url": files.file_url(request, files.save_image(image, image_format=image_format))}
        if job.model == "dall-e-3":
            item["revised_prompt"] = f"A detailed, vivid rendering of {job.prompt.strip()}"
        data.append(item)
    payload: dict[str, Any] = {"created": int(timezone.now().timestamp()), "data": data}
    if job.is_gpt_image:
        text_tokens = max(1, len(job.prompt) // 4)
        image_tokens = 323 * len(job.sources)
        output_tokens = 1056 * len(images)
        payload |= {
            "background": "transparent" if job.is_transparent else "opaque",
            "output_format": job.output_format,
            "size": f"{job.size[0]}x{job.size[1]}",
            "usage": {
                "input_tokens": text_tokens + image_tokens,
                "output_tokens": output_tokens,
                "total_tokens": text_tokens + image_tokens + output_tokens,
                "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
            },
        }
    return payload
