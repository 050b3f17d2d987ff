from django.contrib import admin

from studio.projects.models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ("name", "team", "created_by", "created_at", "archived_at")
    list_filter = ("archived_at", "created_at")
    search_fields = ("name", "description", "team__name")
    autocomplete_fields = ("team",)
    raw_id_fields = ("created_by",)
    date_hierarchy = "created_at"
