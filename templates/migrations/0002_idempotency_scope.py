from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("video_templates", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="idempotencyrecord",
            name="idempotency_key_unique",
        ),
        # Records made before keys were scoped to their caller can't be attributed: they
        # would only be replayed to nobody, so they are dropped (they live 24 hours anyway).
        migrations.RunSQL(
            "DELETE FROM video_templates_idempotencyrecord", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="caller",
            field=models.CharField(default="", max_length=80),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="operation",
            field=models.CharField(default="template_upload", max_length=40),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="idempotencyrecord",
            constraint=models.UniqueConstraint(
                fields=("caller", "operation", "project", "key"), name="idempotency_key_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="idempotencyrecord",
            index=models.Index(fields=["created_at"], name="idempotency_created_idx"),
        ),
    ]
