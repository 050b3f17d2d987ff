"""Share links: making and revoking them (members) and the public pages they open (anyone)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
