"""Template filters for the results of the kinds the gateway answers within one request: streamed text,
progress lines, usage, embeddings previews, and where a result can be used as input next."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from studio.generations import mj_buttons
from studio.generations.models import Generation
from studio.lib.gateway_text import plain_text
from studio.upstream.media import parse_progress_line

register = template.Library()


@register.filter
def result_display(generation: Generation) -> str:
    """How a card shows the generation's text: an answer, media progress lines, a revised prompt…"""
    return str(generation.spec.display)


@register.filter
def progress_lines(text: str) -> list[str]:
    """The progress lines of a chat-format media answer (`> 进度 **41%**`, `> 排队中.`) as plain text."""
    lines = []
    for line in (text or "").splitlines():
        update = parse_progress_line(line)
        # Quoted links (the reseller's task pages) are not progress a person reads.
        if update is not None and update.line and not update.line.startswith(("[", "!", "<")):
            readable = plain_text(update.line)
            if readable:
                lines.append(readable)
    return lines


@register.filter
def latest_progress_line(text: str) -> str:
    """The newest progress line of an answer still arriving, as plain text ("" when it has none)."""
    lines = progress_lines(text)
    return lines[-1] if lines else ""


@register.filter
def gateway_text(text: str) -> str:
    """Text the gateway wrote (often Chinese Markdown) as plain words; the template still escapes it."""
    return plain_text(text)


def _number(value: object) -> str:
    """A count as the active language writes it ("12,345" in English); anything else as it is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return str(value)


@register.filter
def usage_summary(usage: dict[str, Any] | None) -> str:
    """The gateway's usage report in a line: tokens in and out, or seconds of audio."""
    if not usage:
        return ""
    if usage.get("type") == "duration" and "seconds" in usage:
        return _("%(seconds)s s of audio") % {"seconds": _number(usage["seconds"])}
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    completion = usage.get("completion_tokens", usage.get("output_tokens"))
    total = usage.get("total_tokens")
    if prompt is not None and completion is not None:
        return _("%(prompt)s tokens in, %(completion)s out (%(total)s in all)") % {
            "prompt": _number(prompt),
            "completion": _number(completion),
            "total": _number(total if total is not None else prompt + completion),
        }
    if total is not None:
        return _("%(total)s tokens") % {"total": _number(total)}
    return ", ".join(
        f"{key}: {value}" for key, value in usage.items() if isinstance(value, int | float | str)
    )


@register.filter
def embedding_summary(text: str) -> dict[str, Any] | None:
    """The count, dimensions and first values of an embeddings result (see `engine.run.run_embeddings`)."""
    try:
        summary = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(summary, dict) or "count" not in summary:
        return None
    summary["preview"] = [
        ", ".join(f"{value:.4f}" for value in vector) + ", …" for vector in summary.get("preview", [])
    ]
    return summary


@register.filter
def mj_offered_buttons(generation: Generation) -> list[mj_buttons.Button]:
    """The Midjourney buttons this result offers, with readable labels (unknown ones left out)."""
    return mj_buttons.offered(generation.buttons or [], result_text=generation.result_text)


@register.filter
def mj_modal_prompt(generation: Generation, button: mj_buttons.Button) -> str:
    """What a modal button's prompt field starts with: the prompt typed so far (custom zoom adds --zoom)."""
    if button.action == mj_buttons.Action.CUSTOM_ZOOM and "--zoom" not in generation.prompt:
        return f"{generation.prompt} --zoom 1.5".strip()
    return generation.prompt


@register.filter
def parent_link(generation: Generation) -> str:
    """Where "from #N" leads: the parent's card on this page, or on its own project's page."""
    anchor = f"#generation-{generation.parent_id}"
    parent = generation.parent
    if parent is None or parent.project_id == generation.project_id:
        return anchor
    return reverse("project_detail", args=[parent.project_id]) + anchor
