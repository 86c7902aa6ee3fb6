from django.db import migrations

from dangvien.reference.loader import rows


def load(apps, schema_editor):
    Ethnicity = apps.get_model("reference", "Ethnicity")
    Religion = apps.get_model("reference", "Religion")
    ProvinceCode = apps.get_model("reference", "ProvinceCode")
    for model, name in ((Ethnicity, "ethnic_groups.csv"), (Religion, "religions.csv")):
        for row in rows(name):
            model.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "aliases": row["aliases"]}
            )
    for row in rows("cccd_birth_registration_codes.csv"):
        ProvinceCode.objects.update_or_create(code=row["code"], defaults={"province": row["province"]})


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
