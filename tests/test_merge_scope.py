"""Scopes across a merge: roles are dated, and the officer of a ward formed by a merge
keeps sight of the wards it replaced, and of nothing else."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from dangvien.accounts.models import Role
from dangvien.membership.models import Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import Person

from . import factories as f

K = OrgUnit.Kind


def codes(qs):
    return set(qs.values_list("code", flat=True))


@pytest.fixture
def merged(org):
    """Wards A and B merge into ward AB a month ago; cell A1 carries over as AB1."""
    day = timezone.localdate() - dt.timedelta(days=30)
    ab_loc = f.locality("WAB", "Phường AB", Locality.Kind.WARD, org.city.locality)
    ward_ab = f.unit(
        "WARDAB", "Đảng bộ phường AB", K.GRASSROOTS_COMMITTEE, org.city, loc=ab_loc, valid_from=day
    )
    cell_ab1 = f.unit("AB1", "Chi bộ Tổ dân phố 1 (AB)", K.CELL, ward_ab, valid_from=day)
    for old in (org.ward_a, org.ward_b):
        old.valid_to = day
        old.save(update_fields=["valid_to"])
        old.successors.add(ward_ab)
    org.cell_a1.valid_to = day
    org.cell_a1.save(update_fields=["valid_to"])
    org.cell_a1.successors.add(cell_ab1)
    stint = Stint.objects.get(membership__person=org.an)
    stint.end_on, stint.reason_out = day, Stint.ReasonOut.REORGANISED
    stint.save(update_fields=["end_on", "reason_out"])
    Stint.objects.create(
        membership=stint.membership, unit=cell_ab1, start_on=day, reason_in="REORGANISED"
    )
    return day, ward_ab, cell_ab1


def test_the_new_wards_officer_sees_it_and_the_wards_it_replaced(personas, org, merged):
    day, ward_ab, _cell = merged
    officer = personas.ward_a_officer
    Role.objects.filter(user=officer).update(valid_to=day)
    Role.objects.create(
        user=officer, kind=Role.Kind.GRASSROOTS_OFFICER, unit=ward_ab, valid_from=day
    )
    assert codes(OrgUnit.objects.visible_to(officer)) == {
        "WARDAB",
        "AB1",
        "WARDA",
        "A1",
        "A2",
        "WARDB",
        "B1",
    }
    names = set(Person.objects.visible_to(officer).values_list("full_name", flat=True))
    assert "Nguyễn Văn An" in names and "Lê Văn Cường" in names
    assert "WAB" in codes(Locality.objects.visible_to(officer))


def test_a_role_that_ended_or_has_not_begun_shows_nothing(personas, org, merged):
    day, ward_ab, _cell = merged
    officer = personas.ward_b_officer
    Role.objects.filter(user=officer).update(valid_to=day)  # not given the new ward
    assert not OrgUnit.objects.visible_to(officer).exists()
    assert not Person.objects.visible_to(officer).exists()
    Role.objects.create(
        user=officer,
        kind=Role.Kind.GRASSROOTS_OFFICER,
        unit=ward_ab,
        valid_from=timezone.localdate() + dt.timedelta(days=1),
    )
    assert not OrgUnit.objects.visible_to(officer).exists()


def test_an_officer_of_a_ward_that_did_not_merge_sees_no_more_than_before(personas, org, merged):
    # Ward A's cell secretary keeps a role on the closed cell A1 only: its successor AB1
    # is not theirs (a successor gives sight of predecessors, never the other way round).
    assert codes(OrgUnit.objects.visible_to(personas.secretary_a)) == {"A1"}


def test_the_new_wards_chart_of_members_carries_the_wards_it_replaced(
    client, personas, org, merged
):
    """Before the day it began, the merged ward's members are those of the wards it
    replaced; from that day its own (the demo's phường Pleiku went from 0 in 2025)."""
    from dangvien.reports.dashboard import history_start, members_on, members_on_days

    day, ward_ab, _cell = merged
    earlier = [dt.date(2018, 1, 1), day - dt.timedelta(days=1)]
    counts = members_on_days(ward_ab, [*earlier, day])
    for d in earlier:
        assert counts[d] == members_on(org.ward_a, d) + members_on(org.ward_b, d) > 0, d
    assert counts[day] == members_on(ward_ab, day) == 1
    assert history_start(ward_ab, day) < day.year
    client.force_login(personas.city_officer)
    page = client.get("/dashboard/", {"unit": "WARDAB"})
    history = dict(page.context["history"])
    assert history["2018"] == counts[dt.date(2018, 1, 1)]
    # The dashboard's PDF and the report draft carry the same history (they said 0).
    from pypdf import PdfReader

    from dangvien.core.views import today
    from dangvien.reports.draft import draft
    from dangvien.reports.pdf import dashboard_pdf

    now = today()
    charted = draft(ward_ab, dt.date(now.year, 1, 1), now).charts["members"]
    assert dict(zip(*charted[1:], strict=True))["2018"] == counts[dt.date(2018, 1, 1)]
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(dashboard_pdf(ward_ab, now))).pages
    )
    assert f"01/01/2018 {counts[dt.date(2018, 1, 1)]}" in " ".join(text.split())


def test_the_new_wards_chart_carries_the_cells_moved_under_it_from_elsewhere(org, merged):
    """A school's grassroots cell under the city moved under the new ward the day it began
    (the 2025 reform did this to Pleiku's school cells): its members count in the ward's
    history before that day, once; the cells of the replaced wards are not counted twice."""
    from dangvien.reports.dashboard import history_sources, members_on, members_on_days

    day, ward_ab, _cell = merged
    school = f.unit("SCH", "Chi bộ Trường THCS", K.GRASSROOTS_CELL, org.city)
    school_p = f.unit("SCH-P", "Chi bộ Trường THCS", K.GRASSROOTS_CELL, ward_ab, valid_from=day)
    school.valid_to = day
    school.save(update_fields=["valid_to"])
    school.successors.add(school_p)
    teacher = f.person("Phạm Thị Giáo", dt.date(1985, 2, 2), "F", citizen_id="064185999001")
    f.member(teacher, school, ceremony=dt.date(2012, 5, 1))
    stint = Stint.objects.get(membership__person=teacher)
    stint.end_on, stint.reason_out = day, Stint.ReasonOut.REORGANISED
    stint.save(update_fields=["end_on", "reason_out"])
    Stint.objects.create(
        membership=stint.membership, unit=school_p, start_on=day, reason_in="REORGANISED"
    )
    assert codes(history_sources(ward_ab)) == {"WARDA", "WARDB", "SCH"}  # not A1 again
    before = day - dt.timedelta(days=1)
    counts = members_on_days(ward_ab, [before, day])
    expected = sum(members_on(u, before) for u in (org.ward_a, org.ward_b, school))
    assert (
        counts[before]
        == expected
        == members_on(org.ward_a, before) + members_on(org.ward_b, before) + 1
    )
    assert counts[day] == members_on(ward_ab, day) == 2  # An in AB1, the teacher in SCH-P


def test_comparing_with_before_the_merge_counts_the_old_wards_under_the_new_one(
    client, personas, org, merged
):
    """The statistics page and its Excel compare each organisation with what its
    predecessors had: the merged ward's earlier figure is the old wards' sum, not 0."""
    from openpyxl import load_workbook

    from dangvien.reports.structure import grassroots_rows

    day, _ward_ab, _cell = merged
    earlier = dt.date(2018, 1, 1)
    old = {r.code: r.members for r in grassroots_rows(org.city, earlier)}
    assert old["WARDA"] + old["WARDB"] > 0
    client.force_login(personas.city_officer)
    params = {"unit": "CITY", "date": f"{day:%d/%m/%Y}", "compare": "01/01/2018"}
    page = client.get("/statistics/", params)
    (row,) = [r for r in page.context["orgs"] if r["org"].code == "WARDAB"]
    assert row["before"] == old["WARDA"] + old["WARDB"]
    sheet = client.get("/statistics/", {**params, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(sheet.content))
    ws = wb[[n for n in wb.sheetnames if "cơ sở" in n][0]]
    found = [r for r in ws.iter_rows(values_only=True) if r and r[0] == "Đảng bộ phường AB"]
    assert found and found[0][2] == old["WARDA"] + old["WARDB"]
