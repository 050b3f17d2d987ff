import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0006_move_history_sharing_audit_out'),
        ('accounts', '0003_team_slot_limits'),
    ]

    operations = [
        # The table already exists under its old name (projects_auditevent); only the state moves here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('generated', 'Generated'), ('shared', 'Shared'), ('revoked', 'Revoked a link'), ('downloaded', 'Downloaded a ZIP'), ('moved', 'Moved'), ('copied', 'Copied'), ('deleted', 'Moved to trash'), ('restored', 'Restored'), ('purged', 'Deleted for good'), ('tagged', 'Tagged'), ('invited', 'Sent an invitation'), ('invite_accepted', 'Accepted an invitation'), ('invite_declined', 'Declined an invitation'), ('invite_revoked', 'Revoked an invitation'), ('member_joined', 'Member joined'), ('member_removed', 'Member removed'), ('role_changed', 'Changed a role'), ('gateway_changed', 'Changed the gateway address'), ('api_key_changed', 'Changed the gateway API key')], max_length=16, verbose_name='action')),
                        ('summary', models.CharField(max_length=300, verbose_name='what')),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='audit_events', to='accounts.team')),
                    ],
                    options={
                        'verbose_name': 'audit event',
                        'verbose_name_plural': 'audit events',
                        'db_table': 'projects_auditevent',
                        'ordering': ('-at', '-id'),
                        'indexes': [models.Index(fields=['team', '-at', '-id'], name='projects_au_team_id_cd27fc_idx'), models.Index(fields=['team', 'action', '-at'], name='projects_au_team_id_b8d398_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
