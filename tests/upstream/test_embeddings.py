"""Embeddings."""

from __future__ import annotations

import base64
import struct

import pytest

from studio.upstream import MalformedResponse
from tests.upstream.fakes import FakeGateway, json_response


def test_embeddings_create_returns_vectors_in_input_order():
    gateway = FakeGateway(
        json_response(
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": 1, "embedding": [0.0789, 0.0012]},
                    {"object": "embedding", "index": 0, "embedding": [0.0123, -0.0456]},
                ],
                "model": "text-embedding-3-small",
                "usage": {"prompt_tokens": 2, "total_tokens": 2},
            }
        )
    )

    result = gateway.client().embeddings.create(
        input=["alpha", "beta"], dimensions=512, encoding_format="float"
    )

    assert gateway.last.url.path == "/sandbox/v1/embeddings"
    assert gateway.last_json() == {
        "model": "text-embedding-3-small",
        "input": ["alpha", "beta"],
        "dimensions": 512,
        "encoding_format": "float",
    }
    assert result.vectors == ((0.0123, -0.0456), (0.0789, 0.0012))
    assert result.usage is not None
    assert result.usage.total_tokens == 2


def test_embeddings_create_decodes_base64_vectors():
    packed = base64.b64encode(struct.pack("<2f", 0.5, -0.25)).decode()
    gateway = FakeGateway(json_response({"data": [{"index": 0, "embedding": packed}], "model": "m"}))

    result = gateway.client().embeddings.create(input="alpha", encoding_format="base64")

    assert result.vectors == ((0.5, -0.25),)


def test_embeddings_create_raises_malformed_response_without_vectors():
    gateway = FakeGateway(json_response({"data": [{"index": 0, "embedding": None}]}))

    with pytest.raises(MalformedResponse):
        gateway.client().embeddings.create(input="alpha")
