"""Share links: making and revoking them (members) and the public pages they open (anyone)."""

from django.urls import path

from studio.sharing import views

urlpatterns = [
    path("projects/<int:pk>/share/", views.share_link_create, name="share_link_create"),
    path("teams/<int:team_id>/links/", views.team_links, name="team_links"),
    path(
        "teams/<int:team_id>/links/<int:link_id>/revoke/", views.share_link_revoke, name="share_link_revoke"
    ),
    path("s/<str:token>/", views.share_page, name="share_page"),
    path("s/<str:token>/media/<int:asset_id>/<str:variant>/", views.share_media, name="share_media"),
]
