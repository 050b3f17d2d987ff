from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "studio.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from studio.notifications import signals  # noqa: F401  (connects the receivers)
