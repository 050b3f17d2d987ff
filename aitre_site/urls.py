"""The studio's URLs: accounts, teams and projects, the sandbox gateway (when enabled) and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("studio.projects.urls")),
    path("", include("studio.generations.urls")),
    path("", include("studio.history.urls")),
    path("", include("studio.sharing.urls")),
    path("", include("studio.accounts.urls")),
    path("", include("studio.costs.urls")),
    path("", include("studio.notifications.urls")),
    path("", include("studio.webhooks.urls")),
    path("", include("studio.prompts.urls")),
    path("", include("studio.reviews.urls")),
    path("", include("studio.comments.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("studio.sandbox.urls")))
