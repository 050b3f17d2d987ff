from django.urls import path

from studio.webhooks import views

urlpatterns = [
    path("teams/<int:team_id>/webhook/", views.team_webhook, name="team_webhook"),
    path("teams/<int:team_id>/webhook/delete/", views.webhook_delete, name="webhook_delete"),
    path("teams/<int:team_id>/webhook/deliveries/", views.webhook_deliveries, name="webhook_deliveries"),
]
