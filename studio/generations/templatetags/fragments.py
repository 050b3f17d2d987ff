"""`{% cached_fragment obj %}…{% endcached_fragment %}`: see studio.lib.fragments."""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from studio.lib import fragments

register = template.Library()


class CachedFragmentNode(template.Node):
    def __init__(self, target: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.target = target
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        obj = self.target.resolve(context)
        key: str | None = getattr(obj, "fragment_key", None)
        if key is None:
            return self.nodelist.render(context)
        html: str | None = getattr(obj, "cached_fragment", None)
        if html is None:
            with context.push(csrf_token=fragments.CSRF_STAND_IN):
                html = str(self.nodelist.render(context))
            fragments.store(key, html)
        if fragments.CSRF_STAND_IN in html:
            html = html.replace(fragments.CSRF_STAND_IN, str(context.get("csrf_token", "")))
        return mark_safe(html)  # our own rendering of autoescaped templates


@register.tag
def cached_fragment(parser: Parser, token: Token) -> CachedFragmentNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% cached_fragment obj %} takes the object marked by attach()")
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(parser.compile_filter(bits[1]), nodelist)
