from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_run_warnings"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="task_id",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
    ]
