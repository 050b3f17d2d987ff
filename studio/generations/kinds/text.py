"""Text: chat (which may look at images) and the legacy completions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import IMAGE, Display, InputOffer, Kind, per_token, sync_spec
from studio.upstream import Capability

CHAT = sync_spec(
    Kind.CHAT,
    _("Chat"),
    Capability.CHAT,
    "gpt-4o-mini",
    runner="chat",
    image_inputs={"image": (0, 4)},
    price_basis=per_token(expected_answer=800),
    form_family="text",
    mode_label=_("Chat"),
    display=Display.ANSWER,
    input_offer=InputOffer(IMAGE, _("Ask about it")),
)
COMPLETION = sync_spec(
    Kind.COMPLETION,
    _("Completion"),
    Capability.COMPLETIONS,
    "gpt-3.5-turbo-instruct",
    runner="completion",
    price_basis=per_token(expected_answer=256),
    form_family="text",
    mode_label=_("Completion (legacy)"),
    display=Display.ANSWER,
)
SPECS = (CHAT, COMPLETION)
