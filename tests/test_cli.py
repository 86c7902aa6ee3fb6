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
    assert ws["A1"].value == "Đảng bộ phường A"


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
