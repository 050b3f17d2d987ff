from django.urls import path

from studio.projects import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<int:team_id>/projects/", views.project_list, name="project_list"),
    path("teams/<int:team_id>/projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/archive/", views.project_archive, name="project_archive"),
    path("projects/<int:pk>/unarchive/", views.project_unarchive, name="project_unarchive"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project_delete"),
]
