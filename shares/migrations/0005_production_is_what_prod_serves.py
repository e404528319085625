"""``Production`` is the template PROD serves (SPEC §16): a ``Production`` template that PROD
no longer shows (its channel was unpublished, or its project archived, before this rule)
becomes ``Previous``, so those projects can be deleted and purged."""

from django.db import migrations


def demote_unserved_production(apps, schema_editor):
    Template = apps.get_model("video_templates", "Template")
    DistributionChannel = apps.get_model("shares", "DistributionChannel")
    served = DistributionChannel.objects.filter(
        channel="PROD", active_template__isnull=False
    ).values("active_template_id")
    Template.objects.filter(status="Production").exclude(pk__in=served).update(
        status="Previous"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shares", "0004_daily_counts"),
        ("video_templates", "0001_initial"),
    ]

    # Reversing keeps the templates Previous: which ones were Production is not recorded.
    operations = [migrations.RunPython(demote_unserved_production, migrations.RunPython.noop)]
