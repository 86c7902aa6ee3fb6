"""The development report: admissions in a period, rolled up across a merge."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from dangvien.orgs.models import OrgUnit
from dangvien.orgs.restructure import Kind, Op, apply
from dangvien.reports.development import development

from . import factories as f

D = dt.date


def test_admissions_counted_by_decision_date_with_breakdowns(org):
    ward_a = OrgUnit.objects.get(code="WARDA")
    report = development(ward_a, D(2017, 1, 1), D(2017, 12, 31))
    assert report.admitted == 1  # Bình: decision 19/02/2017, ceremony 01/03/2017
    assert report.by_month == [{"month": "2017-02", "label": "02/2017", "admitted": 1}]
    assert report.by_ethnicity == {"Kinh": 0, "Dân tộc thiểu số": 1}
    assert report.by_org == [
        {"code": "WARDA", "name": "Đảng bộ phường A", "admitted": 1, "includes": []}
    ]
    assert development(ward_a, D(2018, 1, 1), D(2018, 12, 31)).admitted == 0
    # An, admitted in 2005, was confirmed a year after his ceremony: counted in 2006.
    assert development(ward_a, D(2006, 1, 1), D(2006, 12, 31)).confirmed == 1


def test_a_term_spanning_a_merge_rolls_the_old_wards_up(org):
    cuong_late = f.person("Đinh Văn Hải", D(1995, 1, 1), "M")
    f.member(cuong_late, org.cell_b1, ceremony=D(2020, 5, 1), confirmed=None)
    assert apply(
        [
            Op(Kind.MERGE, "WARDA", D(2022, 1, 1), "WARDAB", "Đảng bộ phường AB", "CITY"),
            Op(Kind.MERGE, "WARDB", D(2022, 1, 1), "WARDAB", "Đảng bộ phường AB", "CITY"),
        ]
    ).ok
    newcomer = f.person("Võ Thị Lan", D(2000, 1, 1), "F")
    cell = OrgUnit.objects.get(code="A1-2022")
    f.member(newcomer, cell, ceremony=D(2023, 6, 1), confirmed=None)
    ab = OrgUnit.objects.get(code="WARDAB")
    term = development(ab, D(2020, 1, 1), D(2025, 12, 31))
    assert term.admitted == 2  # one in old ward B (2020), one in the new ward (2023)
    assert {u["code"] for u in term.rolled_up} == {"WARDA", "WARDB"}
    (row,) = term.by_org
    assert row["code"] == "WARDAB" and row["admitted"] == 2
    assert row["includes"] == ["Đảng bộ phường B"]
    # Before the merge, ward B reports its own admission, under its own name.
    old = development(OrgUnit.objects.get(code="WARDB"), D(2020, 1, 1), D(2021, 12, 31))
    assert old.admitted == 1 and old.by_org[0]["code"] == "WARDB"


def test_a_successor_of_the_same_name_names_its_predecessor_by_its_last_day(org):
    """A ward re-formed under the same name: "X (gồm cả X)" would say nothing, so the old
    one is named with its last day."""
    assert apply(
        [Op(Kind.MERGE, "WARDA", D(2022, 1, 1), "WARDA-2022", "Đảng bộ phường A", "CITY")]
    ).ok
    term = development(OrgUnit.objects.get(code="WARDA-2022"), D(2017, 1, 1), D(2025, 12, 31))
    (row,) = term.by_org
    assert row["name"] == "Đảng bộ phường A" and row["admitted"] == 1
    assert row["includes"] == ["Đảng bộ phường A đến ngày 31/12/2021"]


def test_report_development_command(org, capsys):
    call_command(
        "report", "development", "--org", "WARDA", "--from", "2017-01-01", "--to", "31/12/2017"
    )
    data = json.loads(capsys.readouterr().out)
    assert data["admitted"] == 1 and data["by_org"][0]["code"] == "WARDA"
    assert [s["step"] for s in data["funnel"]][:2] == ["LISTED", "COURSE_CERTIFICATE"]
    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "report", "development", "--org", "NOPE", "--from", "2017-01-01", "--to", "2017-12-31"
        )
    with pytest.raises(CommandError):
        call_command(
            "report", "development", "--org", "WARDA", "--from", "2017-12-31", "--to", "2017-01-01"
        )


def test_a_period_is_counted_and_dated_no_later_than_today(client, personas, org, capsys):
    """A report states what has happened: the whole of this year runs to today, and a
    period that has not begun is refused."""
    from dangvien.core.views import today

    day = today()
    call_command(
        "report", "development", "--org", "WARDA", "--from", f"{day.year}-01-01",
        "--to", f"{day.year + 1}-12-31",
    )  # fmt: skip
    assert json.loads(capsys.readouterr().out)["to"] == day.isoformat()
    with pytest.raises(CommandError, match="bắt đầu sau ngày hôm nay"):
        call_command(
            "report", "development", "--org", "WARDA", "--from", f"{day.year + 1}-01-01",
            "--to", f"{day.year + 1}-12-31",
        )  # fmt: skip
    client.force_login(personas.city_officer)
    page = client.get(
        "/statistics/development/",
        {"unit": "CITY", "from": f"01/01/{day.year}", "to": f"31/12/{day.year + 1}"},
    ).content.decode()
    assert f"{day:%d/%m/%Y}" in page and f"31/12/{day.year + 1}" not in page.split("<form")[-1]
    refused = client.get(
        "/statistics/development/", {"unit": "CITY", "from": f"01/01/{day.year + 1}"}
    ).content.decode()
    assert "bắt đầu sau ngày hôm nay" in refused
    # A reversed period: the error, over this year's report (not a day of zeros).
    reversed_ = client.get(
        "/statistics/development/", {"unit": "CITY", "from": "31/12/2017", "to": "01/01/2017"}
    )
    assert "kết thúc trước" in reversed_.content.decode()
    assert (reversed_.context["start"], reversed_.context["end"]) == (D(day.year, 1, 1), day)


def test_development_page_for_the_board_and_a_ward(client, personas, org):
    client.force_login(personas.city_officer)
    page = client.get(
        "/statistics/development/", {"unit": "CITY", "from": "01/01/2017", "to": "31/12/2017"}
    )
    body = page.content.decode()
    assert page.status_code == 200 and 'id="admitted-total">1<' in body
    assert "Đảng bộ phường A" in body
    sheet = client.get(
        "/statistics/development/",
        {"unit": "CITY", "from": "01/01/2017", "to": "31/12/2017", "format": "csv"},
    )
    assert "Đảng bộ phường A" in sheet.content.decode("utf-8-sig")
    bad = client.get("/statistics/development/", {"unit": "CITY", "from": "31/02/2017"})
    assert bad.content.decode().count('role="alert"') == 1  # said once
    client.force_login(personas.ward_b_officer)
    other = client.get("/statistics/development/", {"unit": "WARDA"}).content.decode()
    assert "Không có đơn vị nào trong phạm vi của bạn có mã hoặc tên “WARDA”" in other
    assert "Đảng bộ phường B" in other and 'value="WARDA"' not in other


def test_a_few_admissions_are_not_split_by_personal_details_for_a_names_only_role(
    client, personas, org
):
    """Ward A admitted one member in 2017 (Bình): its split by sex, ethnicity, religion
    and age would tell a leader who sees names only Bình's details; the board sees it."""
    from dangvien.accounts.models import Role
    from dangvien.admission.models import PERSONAL_TAGS

    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    asked = {"unit": "WARDA", "from": "01/01/2017", "to": "31/12/2017"}
    client.force_login(leader)
    page = client.get("/statistics/development/", asked)
    r = page.context["r"]
    assert r.admitted == 1 and r.withheld and 'id="withheld"' in page.content.decode()
    assert not (r.by_sex or r.by_ethnicity or r.by_religion or r.by_age)
    assert not {g["code"] for g in r.by_group} & set(PERSONAL_TAGS)
    assert [str(t) for t, _c in page.context["breakdowns"]] == ["Nghề nghiệp"]
    client.force_login(personas.city_officer)
    full = client.get("/statistics/development/", asked).context["r"]
    assert not full.withheld and full.by_ethnicity == {"Kinh": 0, "Dân tộc thiểu số": 1}
