"""The three channels for every project that existed before channels did."""

import secrets

from django.db import migrations

CHANNELS = ("DEV", "STAGING", "PROD")


def create_channels(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    DistributionChannel = apps.get_model("shares", "DistributionChannel")
    rows = []
    with_channels = DistributionChannel.objects.values("project_id")
    for project_id in (
        Project.objects.exclude(pk__in=with_channels).values_list("pk", flat=True).iterator()
    ):
        rows += [
            DistributionChannel(
                project_id=project_id, channel=channel, channel_handle=secrets.token_urlsafe(16)
            )
            for channel in CHANNELS
        ]
        if len(rows) >= 3000:
            DistributionChannel.objects.bulk_create(rows)
            rows = []
    DistributionChannel.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("shares", "0001_initial")]

    # Reversing leaves the rows: the schema migration before this one drops them anyway.
    operations = [migrations.RunPython(create_channels, migrations.RunPython.noop)]
