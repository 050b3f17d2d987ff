"""Comments on generations."""

from django.urls import path

from studio.comments import views

urlpatterns = [
    path("generations/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
]
