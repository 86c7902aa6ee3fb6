from django.db import migrations

from dangvien.reference.loader import load_reference


def load(apps, schema_editor):
    load_reference(
        apps.get_model("reference", "Ethnicity"),
        apps.get_model("reference", "Religion"),
        apps.get_model("reference", "ProvinceCode"),
    )


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
