"""What each Midjourney button a result carries does, and how it reads on the card.

The gateway returns buttons with `customId`s in the plus proxy's grammar (`MJ::JOB::upsample::2::<hash>`),
often with an empty label (reroll, pans) or one only the bot understands. Only some of them are actions the
gateway performs (`/mj/submit/action`); describe's numbered buttons and its retry, and the bookmark, are
Discord-side conveniences the gateway rejects (`unknown_action`), so the studio performs them itself:
imagine with that prompt, describe again, a favourite. Any other button is not offered, never shown raw.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


class Action(enum.StrEnum):
    GATEWAY = "gateway"  # /mj/submit/action
    CUSTOM_ZOOM = "custom_zoom"  # /mj/submit/action, then /mj/submit/modal with the typed prompt
    INPAINT = "inpaint"  # /mj/submit/action, then /mj/submit/modal with a drawn mask and the prompt
    BOOKMARK = "bookmark"  # the studio's favourite star
    IMAGINE_PROMPT = "imagine_prompt"  # describe/shorten's "1".."5": imagine with that prompt
    DESCRIBE_AGAIN = "describe_again"  # describe's 🔄: describe the same image again


@dataclass(frozen=True)
class Button:
    custom_id: str
    label: str
    emoji: str
    action: Action
    # Which of the result's numbered prompts an IMAGINE_PROMPT button imagines (1-based).
    index: int = 0

    @property
    def needs_prompt(self) -> bool:
        return self.action in {Action.CUSTOM_ZOOM, Action.INPAINT}

    @property
    def needs_mask(self) -> bool:
        return self.action == Action.INPAINT

    @property
    def makes_child(self) -> bool:
        return self.action != Action.BOOKMARK


_PANS = {"pan_left": "left", "pan_right": "right", "pan_up": "up", "pan_down": "down"}
_NUMBERED_PROMPT = re.compile(r"^MJ::Job::(PicReader|PromptAnalyzer)::(\d)$", re.IGNORECASE)
_RETRY_DESCRIBE = re.compile(r"^MJ::Picread::Retry$", re.IGNORECASE)


def _pan_label(direction: str) -> str:
    return {
        "left": _("Pan left"),
        "right": _("Pan right"),
        "up": _("Pan up"),
        "down": _("Pan down"),
    }[direction]


def _job_button(kind: str, index: str) -> tuple[str, Action] | None:
    """Label and action of an `MJ::JOB::<kind>::<index>::<hash>` button."""
    if kind == "upsample":
        return f"U{index}", Action.GATEWAY
    if kind.startswith("upsample"):
        if "subtle" in kind:
            return _("Upscale (Subtle)"), Action.GATEWAY
        if "creative" in kind:
            return _("Upscale (Creative)"), Action.GATEWAY
        return _("Upscale"), Action.GATEWAY
    if kind == "variation":
        return f"V{index}", Action.GATEWAY
    if kind == "low_variation":
        return _("Vary (Subtle)"), Action.GATEWAY
    if kind == "high_variation":
        return _("Vary (Strong)"), Action.GATEWAY
    if kind == "reroll":
        return _("Reroll"), Action.GATEWAY
    if kind in _PANS:
        return _pan_label(_PANS[kind]), Action.GATEWAY
    return None


def classify(custom_id: str, *, emoji: str = "") -> Button | None:
    """The button behind a customId, with a readable label; None for one the studio cannot perform."""
    parts = custom_id.split("::")
    if len(parts) < 2 or parts[0] != "MJ":
        return None
    found: tuple[str, Action] | None = None
    index = 0
    if parts[1] == "JOB" and len(parts) >= 5 and parts[3].isdigit():
        found = _job_button(parts[2], parts[3])
    elif parts[1] == "Outpaint" and len(parts) >= 5:
        zoom = {"50": _("Zoom Out 2x"), "75": _("Zoom Out 1.5x")}.get(parts[2], _("Zoom Out"))
        found = zoom, Action.GATEWAY
    elif parts[1] == "CustomZoom" and len(parts) >= 3:
        found = _("Custom Zoom"), Action.CUSTOM_ZOOM
    elif parts[1] == "Inpaint" and len(parts) >= 4:
        found = _("Vary (Region)"), Action.INPAINT
    elif parts[1] == "BOOKMARK":
        found = _("Bookmark"), Action.BOOKMARK
    elif match := _NUMBERED_PROMPT.match(custom_id):
        index = int(match.group(2))
        found = _("Imagine prompt %(number)d") % {"number": index}, Action.IMAGINE_PROMPT
    elif _RETRY_DESCRIBE.match(custom_id):
        found = _("Describe again"), Action.DESCRIBE_AGAIN
    if found is None:
        return None
    label, action = found
    return Button(custom_id=custom_id, label=label, emoji=emoji, action=action, index=index)


def offered(buttons: Iterable[Mapping[str, Any]], *, result_text: str = "") -> list[Button]:
    """The buttons a card offers: those the studio can perform, each once, in the gateway's order.

    A numbered-prompt button is offered only when the result has that prompt to imagine.
    """
    prompts = numbered_prompts(result_text)
    seen: set[str] = set()
    shown: list[Button] = []
    for raw in buttons:
        custom_id = str(raw.get("custom_id") or "")
        button = classify(custom_id, emoji=str(raw.get("emoji") or ""))
        if button is None or custom_id in seen:
            continue
        if button.action == Action.IMAGINE_PROMPT and not 1 <= button.index <= len(prompts):
            continue
        seen.add(custom_id)
        shown.append(button)
    return shown


_KEYCAP = re.compile(r"^\s*(?:([1-9])\ufe0f?\u20e3|([1-9])[.)])\s*")


def numbered_prompts(text: str) -> list[str]:
    """The prompts of a describe or shorten result (`1️⃣ a harbour --ar 3:2`, blank lines between)."""
    prompts: list[str] = []
    for line in (text or "").splitlines():
        match = _KEYCAP.match(line)
        if match:
            prompts.append(line[match.end() :].strip())
        elif prompts and line.strip():
            prompts[-1] = f"{prompts[-1]} {line.strip()}"
    return [prompt for prompt in prompts if prompt]
