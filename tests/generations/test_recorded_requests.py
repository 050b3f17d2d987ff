"""The detail page's record is the truth: the request recorded is the one the gateway received, and each
gateway reply is kept with its status and its body without secrets."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from studio.accounts.models import User
from studio.generations import gateway, services
from studio.generations.engine import submit
from studio.generations.models import Generation, GenerationEvent, Kind, Status
from studio.projects.models import Project
from studio.sandbox.gateway import GatewayCall


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every JSON body the sandbox gateway read, as it read it off the wire."""
    bodies: list[dict[str, Any]] = []
    read_json = GatewayCall.read_json

    def spy(self: GatewayCall, request: Any) -> dict[str, Any]:
        body = read_json(self, request)
        bodies.append(body)
        return body

    monkeypatch.setattr(GatewayCall, "read_json", spy)
    return bodies


def submitted(project: Project, user: User, kind: str, model: str, params: dict[str, Any]) -> Generation:
    generation = services.start_generation(
        project=project, user=user, kind=kind, model=model, prompt="a lighthouse at dusk", params=params
    )
    submit.submit_generation(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.SUBMITTED
    return generation


@pytest.mark.parametrize(
    ("kind", "model", "params"),
    [
        (Kind.VEO3_VIDEO, "veo3-fast", {"aspect_ratio": "16:9", "enhance_prompt": True}),
        (Kind.SORA2_VIDEO, "sora-2", {"seconds": 8, "size": "1280x720", "characters": []}),
    ],
)
def test_recorded_request_is_the_body_the_gateway_received(
    sandbox_project: Project, user: User, received: list[dict[str, Any]], kind: str, model: str, params: Any
) -> None:
    generation = submitted(sandbox_project, user, kind, model, params)

    assert len(received) == 1
    assert generation.request_payload["body"] == received[0]
    request_event = generation.events.get(kind=GenerationEvent.Kind.REQUEST)
    assert request_event.payload["body"] == received[0]


def test_each_reply_is_recorded_with_its_status_and_body(sandbox_project: Project, user: User) -> None:
    generation = submitted(sandbox_project, user, Kind.VEO3_VIDEO, "veo3-fast", {})

    reply = generation.events.get(kind=GenerationEvent.Kind.RESPONSE)
    assert reply.payload["status"] == 200
    assert generation.upstream_task_id in str(reply.payload["body"])


def test_recorded_reply_has_no_secrets_and_is_cut_to_an_excerpt() -> None:
    raw = {
        "api_key": "sk-live-123456",
        "echo": "sent with Bearer sk-abcdef123456",
        "image": "data:image/png;base64," + "A" * 100,
        "log": "x" * 5000,
    }

    excerpt = gateway.reply_excerpt(raw, status_code=200)

    text = str(excerpt)
    assert excerpt["status"] == 200
    assert "123456" not in text
    assert "abcdef" not in text
    assert "AAAA" not in text
    assert len(excerpt["body"]) <= gateway.REPLY_EXCERPT_CHARS + 1


def test_detail_page_shows_the_reply_status(sandbox_project: Project, user: User, client) -> None:  # type: ignore[no-untyped-def]
    generation = submitted(sandbox_project, user, Kind.VEO3_VIDEO, "veo3-fast", {})
    client.force_login(user)

    page = client.get(reverse("generation_detail", args=[generation.pk])).content.decode()

    assert "&quot;status&quot;: 200" in page or '"status": 200' in page
