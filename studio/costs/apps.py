from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "studio.costs"
    label = "costs"
    verbose_name = "Costs"

    def ready(self) -> None:
        from studio.costs import signals  # noqa: F401  (connects the receivers)
