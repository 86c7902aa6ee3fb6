"""Probation runs from the admission ceremony (Điều lệ Đảng, Điều 5 khoản 1: "thời kỳ dự
bị mười hai tháng, tính từ ngày chi bộ tổ chức lễ kết nạp", as quoted on luatvietnam.vn;
DOMAIN.md rule 12): a dossier is "on probation" from its ceremony, not from its first
probation step. The dossiers that stood at "ceremony held" move there; their
`stage_since` (the ceremony's day) stays."""

from django.db import migrations


def forwards(apps, schema_editor):
    Candidate = apps.get_model("admission", "Candidate")
    Candidate.objects.filter(stage="CEREMONY_HELD").update(stage="PROBATION")


class Migration(migrations.Migration):
    dependencies = [("admission", "0003_event_void")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
