"""Embeddings: vectors for one or more texts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import Display, Kind, per_token, sync_spec
from studio.upstream import Capability

EMBEDDINGS = sync_spec(
    Kind.EMBEDDINGS,
    _("Embeddings"),
    Capability.EMBEDDINGS,
    "text-embedding-3-small",
    runner="embeddings",
    price_basis=per_token(expected_answer=0),
    form_family="embeddings",
    display=Display.EMBEDDINGS,
)
SPECS = (EMBEDDINGS,)
