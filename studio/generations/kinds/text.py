"""Text: chat (which may look at images) and the legacy completions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import (
    IMAGE,
    SYNC_STALL,
    Display,
    Family,
    InputOffer,
    Kind,
    KindSpec,
    per_token,
)
from studio.upstream import Capability

SPECS = (
    KindSpec(
        Kind.CHAT,
        _("Chat"),
        Family.SYNC,
        Capability.CHAT,
        "gpt-4o-mini",
        SYNC_STALL,
        image_inputs={"image": (0, 4)},
        price_basis=per_token(expected_answer=800),
        form_family="text",
        display=Display.ANSWER,
        input_offer=InputOffer(IMAGE, _("Ask about it")),
    ),
    KindSpec(
        Kind.COMPLETION,
        _("Completion"),
        Family.SYNC,
        Capability.COMPLETIONS,
        "gpt-3.5-turbo-instruct",
        SYNC_STALL,
        price_basis=per_token(expected_answer=256),
        form_family="text",
        display=Display.ANSWER,
    ),
)
