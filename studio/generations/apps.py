from django.apps import AppConfig


class GenerationsConfig(AppConfig):
    name = "studio.generations"
    label = "generations"
    verbose_name = "Generations"

    def ready(self) -> None:
        from studio.generations import signals  # noqa: F401  (connects the receivers)
