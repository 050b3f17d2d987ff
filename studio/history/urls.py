"""The history: galleries with filters and search, generation detail and lineage, bulk actions."""

from django.urls import path

from studio.history import views

urlpatterns = [
    path("projects/<int:pk>/history/", views.project_history, name="project_history"),
    path("projects/<int:pk>/trash/", views.project_trash, name="project_trash"),
    path("teams/<int:team_id>/history/", views.team_history, name="team_history"),
    path("teams/<int:team_id>/history/bulk/", views.history_bulk, name="history_bulk"),
    path("teams/<int:team_id>/exports/<int:pk>/", views.zip_export_detail, name="zip_export_detail"),
    path(
        "teams/<int:team_id>/exports/<int:pk>/download/",
        views.zip_export_download,
        name="zip_export_download",
    ),
    path("generations/<int:pk>/", views.generation_detail, name="generation_detail"),
    path("generations/<int:pk>/favourite/", views.generation_favourite, name="generation_favourite"),
    path("generations/<int:pk>/tags/", views.generation_tag_add, name="generation_tag_add"),
    path(
        "generations/<int:pk>/tags/<int:tag_id>/remove/",
        views.generation_tag_remove,
        name="generation_tag_remove",
    ),
]
