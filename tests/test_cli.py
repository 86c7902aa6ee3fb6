import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook


def test_report_structure_json(org, capsys):
    call_command(
        "report", "structure", "--org", "CITY", "--as-of", "2017-11-30", "--format", "json"
    )
    data = json.loads(capsys.readouterr().out)
    assert data["members"] == 3 and data["probationary"] == 1 and data["official"] == 2
    assert data["grassroots_orgs"] == 2 and data["cells"] == 3
    assert set(data["pct"]) >= {
        "probationary",
        "official",
        "women",
        "ethnic_minority",
        "religious",
        "youth",
        "upper_secondary",
        "college_or_higher",
    }
    assert all(isinstance(v, float) and 0 <= v <= 100 for v in data["pct"].values())


def test_report_structure_xlsx(org, tmp_path):
    out = tmp_path / "s.xlsx"
    call_command(
        "report",
        "structure",
        "--org",
        "warda",
        "--as-of",
        "30/11/2017",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    ws = load_workbook(out).active
    # The heading block: the superior, then the issuing unit.
    assert ws["A1"].value == "ĐẢNG BỘ THÀNH PHỐ THỬ"
    assert ws["A2"].value == "ĐẢNG ỦY PHƯỜNG A"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--org", "NOPE", "--as-of", "2017-11-30"], "NOPE"),
        (["--org", "CITY", "--as-of", "2017-13-01"], "2017-13-01"),
    ],
)
def test_report_structure_bad_input(org, args, says):
    with pytest.raises(CommandError) as err:
        call_command("report", "structure", *args)
    assert says in str(err.value)


def test_rules_list_shows_each_set_with_its_documents_and_dates(capsys):
    call_command("rules", "list")
    out = capsys.readouterr().out
    sets = [line.split("\t")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert sets == ["2012", "2016", "2021", "2025", "2025-07"]
    assert "2025-07\ttừ 01/07/2025\tQuy định 294-QĐ/TW ngày 26/05/2025" in out
    assert "Hướng dẫn 06-HD/TW ngày 09/06/2025" in out
    assert "Quy định 06-QĐ/TW ngày 28/08/2018" in out
    # 24-QĐ/TW (30/07/2021) is cited with the 2016 guidance until its own of 28/09/2021.
    block = out.split("2021\ttừ 30/07/2021")[1].split("\n2025")[0].split("\n", 1)[1]
    assert block.index("01-HD/TW ngày 20/09/2016") < block.index("từ 28/09/2021:")
    assert block.index("từ 28/09/2021:") < block.index("01-HD/TW ngày 28/09/2021")


@pytest.mark.django_db
def test_deadlines_lists_the_days_it_skipped(capsys):
    from dangvien.admission.models import CalendarDay

    CalendarDay.forget()
    CalendarDay.objects.create(date=dt.date(2017, 2, 6), kind=CalendarDay.Kind.OFF, note="x")
    try:
        call_command("deadlines", "--from", "2017-01-20", "--working-days", "10")
    finally:
        CalendarDay.forget()
    captured = capsys.readouterr()
    assert captured.out.strip() == "2017-02-13"  # one more day for the recorded one
    assert "nghỉ lễ 28/01/2017 (Tết Nguyên Đán)" in captured.err
    assert "ngày nghỉ đã ghi nhận 06/02/2017" in captured.err
