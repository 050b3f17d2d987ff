from django.apps import AppConfig


class GenerationsConfig(AppConfig):
    name = "studio.generations"
    label = "generations"
    verbose_name = "Generations"
