from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "studio.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
