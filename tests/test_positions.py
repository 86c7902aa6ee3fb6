"""Positions held: assigning and ending posts, one holder at a time for heads and
secretaries, cell posts for members of the cell, scope; a cell's committee in coverage
and the targets; the pages and the API."""

import datetime as dt
import json

import pytest
from django.utils import translation

from dangvien.accounts.models import AuditEntry, Role
from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.orgs.models import Locality
from dangvien.people.models import Position
from dangvien.records.positions import (
    assign_position,
    cells_with_committee,
    committee,
    end_position,
    holders,
)
from dangvien.reports.coverage import coverage
from dangvien.targets.models import Metric, Target, Term
from dangvien.targets.pace import Actuals

from . import factories as f

D = dt.date
P = Position.Kind
TODAY = D(2019, 12, 31)


START = D(2017, 1, 1)


def assign(person, kind, *, by, on=START, **where):
    return assign_position(person, kind=kind, start_on=on, by=by, today=TODAY, **where)


def heads_row(c):
    return next(r for r in c.positions if r["code"] == P.RESIDENTIAL_GROUP_HEAD)


def test_a_head_member_or_not_counts_in_coverage_on_each_date(org, personas):
    officer = personas.ward_a_officer
    tdp = org.tdp_a1
    assert not coverage(org.ward_a, D(2017, 6, 1)).positions
    # A non-member heads the group from 2017, then a member from 2018.
    head = assign(org.dung, P.RESIDENTIAL_GROUP_HEAD, locality=tdp, by=officer)
    assert heads_row(coverage(org.ward_a, D(2017, 6, 1))) | {} == {
        "position": str(P.RESIDENTIAL_GROUP_HEAD.label),
        "code": P.RESIDENTIAL_GROUP_HEAD,
        "holders": 1,
        "members": 0,
    }
    end_position(head, on=D(2018, 1, 1), by=officer, today=TODAY)
    assign(org.an, P.RESIDENTIAL_GROUP_HEAD, locality=tdp, by=officer, on=D(2018, 1, 1))
    before = coverage(org.ward_a, D(2017, 12, 31))
    after = coverage(org.ward_a, D(2018, 1, 1))
    assert (heads_row(before)["holders"], heads_row(before)["members"]) == (1, 0)
    assert (heads_row(after)["holders"], heads_row(after)["members"]) == (1, 1)
    assert not coverage(org.ward_a, D(2016, 12, 31)).positions
    # The targets read the same figures.
    term = Term.objects.create(
        unit=org.ward_a, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    target = Target.objects.create(
        term=term, unit=org.ward_a, metric=Metric.HEADS_MEMBERS, value=100
    )
    assert Actuals(D(2017, 6, 1)).of(target) == 0.0
    assert Actuals(D(2018, 6, 1)).of(target) == 100.0


def test_an_overlapping_head_is_refused_naming_the_current_holder(org, personas):
    officer = personas.ward_a_officer
    assign(org.dung, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=officer)
    with translation.override("vi"), pytest.raises(InvalidField) as err:
        assign(org.an, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=officer, on=D(2017, 6, 1))
    assert err.value.field == "start_on"
    assert org.dung.full_name in str(err.value) and "01/01/2017" in str(err.value)
    assert "đã có người giữ chức" in str(err.value)
    # Before the current holder's start too: an open post overlaps every later one.
    with pytest.raises(InvalidField):
        assign(org.an, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=officer, on=D(2016, 6, 1))
    assert Position.objects.count() == 1
    # Another group, or a post with several holders, is fine.
    assign(org.an, P.MASS_ORG_HEAD, locality=org.tdp_a1, by=officer)
    assign(org.binh, P.MASS_ORG_HEAD, locality=org.tdp_a1, by=officer)
    # The same person twice in the same post is refused.
    with pytest.raises(InvalidField):
        assign(org.binh, P.MASS_ORG_HEAD, locality=org.tdp_a1, by=officer, on=D(2018, 1, 1))


def test_bad_input_is_refused_in_vietnamese_and_nothing_written(org, personas):
    officer = personas.ward_a_officer
    ward = org.ward_a_loc
    cases = [
        (dict(kind="NOPE", locality=org.tdp_a1), "kind"),
        (dict(kind=P.RESIDENTIAL_GROUP_HEAD, locality=ward), "locality"),  # a ward, not a group
        (dict(kind=P.HAMLET_HEAD, locality=org.tdp_a1), "locality"),  # a group, not a hamlet
        (dict(kind=P.CELL_SECRETARY, locality=org.tdp_a1), "unit"),
        (dict(kind=P.CELL_SECRETARY, unit=org.ward_a), "unit"),  # not a cell
        (dict(kind=P.CELL_SECRETARY, unit=org.cell_a1, start_on=D(2030, 1, 1)), "start_on"),
        (dict(kind=P.CELL_SECRETARY, unit=org.cell_a1, start_on=D(1900, 1, 1)), "start_on"),
        (dict(kind=P.TEACHER), "locality"),
    ]
    for kwargs, field in cases:
        kwargs.setdefault("start_on", D(2017, 1, 1))
        with translation.override("vi"), pytest.raises(InvalidField) as err:
            assign_position(org.an, by=officer, today=TODAY, **kwargs)
        assert err.value.field == field, kwargs
        assert not any(w in str(err.value) for w in ("Choose", "cell", "date")), str(err.value)
    # A cell post needs a member of that cell on the date: Dung is none, An is of A1.
    with translation.override("vi"), pytest.raises(InvalidField) as err:
        assign(org.dung, P.CELL_SECRETARY, unit=org.cell_a1, by=officer)
    assert err.value.field == "person" and "không phải là đảng viên" in str(err.value)
    with pytest.raises(InvalidField):
        assign(org.an, P.CELL_SECRETARY, unit=org.cell_a2, by=officer)
    with pytest.raises(InvalidField):  # before An's ceremony (2005)
        assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=officer, on=D(2004, 1, 1))
    assert not Position.objects.exists()
    # Ending: after the start, once.
    p = assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=officer)
    for on in (D(2017, 1, 1), D(2016, 1, 1), D(2030, 1, 1)):
        with pytest.raises(InvalidField):
            end_position(p, on=on, by=officer, today=TODAY)
    end_position(p, on=D(2018, 1, 1), by=officer, today=TODAY)
    with pytest.raises(InvalidField):
        end_position(p, on=D(2019, 1, 1), by=officer, today=TODAY)
    p.refresh_from_db()
    assert p.end_on == D(2018, 1, 1)


def test_scope(org, personas):
    # Ward B's officer may not record posts in ward A's localities or cells.
    with pytest.raises(NotAllowed):
        assign(org.dung, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=personas.ward_b_officer)
    with pytest.raises(NotAllowed):
        assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=personas.ward_b_officer)
    # A leader only reads.
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    with pytest.raises(NotAllowed):
        assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=leader)
    # The cell's secretary records the cell's posts, not the ward's localities.
    with pytest.raises(NotAllowed):
        assign(org.dung, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=personas.secretary_a)
    p = assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=personas.secretary_a)
    # The city's officer records anywhere under the city.
    head = assign(org.dung, P.RESIDENTIAL_GROUP_HEAD, locality=org.tdp_a1, by=personas.city_officer)
    with pytest.raises(NotAllowed):
        end_position(head, on=D(2018, 1, 1), by=personas.ward_b_officer, today=TODAY)
    assert Position.objects.filter(end_on__isnull=False).count() == 0
    assert AuditEntry.objects.filter(model__icontains="position", object_id=str(p.pk)).exists()


def committee_cell(org, n=9):
    """Cell A1 with `n` full members (An and n-1 more)."""
    people = [org.an]
    for i in range(n - 1):
        p = f.person(f"Đảng Viên Số {i}", D(1970, 1, 1 + i))
        f.member(p, org.cell_a1, ceremony=D(2010, 1, 1))
        people.append(p)
    return people


def test_cells_due_a_committee_use_the_recorded_committees(org, personas):
    officer = personas.ward_a_officer
    people = committee_cell(org, n=10)  # still 9 when one leaves
    day = D(2017, 6, 1)
    assert [r["code"] for r in coverage(org.ward_a, day).cells_due_committee] == ["A1"]
    # A secretary alone is no committee.
    assign(people[0], P.CELL_SECRETARY, unit=org.cell_a1, by=officer)
    assert committee(org.cell_a1, day) == []
    assert [r["code"] for r in coverage(org.ward_a, day).cells_due_committee] == ["A1"]
    assign(people[1], P.CELL_DEPUTY_SECRETARY, unit=org.cell_a1, by=officer)
    member = assign(people[2], P.CELL_COMMITTEE, unit=org.cell_a1, by=officer, on=D(2017, 3, 1))
    assert len(committee(org.cell_a1, day)) == 3
    assert committee(org.cell_a1, D(2017, 2, 1)) == []  # before the committee member
    c = coverage(org.ward_a, day)
    assert c.cells_due_committee == [] and c.residential_committees == 1
    assert coverage(org.ward_a, D(2017, 2, 1)).cells_due_committee != []
    assert cells_with_committee([org.cell_a1, org.cell_a2], day) == {org.cell_a1.pk}
    # The committee member leaves the party: from then, no committee.
    m = people[2].memberships.get()
    m.exit_on, m.exit_reason = D(2018, 1, 1), "DEATH"
    m.save(update_fields=["exit_on", "exit_reason"])
    m.stints.update(end_on=D(2018, 1, 1), reason_out="EXIT")
    assert committee(org.cell_a1, D(2018, 6, 1)) == []
    assert [r["code"] for r in coverage(org.ward_a, D(2018, 6, 1)).cells_due_committee] == ["A1"]
    # The coverage target: one residential cell of the two of ward A has a committee.
    term = Term.objects.create(
        unit=org.ward_a, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    target = Target.objects.create(
        term=term, unit=org.ward_a, metric=Metric.CELL_COMMITTEES, value=60
    )
    assert Actuals(day).of(target) == 50.0
    assert Actuals(D(2018, 6, 1)).of(target) == 0.0
    end_position(member, on=D(2017, 12, 1), by=officer, today=TODAY)
    assert Actuals(D(2017, 12, 1)).of(target) == 0.0


def test_a_cell_committee_has_at_most_seven_members(org, personas):
    people = committee_cell(org, n=9)
    officer = personas.ward_a_officer
    assign(people[0], P.CELL_SECRETARY, unit=org.cell_a1, by=officer)
    for p in people[1:7]:
        assign(p, P.CELL_COMMITTEE, unit=org.cell_a1, by=officer)
    with translation.override("vi"), pytest.raises(InvalidField) as err:
        assign(people[7], P.CELL_COMMITTEE, unit=org.cell_a1, by=officer)
    assert "7" in str(err.value) and org.cell_a1.name in str(err.value)
    assert Position.objects.count() == 7


def test_one_secretary_at_a_time_and_holders_marked_members(org, personas):
    officer = personas.ward_a_officer
    assign(org.an, P.CELL_SECRETARY, unit=org.cell_a1, by=officer)
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    f.member(quy, org.cell_a1, ceremony=D(2008, 3, 1))
    with pytest.raises(InvalidField) as err:
        assign(quy, P.CELL_SECRETARY, unit=org.cell_a1, by=officer, on=D(2018, 1, 1))
    assert org.an.full_name in str(err.value)
    assign(org.dung, P.TEAM_LEADER, locality=org.tdp_a1, by=officer)
    rows = holders(day=D(2017, 6, 1), unit=org.ward_a)
    assert {(r.position.person.full_name, r.is_member) for r in rows} == {
        (org.an.full_name, True),
        (org.dung.full_name, False),
    }
    assert [r.position.person_id for r in holders(day=D(2017, 6, 1), locality=org.tdp_a1)] == [
        org.dung.pk
    ]
    assert holders(day=D(2017, 6, 1), unit=org.ward_b) == []


# ----- pages and API --------------------------------------------------------------------
def test_the_person_page_records_and_ends_a_position(client, org, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get(f"/people/{org.dung.pk}/").content.decode()
    # The form loads when opened (htmx): its lists are the scope, not the page's.
    assert f'hx-get="/people/{org.dung.pk}/positions/"' in page
    assert '<option value="WA-TDP1">' not in page
    form = client.get(f"/people/{org.dung.pk}/positions/", HTTP_HX_REQUEST="true")
    page = form.content.decode()
    # Its locality and cell are searched by name as typed, not listed whole.
    assert 'id="position-form"' in page and "/localities/options/" in page
    assert "Tổ dân phố 1, Phường A" not in page
    assert "<html" not in page  # the form alone; without htmx, a page of its own
    assert "<html" in client.get(f"/people/{org.dung.pk}/positions/").content.decode()
    offered = client.get("/localities/options/?list=locality&kinds=post&locality=tdp 1")
    assert offered.status_code == 200
    found = client.get("/localities/options/?list=locality&kinds=post&locality=dân phố 1")
    assert 'value="Tổ dân phố 1, Phường A"' in found.content.decode()
    # Picked by its label from the list: the same as its code.
    r = client.post(
        f"/people/{org.dung.pk}/positions/",
        {
            "kind": P.RESIDENTIAL_GROUP_HEAD,
            "locality": "Tổ dân phố 1, Phường A",
            "start_on": "01/03/2017",
        },
    )
    assert r.status_code == 302
    p = Position.objects.get()
    assert (p.person, p.locality, p.start_on) == (org.dung, org.tdp_a1, D(2017, 3, 1))
    page = client.get(f"/people/{org.dung.pk}/").content.decode()
    assert "Đã ghi nhận" in page and "01/03/2017" in page
    # An overlap: told who holds the post, nothing written.
    client.post(
        f"/people/{org.an.pk}/positions/",
        {"kind": P.RESIDENTIAL_GROUP_HEAD, "locality": "WA-TDP1", "start_on": "01/06/2017"},
    )
    page = client.get(f"/people/{org.an.pk}/").content.decode()
    assert "Chưa ghi nhận" in page and org.dung.full_name in page
    assert Position.objects.count() == 1
    r = client.post(f"/positions/{p.pk}/end/", {"end_on": "31/12/2018"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.end_on == D(2018, 12, 31)
    # The list of holders of the ward on a date, members marked.
    page = client.get("/positions/?unit=WARDA&date=01/06/2017").content.decode()
    assert org.dung.full_name in page and "Tổ dân phố 1" in page
    assert "1 người giữ chức, trong đó 0 đảng viên" in page
    page = client.get("/positions/?locality=WA-TDP1&date=01/06/2019").content.decode()
    assert org.dung.full_name not in page
    # Ward B's officer neither sees the person nor ends the post.
    client.force_login(personas.ward_b_officer)
    assert client.post(f"/positions/{p.pk}/end/", {"end_on": "01/01/2019"}).status_code == 404
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    client.force_login(leader)
    page = client.get(f"/people/{org.dung.pk}/").content.decode()
    assert f"/people/{org.dung.pk}/positions/" not in page
    assert client.get(f"/people/{org.dung.pk}/positions/").status_code == 403
    r = client.post(
        f"/people/{org.dung.pk}/positions/",
        {"kind": P.TEAM_LEADER, "locality": "WA-TDP1", "start_on": "01/03/2017"},
    )
    assert r.status_code == 403 and Position.objects.count() == 1


def test_the_api(client, org, personas):
    client.force_login(personas.ward_a_officer)
    body = {
        "person_id": org.an.pk,
        "kind": "CELL_SECRETARY",
        "unit": "A1",
        "start_on": "2017-01-01",
    }
    r = client.post("/api/positions", json.dumps(body), "application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.post("/api/positions", json.dumps(body), "application/json")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "start_on"
    r = client.get("/api/positions?unit=WARDA&date=2017-06-01").json()
    assert [(h["person_id"], h["is_member"]) for h in r["holders"]] == [(org.an.pk, True)]
    assert {c["code"]: c["has_committee"] for c in r["cells"]} == {"A1": False, "A2": False}
    r = client.post(
        f"/api/positions/{pk}/end", json.dumps({"end_on": "2018-01-01"}), "application/json"
    )
    assert r.status_code == 200 and r.json()["end_on"] == "2018-01-01"
    # Out of scope: ward B's officer does not see the person (404) nor the unit (400).
    client.force_login(personas.ward_b_officer)
    assert client.post("/api/positions", json.dumps(body), "application/json").status_code == 404
    assert client.get("/api/positions?unit=WARDA").status_code == 400
    body = {
        "person_id": org.cuong.pk,
        "kind": "RESIDENTIAL_GROUP_HEAD",
        "locality": "WA-TDP1",
        "start_on": "2017-01-01",
    }
    assert client.post("/api/positions", json.dumps(body), "application/json").status_code == 422
    assert Locality.objects.filter(code="WA-TDP1").exists()


def test_the_list_of_holders_is_paged_by_keyset_keeping_its_filters(
    client, org, personas, settings
):
    """A district lists thousands of holders: pages of a fixed size read through the
    keyset (no OFFSET), the unit and the date kept in the links, the totals of the whole
    list in the summary."""
    settings.KEYSET_PAGE_SIZE = 3
    kinds = [P.TEAM_LEADER, P.MILITIA, P.TEACHER, P.HEALTH_WORKER]
    expected = set()
    for i in range(7):
        person = f.person(f"Người Số {i}", D(1990, 1, 1 + i), "M", residence=org.tdp_a1)
        place = org.tdp_a1 if i % 2 else Locality.objects.get(code="WA-TDP2")
        p = Position.objects.create(
            person=person, kind=kinds[i % 4], locality=place, start_on=D(2016, 1, 1)
        )
        expected.add(p.pk)
    Position.objects.create(  # outside the filter: ward B
        person=org.cuong,
        kind=P.TEAM_LEADER,
        locality=Locality.objects.get(code="WB-TDP1"),
        start_on=D(2016, 1, 1),
    )
    client.force_login(personas.city_officer)
    url = "/positions/?unit=WARDA&date=01/06/2017"
    seen: list[int] = []
    got = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    pages = 0
    while True:
        assert got.status_code == 200
        page = got.context["page"]
        assert len(page) <= 3
        seen += [p.pk for p in page]
        body = got.content.decode()
        assert "7 người giữ chức, trong đó 0 đảng viên" in body  # the whole list's totals
        pages += 1
        if not page.has_next:
            break
        assert "unit=WARDA" in page.next_link and "date=01%2F06%2F2017" in page.next_link
        assert f'href="{page.next_link.replace("&", "&amp;")}"' in body
        got = client.get("/positions/" + page.next_link, HTTP_ACCEPT_LANGUAGE="vi")
    assert pages == 3 and len(seen) == len(set(seen)) and set(seen) == expected
    # Back one page: the second page again.
    back = client.get("/positions/" + got.context["page"].previous_link)
    assert [p.pk for p in back.context["page"]] == seen[3:6]
    assert client.get(url + "&cursor=forged").status_code == 400
    # The unit field is the searchable picker: its list holds the matches of what it
    # holds (the ward), not every unit in scope.
    body = client.get(url).content.decode()
    datalist = body.split('<datalist id="unit-options">')[1].split("</datalist>")[0]
    assert "Đảng bộ phường A" in datalist and "Chi bộ Tổ dân phố 1 (B)" not in datalist
    assert 'name="unit" value="Đảng bộ phường A – Đảng bộ thành phố Thử"' in body
    assert 'value="Đảng bộ phường A – Đảng bộ thành phố Thử"' in datalist


def test_no_post_is_taken_up_after_death(client, org, personas):
    """A member who died is offered no position form, and a post posted anyway is refused
    in Vietnamese with nothing written."""
    from dangvien.core.errors import ActionError
    from dangvien.membership.models import Membership
    from dangvien.records import exits

    m = Membership.objects.get(person=org.an)
    exits.record_exit(m, on=D(2018, 5, 10), reason="DEATH", by=personas.ward_a_officer)
    client.force_login(personas.ward_a_officer)
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    page = client.get(f"/people/{org.an.pk}/", **vi).content.decode()
    assert 'id="position-form"' not in page and f"/people/{org.an.pk}/positions/" not in page
    form = client.get(f"/people/{org.an.pk}/positions/", HTTP_HX_REQUEST="true", **vi)
    assert 'id="position-form"' not in form.content.decode()
    assert "Nguyễn Văn An đã mất: không ghi được chức vụ." in form.content.decode()
    got = client.post(
        f"/people/{org.an.pk}/positions/",
        {"kind": P.RESIDENTIAL_GROUP_HEAD, "locality": "WA-TDP1", "start_on": "01/03/2019"},
        follow=True,
        **vi,
    )
    assert "đã mất ngày 10/05/2018" in got.content.decode()
    assert not Position.objects.exists()
    with pytest.raises(ActionError):  # InvalidField, on the start date
        assign(
            org.an,
            P.RESIDENTIAL_GROUP_HEAD,
            by=personas.ward_a_officer,
            on=D(2019, 1, 1),
            locality=org.tdp_a1,
        )
    # A post held before the death is history, recorded (an import of past posts).
    p = assign(
        org.an,
        P.RESIDENTIAL_GROUP_HEAD,
        by=personas.ward_a_officer,
        on=D(2017, 1, 1),
        locality=org.tdp_a1,
    )
    assert p.start_on == D(2017, 1, 1)
