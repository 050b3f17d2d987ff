"""Cached card fragments: a finished card's HTML, rendered once and reused until anything it shows changes.

A page marks its cards with `attach(objects, name=..., templates=..., key_of=...)`: `key_of` returns every
value the fragment shows (None: never cache this one, e.g. a card still in flight), and the key is a hash
of those values, the language, the time zone and the source of the templates, so that a changed row, tag,
charge, language or template simply asks for another key; nothing is ever invalidated by hand. One
`get_many` per page reads them all. In the template, `{% cached_fragment obj %}...{% endcached_fragment %}`
writes the stored HTML or renders its body and stores it.

Nothing personal is stored: the CSRF token is rendered as a stand-in and put back on every read, and
whatever differs between viewers (their role, their own favourite star) must be among the key's values.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import get_language

TIMEOUT_SECONDS = 24 * 3600
CSRF_STAND_IN = "csrf0stand0in0for0the0viewer0token"


def attach(
    objects: Iterable[Any],
    *,
    name: str,
    templates: Sequence[str],
    key_of: Callable[[Any], tuple[Any, ...] | None],
) -> None:
    """Sets `fragment_key` (None when not cacheable) and `cached_fragment` (None on a miss) on each object."""
    prefix = f"fragment:{name}:{_templates_version(tuple(templates))}:"
    context = (get_language(), timezone.get_current_timezone_name())
    keyed: dict[str, list[Any]] = {}
    for obj in objects:
        values = key_of(obj)
        obj.cached_fragment = None
        if values is None:
            obj.fragment_key = None
            continue
        digest = hashlib.blake2b(repr((context, values)).encode(), digest_size=16).hexdigest()
        obj.fragment_key = prefix + digest
        keyed.setdefault(obj.fragment_key, []).append(obj)
    if not keyed:
        return
    for key, html in cache.get_many(list(keyed)).items():
        for obj in keyed[key]:
            obj.cached_fragment = html


def store(key: str, html: str) -> None:
    cache.set(key, html, TIMEOUT_SECONDS)


@functools.lru_cache(maxsize=64)
def _templates_version(names: tuple[str, ...]) -> str:
    """A short hash of the templates' source: an edited template (after a deploy) never reads old HTML."""
    digest = hashlib.blake2b(digest_size=6)
    for name in names:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    return digest.hexdigest()


# The columns a card or a tile reads as values for what it shows of its charge and its review.
CHARGE_VALUES = ("charge__state", "charge__amount", "charge__currency", "charge__is_estimated")
REVIEW_VALUES = ("review__state", "review__set_by__display_name", "review__set_by__email")


def charge_shown(values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What costs/_charge.html shows, from the CHARGE_VALUES of a row; None without a charge."""
    return tuple(values[name] for name in CHARGE_VALUES) if values["charge__state"] else None


def review_shown(
    values: Mapping[str, Any], *, name_from: Callable[[str | None, str | None], str]
) -> tuple[str, str | None] | None:
    """What reviews/_badge.html shows, from the REVIEW_VALUES of a row (`name_from` makes the reviewer's
    name from their display name and email); None when nobody reviewed it."""
    if not values["review__state"]:
        return None
    reviewer = name_from(values["review__set_by__display_name"], values["review__set_by__email"])
    return values["review__state"], reviewer or None


def review_and_comments(generation: Any) -> tuple[Any, ...]:
    """What a card or tile shows of reviews and comments (reviews/_badge.html, comments/_count.html): the
    review's state and who set it, and the annotated comment count."""
    try:
        review = generation.review
    except ObjectDoesNotExist:
        review = None
    shown = review and (review.state, review.set_by.name if review.set_by else None)
    return (shown, getattr(generation, "comment_count", None))
