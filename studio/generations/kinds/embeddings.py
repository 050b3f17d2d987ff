"""Embeddings: vectors for one or more texts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from studio.generations.kinds._base import SYNC_STALL, Display, Family, Kind, KindSpec, per_token
from studio.upstream import Capability

SPECS = (
    KindSpec(
        Kind.EMBEDDINGS,
        _("Embeddings"),
        Family.SYNC,
        Capability.EMBEDDINGS,
        "text-embedding-3-small",
        SYNC_STALL,
        price_basis=per_token(expected_answer=0),
        form_family="embeddings",
        display=Display.EMBEDDINGS,
    ),
)
