"""Images: through a chat model, or the Images API's generate and edit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import IMAGE, Display, InputOffer, Kind, sync_spec
from studio.upstream import Capability

CHAT_IMAGE = sync_spec(
    Kind.CHAT_IMAGE,
    _("Image via chat"),
    Capability.IMAGE_CHAT,
    "gemini-2.5-flash-image",
    runner="chat_image",
    image_inputs={"image": (0, 4)},
    parent_role="image",
    form_family="image",
    mode_label=_("Image via chat (Gemini, gpt-4o-image): text or image to image"),
    display=Display.MEDIA_CHAT,
    input_offer=InputOffer(IMAGE, _("Change it via chat")),
)
IMAGES_GENERATE = sync_spec(
    Kind.IMAGES_GENERATE,
    _("Image"),
    Capability.IMAGES_API,
    "dall-e-3",
    runner="images_generate",
    form_family="image",
    mode_label=_("Images API: generate (DALL·E 3, gpt-image-1, Flux)"),
    display=Display.REVISED_PROMPT,
)
IMAGES_EDIT = sync_spec(
    Kind.IMAGES_EDIT,
    _("Image edit"),
    Capability.IMAGES_API,
    "gpt-image-1",
    runner="images_edit",
    image_inputs={"image": (1, 4), "mask": (0, 1)},
    parent_role="image",
    # DALL·E 3 only generates; the edits endpoint rejects it.
    model_pattern=r"^(?!dall-e-3)",
    form_family="image",
    mode_label=_("Images API: edit images (with an optional mask)"),
    display=Display.REVISED_PROMPT,
    input_offer=InputOffer(IMAGE, _("Edit it (Images API)")),
)
SPECS = (CHAT_IMAGE, IMAGES_GENERATE, IMAGES_EDIT)
