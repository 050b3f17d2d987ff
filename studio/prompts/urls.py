from django.urls import path

from studio.prompts import views

urlpatterns = [
    path("teams/<int:team_id>/prompts/", views.preset_list, name="preset_list"),
    path("teams/<int:team_id>/prompts/new/", views.preset_create, name="preset_create"),
    path("teams/<int:team_id>/prompts/<int:preset_id>/edit/", views.preset_edit, name="preset_edit"),
    path("teams/<int:team_id>/prompts/<int:preset_id>/delete/", views.preset_delete, name="preset_delete"),
    path("teams/<int:team_id>/prompts/export.json", views.preset_export, name="preset_export"),
    path("teams/<int:team_id>/prompts/import/", views.preset_import, name="preset_import"),
]
