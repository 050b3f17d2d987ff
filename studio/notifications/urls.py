from django.urls import path

from studio.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/feed/", views.notification_feed, name="notification_feed"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
]
