"""Fixtures for the sandbox gateway: isolated media storage, instant time, and a keyed API client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

API_KEY = "sk-sandbox-test"


@pytest.fixture(autouse=True)
def sandbox_settings(settings, tmp_path):
    """Every sandbox test writes media under its own temporary folder and runs on instant time."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SANDBOX_TIME_SCALE = 0.0
    settings.SANDBOX_POLL_INTERVAL = 15.0
    settings.SANDBOX_FAULTS = ""
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_TASK_FAILURE_RATE = 0.0
    return settings


class Api:
    """A test client that talks to the sandbox with a key, as the studio's gateway client does."""

    def __init__(self, client: Client, key: str = API_KEY) -> None:
        self.client = client
        self.key = key

    def headers(self, key: str | None, extra: dict[str, str]) -> dict[str, str]:
        used = self.key if key is None else key
        headers = {"Authorization": f"Bearer {used}"} if used else {}
        return headers | extra

    def post(self, path: str, body: Any = None, *, key: str | None = None, **headers: str):
        return self.client.post(
            f"/sandbox{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self.headers(key, headers),
        )

    def post_form(self, path: str, data: dict[str, Any], *, key: str | None = None, **headers: str):
        return self.client.post(f"/sandbox{path}", data=data, headers=self.headers(key, headers))

    def get(self, path: str, *, key: str | None = None, **headers: str):
        return self.client.get(f"/sandbox{path}", headers=self.headers(key, headers))


@pytest.fixture
def api(db, client) -> Api:
    return Api(client)
