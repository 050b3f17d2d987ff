"""The Images API against the sandbox: generations and multipart edits, as URLs and as base64."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from studio.upstream import BadRequest, FileUpload
from tests.sandbox.helpers import decode_image, png_bytes


def png_upload(size=(64, 48), color=(200, 30, 30), name="source.png"):
    return FileUpload(name, png_bytes(size, color), "image/png")


def transparent_mask(size):
    """An OpenAI edit mask: fully transparent where the image should change (here the left half)."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return FileUpload("mask.png", buffer.getvalue(), "image/png")


def test_images_generate_dall_e_3_returns_a_url_with_the_asked_size(gateway, fetch_image):
    result = gateway.images.generate(
        model="dall-e-3", prompt="isometric tiny city", size="1792x1024", quality="hd", response_format="url"
    )

    [image] = result.images
    assert image.b64_json is None
    assert image.url is not None
    assert "/sandbox/cdn/" in image.url
    assert image.revised_prompt == "A detailed, vivid rendering of isometric tiny city"
    assert fetch_image(image.url).size == (1792, 1024)
    assert result.created_at is not None
    assert result.request_id


def test_images_generate_dall_e_3_returns_base64_when_asked(gateway):
    result = gateway.images.generate(
        model="dall-e-3", prompt="isometric tiny city", size="1024x1792", response_format="b64_json"
    )

    [image] = result.images
    assert image.url is None
    assert decode_image(image.decode()).size == (1024, 1792)


def test_images_generate_dall_e_3_raises_bad_request_for_more_than_one_image(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.images.generate(model="dall-e-3", prompt="two cities", n=2)

    assert caught.value.status_code == 400
    assert "n=1" in caught.value.gateway_message


def test_images_edit_dall_e_3_raises_bad_request(gateway):
    with pytest.raises(BadRequest) as caught:
        gateway.images.edit(model="dall-e-3", prompt="add a moon", images=[png_upload()])

    assert "does not support image edits" in caught.value.gateway_message


def test_images_generate_flux_returns_one_url_per_image(gateway, fetch_image):
    result = gateway.images.generate(model="flux-kontext-pro", prompt="a neon street", n=2, size="768x512")

    assert len(result.images) == 2
    assert result.images[0].url != result.images[1].url
    assert [fetch_image(image.url).size for image in result.images] == [(768, 512), (768, 512)]


def test_images_generate_flux_returns_base64_at_an_aspect_ratio(gateway):
    result = gateway.images.generate(
        model="flux-pro", prompt="a neon street", response_format="b64_json", aspect_ratio="16:9"
    )

    assert decode_image(result.images[0].decode()).size == (1024, 576)


def test_images_edit_flux_keeps_the_source_aspect(gateway, fetch_image):
    result = gateway.images.edit(
        model="flux-kontext-max", prompt="make it night", images=[png_upload((64, 48))]
    )

    assert fetch_image(result.images[0].url).size == (1024, 768)


def test_images_edit_flux_returns_base64_when_asked(gateway):
    result = gateway.images.edit(
        model="flux-kontext-pro",
        prompt="make it night",
        images=[png_upload((48, 64))],
        response_format="b64_json",
    )

    assert decode_image(result.images[0].decode()).size == (768, 1024)


def test_images_generate_gpt_image_1_returns_base64_and_token_usage(gateway):
    result = gateway.images.generate(
        model="gpt-image-1", prompt="sticker of a cat", size="1536x1024", quality="high"
    )

    [image] = result.images
    assert image.url is None
    assert decode_image(image.decode()).size == (1536, 1024)
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0
    assert result.usage.completion_tokens == 1056
    assert result.usage.total_tokens == result.usage.prompt_tokens + 1056


def test_images_generate_gpt_image_1_returns_base64_even_when_a_url_is_asked(gateway):
    result = gateway.images.generate(model="gpt-image-1", prompt="sticker of a cat", response_format="url")

    assert result.images[0].url is None
    assert decode_image(result.images[0].decode()).size == (1024, 1024)


def test_images_generate_gpt_image_1_draws_a_transparent_background(gateway):
    result = gateway.images.generate(
        model="gpt-image-1", prompt="sticker of a cat", background="transparent", output_format="png"
    )

    image = decode_image(result.images[0].decode())
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((512, 512))[3] == 255


def test_images_edit_gpt_image_1_combines_several_images_with_a_mask(gateway):
    sources = [png_upload((64, 64), (200, 30, 30), "a.png"), png_upload((64, 64), (30, 30, 200), "b.png")]

    result = gateway.images.edit(
        model="gpt-image-1",
        prompt="a cat between the two colours",
        images=sources,
        mask=transparent_mask((64, 64)),
        size="1024x1024",
    )

    assert decode_image(result.images[0].decode()).size == (1024, 1024)
    assert result.usage is not None
    assert result.usage.raw["input_tokens_details"]["image_tokens"] == 2 * 323


def test_images_generate_gemini_2_5_flash_image_returns_base64_by_default(gateway):
    result = gateway.images.generate(model="gemini-2.5-flash-image", prompt="a fox", size="1024x1024")

    assert result.images[0].url is None
    assert decode_image(result.images[0].decode()).size == (1024, 1024)


def test_images_generate_gemini_2_5_flash_image_returns_a_url_when_asked(gateway, fetch_image):
    result = gateway.images.generate(
        model="gemini-2.5-flash-image", prompt="a fox", size="1024x768", response_format="url"
    )

    assert result.images[0].b64_json is None
    assert fetch_image(result.images[0].url).size == (1024, 768)


@pytest.mark.parametrize("response_format", ["url", "b64_json"])
def test_images_edit_gemini_2_5_flash_image_returns_an_image_of_the_source_aspect(
    gateway, fetch_image, response_format
):
    result = gateway.images.edit(
        model="gemini-2.5-flash-image",
        prompt="make the sky purple",
        images=[png_upload((48, 64))],
        response_format=response_format,
    )

    image = result.images[0]
    decoded = fetch_image(image.url) if response_format == "url" else decode_image(image.decode())
    assert decoded.size == (768, 1024)
