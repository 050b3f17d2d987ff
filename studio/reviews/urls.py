"""Reviews: a result's state, and which roles of a team may set it."""

from django.urls import path

from studio.reviews import views

urlpatterns = [
    path("generations/<int:pk>/review/", views.generation_review, name="generation_review"),
    path("teams/<int:team_id>/reviews/settings/", views.team_review_settings, name="team_review_settings"),
]
