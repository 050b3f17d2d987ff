"""What the gateway writes, made readable on a card: its Markdown reduced to plain text, and its known
errors explained in the reader's own language.

Midjourney, Veo and Sora answers and progress lines arrive as Chinese Markdown ("> 进度 **12%**",
"[点击下载](…)", code spans). Cards show the words without the markup; templates escape the result, so
nothing the gateway sends is ever rendered as HTML. The gateway's original text stays in the record and
on the generation's detail page.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>")
_INLINE_CODE = re.compile(r"`+([^`]*)`+")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
# A single * or _ emphasises only when it hugs the words; snake_case names and "2 * 3" stay as they are.
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s*(?:>\s?)+", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_BLANK_LINES = re.compile(r"\n{3,}")
_PARKED = 0xE000  # the start of Unicode's private use area
_PARKED_CHARACTER = re.compile("[\ue000-\ue07f]")


def plain_text(markdown: str) -> str:
    """The words of a Markdown text without its markup: emphasis, links, code, quotes and headings."""
    text = (markdown or "").replace("\r\n", "\n")
    # Escaped characters (\*) are words, not markup: park them where no pattern below can see them.
    text = _ESCAPE.sub(lambda match: chr(_PARKED + ord(match.group(1))), text)
    text = _FENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = strip_tags(text)
    text = _RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1• ", text)
    text = _STRONG.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    # Markers left without a partner (a stream cut mid-word) are markup all the same.
    text = text.replace("**", "").replace("__", "")
    text = _PARKED_CHARACTER.sub(lambda match: chr(ord(match.group(0)) - _PARKED), text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# The studio's own words for the errors it knows (studio.upstream.errors, and its own task states),
# looked up when the page is drawn so that each reader gets them in their own language.
EXPLANATIONS: dict[str, Promise] = {
    "authentication_failed": _("The gateway rejected the team's API key. Check it in the gateway settings."),
    "permission_denied": _("The gateway refused this key (account banned or address not allowed)."),
    "quota_exhausted": _("The gateway account has no quota left. Top it up, then retry."),
    "model_not_available": _("This model is not available for the team's gateway key. Pick another."),
    "rate_limited": _("The gateway is busy. Retry in a moment."),
    "gateway_unavailable": _("The gateway or its provider is unavailable right now. Retry later."),
    "bad_request": _("The gateway rejected the request."),
    "task_not_found": _("The gateway no longer knows this task."),
    "content_not_ready": _("The result is not ready to download yet."),
    "banned_prompt": _("The prompt contains a word the provider does not allow. Rephrase it and retry."),
    "queue_full": _("The provider's queue is full. Retry in a few minutes."),
    "provider_busy": _("The provider has no free account for this job right now. Retry later."),
    "generation_failed": _("The provider could not generate this."),
    "malformed_response": _("The gateway sent an answer the studio cannot read."),
    "not_sent": _("Could not reach the gateway; nothing was submitted. Retry."),
    "connection_refused": _(
        "Could not reach the gateway: the connection was refused, so nothing was sent. "
        "Check the gateway address in the team's settings (or that the studio's server runs at the "
        "sandbox address), then retry."
    ),
    "forbidden_address": _(
        "The gateway's address is not a public internet address, so the studio does not connect to it."
    ),
    "insecure_url": _("The gateway address must start with https://."),
    "outcome_unknown": _(
        "The request reached the gateway but no answer came back, so we cannot tell whether the job "
        "started (it may still be billed)."
    ),
    "timed_out": _(
        "The gateway has not finished after an hour. We keep checking every 10 minutes for a day "
        "in case it still delivers."
    ),
    "worker_stopped": _("The worker stopped while the answer was streaming; retry."),
}
# Codes the studio gives its own task states rather than the gateway's errors.
STUDIO_STATE_CODES = frozenset({"outcome_unknown", "timed_out", "worker_stopped"})
UNKNOWN_GATEWAY_ERROR = _("The gateway could not handle the request.")


def explanation(code: str) -> str | None:
    """The studio's explanation of an error code in the active language, or None for an unknown code."""
    text = EXPLANATIONS.get(code)
    return str(text) if text is not None else None
