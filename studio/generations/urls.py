from django.urls import path

from studio.generations import hooks, views, views_compare

urlpatterns = [
    path("projects/<int:pk>/", views.project_workspace, name="project_detail"),
    path("projects/<int:pk>/generations/", views.generation_create, name="generation_create"),
    path("projects/<int:pk>/compare/", views_compare.generation_compare, name="generation_compare"),
    path("compare/<int:pk>/", views_compare.compare_group_detail, name="compare_group_detail"),
    path("compare/<int:pk>/side-by-side/", views_compare.compare_side_by_side, name="compare_side_by_side"),
    path("generations/poll/", views.generation_poll, name="generation_poll"),
    path("generations/<int:pk>/cancel/", views.generation_cancel, name="generation_cancel"),
    path("generations/<int:pk>/retry/", views.generation_retry, name="generation_retry"),
    path("generations/<int:pk>/check/", views.generation_check, name="generation_check"),
    path("generations/<int:pk>/button/", views.generation_button, name="generation_button"),
    path("generations/<int:pk>/remix/", views.generation_remix, name="generation_remix"),
    path("generations/<int:pk>/character/", views.generation_character, name="generation_character"),
    path("hooks/midjourney/<int:pk>/<str:token>/", hooks.midjourney_notify, name="midjourney_notify"),
    path("assets/<int:pk>/<str:variant>/", views.asset_file, name="asset_file"),
    path("teams/<int:team_id>/models/", views.team_models, name="team_models"),
    path("teams/<int:team_id>/models/refresh/", views.team_models_refresh, name="team_models_refresh"),
]
