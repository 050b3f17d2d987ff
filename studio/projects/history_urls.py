"""The history: galleries with filters and search, generation detail and lineage, bulk actions, trash, audit."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
