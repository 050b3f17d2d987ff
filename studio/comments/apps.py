from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "studio.comments"
    label = "comments"
    verbose_name = "Comments"
