from django.db import migrations
from django.utils import timezone


def mark_if_empty(apps, schema_editor):
    """A database with no members has nothing to count: its counts are right from the
    start and every write keeps them so. One with members needs `dangvien rebuild-stats`
    (its reports count from the rows until then)."""
    Membership = apps.get_model("membership", "Membership")
    Built = apps.get_model("stats", "Built")
    if not Membership.objects.exists():
        Built.objects.create(built_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_counts"),
        ("membership", "0002_regulation_fidelity"),
    ]

    operations = [migrations.RunPython(mark_if_empty, migrations.RunPython.noop)]
