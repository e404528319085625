"""``category`` is stored lower-case, like tags (seed 003; SPEC §16)."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Lower


def lower_case_categories(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Project.objects.exclude(category=Lower(F("category"))).update(category=Lower("category"))


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_hierarchy_trash_thumbnails")]

    # Reversing keeps the lower case: the original case is not recorded.
    operations = [migrations.RunPython(lower_case_categories, migrations.RunPython.noop)]
