"""Images: through a chat model, or the Images API's generate and edit."""

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
)
from studio.upstream import Capability

SPECS = (
    KindSpec(
        Kind.CHAT_IMAGE,
        _("Image via chat"),
        Family.SYNC,
        Capability.IMAGE_CHAT,
        "gemini-2.5-flash-image",
        SYNC_STALL,
        image_inputs={"image": (0, 4)},
        parent_role="image",
        form_family="image",
        display=Display.MEDIA_CHAT,
        input_offer=InputOffer(IMAGE, _("Change it via chat")),
    ),
    KindSpec(
        Kind.IMAGES_GENERATE,
        _("Image"),
        Family.SYNC,
        Capability.IMAGES_API,
        "dall-e-3",
        SYNC_STALL,
        form_family="image",
        display=Display.REVISED_PROMPT,
    ),
    KindSpec(
        Kind.IMAGES_EDIT,
        _("Image edit"),
        Family.SYNC,
        Capability.IMAGES_API,
        "gpt-image-1",
        SYNC_STALL,
        image_inputs={"image": (1, 4), "mask": (0, 1)},
        parent_role="image",
        # DALL·E 3 only generates; the edits endpoint rejects it.
        model_pattern=r"^(?!dall-e-3)",
        form_family="image",
        display=Display.REVISED_PROMPT,
        input_offer=InputOffer(IMAGE, _("Edit it (Images API)")),
    ),
)
