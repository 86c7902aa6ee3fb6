"""Retention erases a withdrawn candidate's values everywhere: the audit entries about
them (who, when, what action stay; the chain still verifies), their history page, and
the uploads, spill files and error lists of imports that mention them."""

import datetime as dt
import json
import os
import time

from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from dangvien.accounts.audit import A, log
from dangvien.accounts.models import AuditEntry
from dangvien.imports.models import ImportRun

from .admission_helpers import K, lan, step

NAME, CCCD, BIRTH = "Vũ Thị Lan", "064195001234", dt.date(1995, 8, 15)
SECRETS = (NAME, CCCD, "1995-08-15", "15/08/1995")


def everything_in_the_log() -> str:
    rows = AuditEntry.objects.values_list(
        "object_repr", "detail", "before", "after", "username", "action"
    )
    return json.dumps(list(rows), ensure_ascii=False, default=str)


def withdrawn(org):
    c = lan(org, citizen_id=CCCD)
    step(c, K.WITHDRAWN, dt.date(2017, 3, 1), note=f"{NAME} chuyển đi nơi khác")
    c.person.refresh_from_db()
    return c


def test_retention_erases_the_values_of_the_audit_entries(client, personas, org):
    c = withdrawn(org)
    p = c.person
    client.force_login(personas.ward_a_officer)
    assert client.get(reverse("person_detail", args=[p.pk])).status_code == 200
    log(A.EXPORT, p, detail=f"full record; purpose: yêu cầu của bà {NAME}")
    log(A.READ, p, detail="names only")
    text = everything_in_the_log()
    assert NAME in text and CCCD in text and "1995-08-15" in text  # today: everywhere
    who = list(
        AuditEntry.objects.filter(person_id=p.pk)
        .order_by("seq")
        .values_list("seq", "at", "username", "ip", "action", "model", "object_id")
    )

    call_command("retention")

    text = everything_in_the_log()
    for value in SECRETS:
        assert value not in text, value
    entries = AuditEntry.objects.filter(person_id=p.pk).order_by("seq")
    # Who, when, what action: kept, entry for entry; then the erasure itself.
    kept = list(entries.values_list("seq", "at", "username", "ip", "action", "model", "object_id"))
    assert kept[: len(who)] == who
    erased = entries.filter(seq__lte=who[-1][0])
    assert all(e.erased for e in erased)
    assert {json.dumps(e.before) for e in erased if e.before is not None} == {
        '{"erased": "retention"}'
    }
    assert entries.get(detail="names only").detail == "names only"  # no value in it: kept
    assert entries.last().detail == "retention: personal data erased"
    call_command("audit", "verify")

    body = client.get(reverse("person_detail", args=[p.pk])).content.decode()
    for value in (NAME, CCCD, "15/08/1995", "1995-08-15"):
        assert value not in body, value
    assert "Đã xóa theo thời hạn lưu giữ" in body
    record = client.post(reverse("person_export", args=[p.pk]), {"purpose": "Kiểm tra xóa"})
    for value in SECRETS:
        assert value not in record.content.decode(), value


def test_retention_removes_import_files_and_error_lists_that_mention_them(org, settings):
    c = withdrawn(org)
    folder = settings.IMPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # An upload left waiting (CSV), naming her; a workbook with her CCCD as a number.
    (folder / "a.csv").write_text(f"Họ và tên,Ngày sinh\n{NAME},15/08/1995\n", "utf-8-sig")
    wb = Workbook()
    wb.active.append(["Nguyễn Văn Khác", int(CCCD)])
    wb.save(folder / "b.xlsx")
    (folder / "c.csv").write_text("Họ và tên\nNgười Khác Hẳn\n", "utf-8")
    waiting = ImportRun.objects.create(
        kind="candidates",
        file_name="a.csv",
        stored="a.csv",
        sha256="0" * 64,
        status=ImportRun.Status.INVALID,
        problems=[
            {"row": 2, "column": "B", "value": "31/02/1995", "message": "ngày sai", "fix": ""},
            {"row": 2, "column": "A", "value": NAME, "message": f"{NAME} trùng", "fix": ""},
            {"row": 3, "column": "A", "value": "Người Khác", "message": "trùng", "fix": ""},
        ],
    )
    ImportRun.objects.create(
        kind="members", file_name="b.xlsx", stored="b.xlsx", sha256="1" * 64, status="READY"
    )
    ImportRun.objects.create(
        kind="members", file_name="c.csv", stored="c.csv", sha256="2" * 64, status="READY"
    )
    # Spill files of crashed imports (pickled rows: strings as UTF-8); a fresh one may be
    # in use by an import that is running, and waits for the next day.
    import pickle

    old = folder / "checked-old.spill"
    old.write_bytes(pickle.dumps([{"full_name": NAME, "citizen_id": CCCD}]))
    day_ago = time.time() - 2 * 86400
    os.utime(old, (day_ago, day_ago))
    fresh = folder / "checked-new.spill"
    fresh.write_bytes(pickle.dumps([{"full_name": NAME}]))

    call_command("retention")

    c.person.refresh_from_db()
    assert c.person.full_name.startswith("Đã ẩn danh")
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["c.csv", "checked-new.spill"]
    waiting.refresh_from_db()
    assert waiting.status == ImportRun.Status.CANCELLED and waiting.stored == ""
    problems = json.dumps(waiting.problems, ensure_ascii=False)
    assert NAME not in problems and "31/02/1995" not in problems  # her row, every cell
    assert waiting.problems[2]["value"] == "Người Khác"  # another row: kept
    assert ImportRun.objects.get(stored="c.csv").status == ImportRun.Status.READY
