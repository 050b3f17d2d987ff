from django.urls import path

from studio.accounts import views

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    # Where Django's i18n URLs put set_language, under its name, so that `{% url 'set_language' %}` works.
    path("i18n/setlang/", views.language_switch, name="set_language"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:team_id>/switch/", views.team_switch, name="team_switch"),
    path("teams/<int:team_id>/members/", views.team_members, name="team_members"),
    path("teams/<int:team_id>/rename/", views.team_rename, name="team_rename"),
    path("teams/<int:team_id>/leave/", views.team_leave, name="team_leave"),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("teams/<int:team_id>/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("teams/<int:team_id>/gateway/", views.team_gateway, name="team_gateway"),
    path("teams/<int:team_id>/gateway/test/", views.team_gateway_test, name="team_gateway_test"),
    path("teams/<int:team_id>/audit/", views.team_audit, name="team_audit"),
    path("invitations/<str:token>/", views.invitation_detail, name="invitation_detail"),
]
