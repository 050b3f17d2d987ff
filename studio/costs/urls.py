from django.urls import path

from studio.costs import views

urlpatterns = [
    path("projects/<int:pk>/costs/estimate/", views.cost_estimate, name="cost_estimate"),
    path("teams/<int:team_id>/costs/", views.team_spend, name="team_spend"),
    path("teams/<int:team_id>/costs/spend.csv", views.spend_csv, name="spend_csv"),
    path("teams/<int:team_id>/costs/prices/", views.team_prices, name="team_prices"),
    path("teams/<int:team_id>/costs/prices/sync/", views.prices_sync, name="prices_sync"),
    path(
        "teams/<int:team_id>/costs/prices/remove/", views.price_override_delete, name="price_override_delete"
    ),
    path("teams/<int:team_id>/costs/budgets/", views.team_budgets, name="team_budgets"),
    path(
        "teams/<int:team_id>/costs/budgets/<int:budget_id>/remove/",
        views.budget_delete,
        name="budget_delete",
    ),
]
