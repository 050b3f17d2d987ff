import django.db.models.deletion
import django.utils.timezone
import studio.accounts.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('projects', '0006_move_history_sharing_audit_out'),
        ('accounts', '0004_auditevent'),
        ('generations', '0004_gateway_model_catalogue'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table already exists under its old name (projects_sharelink); only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ShareLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(choices=[('result', 'One result'), ('generation', 'A generation and its variants'), ('project', 'A whole project')], max_length=16, verbose_name='covers')),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('token_encrypted', studio.accounts.fields.EncryptedTextField(default='', editable=False)),
                        ('token_hint', models.CharField(editable=False, help_text='First characters, to tell links apart.', max_length=8)),
                        ('generation_ids', models.JSONField(blank=True, default=list, editable=False)),
                        ('allow_download', models.BooleanField(default=True, verbose_name='allow download')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('view_count', models.PositiveIntegerField(default=0, verbose_name='views')),
                        ('last_viewed_at', models.DateTimeField(blank=True, null=True, verbose_name='last viewed')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('asset', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to='generations.asset')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('generation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to='generations.generation')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to='projects.project')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to='accounts.team')),
                    ],
                    options={
                        'verbose_name': 'share link',
                        'verbose_name_plural': 'share links',
                        'db_table': 'projects_sharelink',
                        'ordering': ('-created_at', '-id'),
                        'indexes': [models.Index(fields=['team', '-created_at'], name='projects_sh_team_id_0915cc_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
