from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "studio.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from studio.projects import signals  # noqa: F401  (connects the receivers)
