from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "studio.history"
    label = "history"
    verbose_name = "History"

    def ready(self) -> None:
        from studio.history import signals  # noqa: F401  (connects the receivers)
