from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "studio.prompts"
    label = "prompts"
    verbose_name = "Prompt library"
