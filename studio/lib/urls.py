"""reverse() for pages that link to the same few URL patterns once per card.

Resolving a pattern costs tens of microseconds; a History page of 96 cards reverses the same four or five
patterns hundreds of times. `cheap_reverse` resolves each (pattern, literal arguments) once per URLconf and
script prefix, with stand-in numbers for the integer arguments, and formats the real numbers in after.
"""

from __future__ import annotations

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

# Large numbers that no URL pattern's literal text contains; one per integer argument's position.
_STAND_INS = tuple(str(900_000_000_001 + position * 1_000_003) for position in range(6))


def cheap_reverse(name: str, *args: int | str) -> str:
    """reverse(name, args=args) for integer ids and short literal arguments, without resolving every time."""
    shape = tuple(None if isinstance(arg, int) else arg for arg in args)
    pattern = _pattern(name, shape, get_urlconf(), get_script_prefix())
    return pattern.format(*(arg for arg in args if isinstance(arg, int)))


@functools.lru_cache(maxsize=512)
def _pattern(name: str, shape: tuple[str | None, ...], urlconf: str | None, prefix: str) -> str:
    stand_ins = iter(_STAND_INS)
    args: list[str] = []
    integers: list[str] = []
    for literal in shape:
        if literal is None:
            integers.append(next(stand_ins))
            args.append(integers[-1])
        else:
            args.append(literal)
    url = reverse(name, args=args, urlconf=urlconf).replace("{", "{{").replace("}", "}}")
    for index, stand_in in enumerate(integers):
        url = url.replace(stand_in, f"{{{index}}}", 1)
    return url
