from typing import Any

from django.db import migrations

# Where each model went; its content type follows, so its permissions and admin history follow it.
NEW_APPS = {"auditevent": "accounts", "zipexport": "history", "sharelink": "sharing"}


def relabel_content_types(apps: Any, schema_editor: Any, *, forwards: bool) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for model, new_app in NEW_APPS.items():
        old, new = ("projects", new_app) if forwards else (new_app, "projects")
        if not content_types.filter(app_label=new, model=model).exists():
            content_types.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps: Any, schema_editor: Any) -> None:
    relabel_content_types(apps, schema_editor, forwards=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    relabel_content_types(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('projects', '0005_sharelink_generation_ids_and_team_audit_actions'),
    ]

    operations = [
        # The models moved to accounts, history and sharing with their tables (db_table keeps the old
        # names), so only Django's picture of the models changes; no table is touched.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='auditevent',
                    name='projects_au_team_id_cd27fc_idx',
                ),
                migrations.RemoveIndex(
                    model_name='auditevent',
                    name='projects_au_team_id_b8d398_idx',
                ),
                migrations.RemoveIndex(
                    model_name='sharelink',
                    name='projects_sh_team_id_0915cc_idx',
                ),
                migrations.RemoveField(
                    model_name='auditevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='auditevent',
                    name='team',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='asset',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='generation',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='revoked_by',
                ),
                migrations.RemoveField(
                    model_name='sharelink',
                    name='team',
                ),
                migrations.DeleteModel(
                    name='ZipExport',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='ShareLink',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
