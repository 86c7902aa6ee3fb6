"""Coverage of localities and cells on a small organisation with known answers."""

import datetime as dt
import json

from django.core.management import call_command

from dangvien.core.views import today
from dangvien.membership.models import Stint
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.restructure import Kind, Op, apply
from dangvien.reports.coverage import coverage

D = dt.date


def codes(rows):
    return {r["code"] for r in rows}


def test_coverage_of_a_small_city(org):
    city = OrgUnit.objects.get(code="CITY")
    c = coverage(city, D(2017, 11, 30))
    assert len(c.localities) == 3 and not c.without_members and not c.without_own_cell
    # One member in each locality: all three at risk; every cell below 3 full members.
    assert codes(c.at_risk) == {"WA-TDP1", "WA-TDP2", "WB-TDP1"}
    assert codes(c.cells_too_small) == {"A1", "A2", "B1"}
    assert [r["full_members"] for r in sorted(c.cells_too_small, key=lambda r: r["code"])] == [
        1,
        0,
        1,
    ]
    assert not c.cells_due_committee


def test_a_locality_that_lost_its_last_member_and_then_its_cell(org):
    left = D(2020, 1, 1)
    membership = org.cuong.memberships.get()
    membership.exit_on, membership.exit_reason = left, "DEATH"
    membership.save(update_fields=["exit_on", "exit_reason"])
    Stint.objects.filter(membership=membership).update(end_on=left, reason_out="EXIT")
    assert apply([Op(Kind.DISSOLVE, "B1", D(2020, 6, 1))]).ok
    city = OrgUnit.objects.get(code="CITY")
    before = coverage(city, D(2019, 1, 1))
    assert "WB-TDP1" not in codes(before.without_members)
    after = coverage(city, D(2021, 1, 1))
    assert "WB-TDP1" in codes(after.without_members)
    assert codes(after.relapsed) == {"WB-TDP1"}  # tái trắng
    assert "WB-TDP1" in codes(after.without_own_cell)
    # Since a date after he left, the locality was already empty: not a relapse then.
    assert not coverage(city, D(2021, 1, 1), since=D(2020, 6, 1)).relapsed


def test_report_coverage_command(org, capsys):
    call_command("report", "coverage", "--org", "WARDA", "--as-of", "2017-11-30")
    data = json.loads(capsys.readouterr().out)
    assert data["localities"] == 2 and data["localities_without_members"] == 0
    assert data["cells_too_small"] == 2 and data["at_risk"] == 2


def test_coverage_page_as_the_board_and_as_a_ward(client, personas, org):
    client.force_login(personas.city_officer)
    body = client.get(
        "/statistics/coverage/", {"unit": "CITY", "date": "30/11/2017"}
    ).content.decode()
    assert 'id="localities-total">3<' in body and "Tổ dân phố 1, Phường B" in body
    # Each list says what its columns are; a cell is named with its organisation (many
    # cells share a name such as "Chi bộ Thôn 1").
    too_small = body.split('id="cells_too_small"')[1].split("</table>")[0]
    assert "<th>Chi bộ (trực thuộc)</th>" in too_small and "Đảng viên chính thức" in too_small
    a1 = OrgUnit.objects.get(code="A1")
    assert f"{a1.name}, {a1.parent.name}" in too_small
    client.force_login(personas.ward_a_officer)
    body = client.get("/statistics/coverage/", {"date": "30/11/2017"}).content.decode()
    assert 'id="localities-total">2<' in body and "Phường B" not in body


def test_the_coverage_page_lists_the_first_places_and_counts_them_all(
    client, personas, org, monkeypatch
):
    """A province's thousands of hamlets without a member are counted on the page and
    listed whole in the files; the page lists the first SHOWN of each list."""
    from dangvien.orgs.models import Locality
    from dangvien.reports import development_views

    from . import factories as f

    for i in range(5):
        f.locality(f"WA-E{i}", f"Thôn Trống {i}", Locality.Kind.VILLAGE, org.ward_a_loc)
    client.force_login(personas.city_officer)
    full = client.get("/statistics/coverage/", {"unit": "CITY"}).content.decode()
    empty = full.split('id="without_members"')[1].split("</table>")[0]
    assert all(f"Thôn Trống {i}" in empty for i in range(5)) and "nơi khác" not in full
    monkeypatch.setattr(development_views, "SHOWN", 2)
    body = client.get(
        "/statistics/coverage/", {"unit": "CITY"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    section = body.split('id="without_members"')[1].split("</table>")[0]
    assert section.split("<tbody>")[1].count("<tr>") == 2
    n = len(coverage(org.city, today()).without_members)
    assert n >= 5 and f"({n})</h3>" in body
    assert f"…và {n - 2} nơi khác: tệp PDF và tệp Excel liệt kê đầy đủ." in body


def test_tai_trang_counts_from_the_start_of_the_term_by_default(org):
    from dangvien.targets.models import Term

    left = D(2020, 1, 1)
    membership = org.cuong.memberships.get()
    membership.exit_on, membership.exit_reason = left, "DEATH"
    membership.save(update_fields=["exit_on", "exit_reason"])
    Stint.objects.filter(membership=membership).update(end_on=left, reason_out="EXIT")
    city = OrgUnit.objects.get(code="CITY")
    # No term: from the earliest record, ward B's group lost its member.
    assert codes(coverage(city, D(2021, 1, 1)).relapsed) == {"WB-TDP1"}
    # In a term begun after he left, the group was already empty: not a relapse then.
    Term.objects.create(unit=city, name="2020–2025", start=D(2020, 7, 1), end=D(2025, 6, 30))
    c = coverage(city, D(2021, 1, 1))
    assert c.since == D(2020, 7, 1) and not c.relapsed
