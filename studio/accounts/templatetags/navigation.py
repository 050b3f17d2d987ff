"""`{% navigation_fragments as nav %}`: the header's team switcher and account links, cached per person.

The header is the same on every page a person opens, and rendering its two dozen links and translations
cost more than many pages' queries. Each part is a cached fragment (studio.lib.fragments) keyed by all it
shows: the person, their teams and roles, the current team. What changes from page to page stays live:
the unread badge and the language switches (whose `next` is the page's own address).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import template

from studio.accounts.access import current_membership, user_memberships
from studio.lib import fragments

register = template.Library()

# The fragments live in base.html; an edited base.html asks for new keys.
TEMPLATES = ("base.html",)


@register.simple_tag(takes_context=True)
def navigation_fragments(context: dict[str, Any]) -> SimpleNamespace:
    """`nav.teams` (switcher and team links) and `nav.account` (the account menu's links), both marked by
    fragments.attach in one cache read; neither is cached for a visitor who is not signed in."""
    request = context["request"]
    nav = SimpleNamespace(teams=SimpleNamespace(), account=SimpleNamespace())
    user = request.user
    if not user.is_authenticated:
        nav.teams.fragment_key = nav.account.fragment_key = None
        return nav
    memberships = user_memberships(request)
    current = current_membership(request)
    chosen = current and (current.team_id, current.role)
    values = {
        id(nav.teams): ("teams", user.pk, chosen, [(m.team_id, m.team.name, m.role) for m in memberships]),
        id(nav.account): ("account", user.pk, user.is_staff, chosen),
    }
    fragments.attach(
        [nav.teams, nav.account], name="navigation", templates=TEMPLATES, key_of=lambda part: values[id(part)]
    )
    return nav
