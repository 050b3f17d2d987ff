"""The Images API: generations and edits."""

from __future__ import annotations

import base64

import pytest

from studio.upstream import FileUpload, MalformedResponse
from tests.upstream.fakes import FakeGateway, json_response

PNG = b"\x89PNG\r\n\x1a\n tiny"


def test_images_generate_posts_dall_e_3_body_and_reads_url():
    gateway = FakeGateway(
        json_response(
            {
                "created": 1756312500,
                "data": [
                    {
                        "url": "https://filesystem.site/cdn/20250828/Qw9.png",
                        "revised_prompt": "A detailed city",
                    }
                ],
            }
        )
    )

    result = gateway.client().images.generate(
        model="dall-e-3",
        prompt="isometric tiny city",
        n=1,
        size="1024x1024",
        quality="standard",
        response_format="url",
        style="vivid",
    )

    assert gateway.last.url.path == "/sandbox/v1/images/generations"
    assert gateway.last_json() == {
        "model": "dall-e-3",
        "prompt": "isometric tiny city",
        "n": 1,
        "size": "1024x1024",
        "quality": "standard",
        "response_format": "url",
        "style": "vivid",
    }
    assert result.images[0].url == "https://filesystem.site/cdn/20250828/Qw9.png"
    assert result.images[0].revised_prompt == "A detailed city"
    assert result.created_at is not None


def test_images_generate_reads_gpt_image_1_b64_json_and_usage():
    encoded = base64.b64encode(PNG).decode()
    gateway = FakeGateway(
        json_response(
            {
                "created": 1756312500,
                "data": [{"b64_json": encoded}],
                "usage": {"input_tokens": 10, "output_tokens": 4160, "total_tokens": 4170},
            }
        )
    )

    result = gateway.client().images.generate(
        model="gpt-image-1", prompt="sticker of a cat", background="transparent"
    )

    assert result.images[0].url is None
    assert result.images[0].decode() == PNG
    assert result.usage is not None
    assert result.usage.total_tokens == 4170
    assert encoded not in repr(result)


def test_images_generate_passes_flux_extra_fields_through():
    gateway = FakeGateway(json_response({"data": [{"url": "https://x.test/f.png"}]}))

    gateway.client().images.generate(model="flux-kontext-pro", prompt="a fox", aspect_ratio="16:9", seed=7)

    assert gateway.last_json() == {
        "model": "flux-kontext-pro",
        "prompt": "a fox",
        "aspect_ratio": "16:9",
        "seed": 7,
    }


def test_images_generate_raises_malformed_response_without_images():
    gateway = FakeGateway(json_response({"created": 1756312500, "data": []}))

    with pytest.raises(MalformedResponse):
        gateway.client().images.generate(model="dall-e-3", prompt="x")


def test_images_edit_uploads_several_images_as_multipart():
    gateway = FakeGateway(json_response({"data": [{"url": "https://x.test/e.png"}]}))

    result = gateway.client().images.edit(
        model="gemini-2.5-flash-image",
        prompt="put them together",
        images=[FileUpload("a.png", PNG, "image/png"), FileUpload("b.png", PNG, "image/png")],
        size="1024x1024",
    )

    body = gateway.last.content
    assert gateway.last.url.path == "/sandbox/v1/images/edits"
    assert body.count(b'name="image[]"') == 2
    assert b'filename="b.png"' in body
    assert b'name="size"\r\n\r\n1024x1024' in body
    assert result.images[0].url == "https://x.test/e.png"


def test_images_edit_uploads_single_image_and_mask_under_their_names():
    gateway = FakeGateway(json_response({"data": [{"url": "https://x.test/e.png"}]}))

    gateway.client().images.edit(
        model="gpt-image-1",
        prompt="add a hat",
        images=[FileUpload("a.png", PNG, "image/png")],
        mask=FileUpload("mask.png", PNG, "image/png"),
    )

    body = gateway.last.content
    assert b'name="image"; filename="a.png"' in body
    assert b'name="mask"; filename="mask.png"' in body
