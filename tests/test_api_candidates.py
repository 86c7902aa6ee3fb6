"""The candidates API, scoped like the pages."""

import datetime as dt
import json

from dangvien.accounts.models import Role
from dangvien.admission.models import Stage

from . import factories as f
from .admission_helpers import lan, prepare

D = dt.date


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_list_and_detail_in_scope(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    rows = client.get("/api/candidates").json()
    assert [(r["id"], r["person"]["full_name"], r["stage"]) for r in rows] == [
        (c.pk, "Vũ Thị Lan", "LISTED")
    ]
    assert sorted(rows[0]["tags"]) == ["WOMAN", "YOUTH_UNION"]
    assert client.get("/api/candidates", {"unit": "A2"}).json() == []
    assert client.get("/api/candidates", {"q": "vu thi"}).json()[0]["id"] == c.pk
    detail = client.get(f"/api/candidates/{c.pk}").json()
    assert [e["kind"] for e in detail["events"]] == ["LISTED", "HELPER_ASSIGNED"]
    client.force_login(personas.ward_b_officer)
    assert client.get("/api/candidates").json() == []
    assert client.get(f"/api/candidates/{c.pk}").status_code == 404
    assert client.get("/api/candidates", {"unit": "A1"}).status_code == 400


def test_add_event_with_checks(client, personas, org):
    c = lan(org)
    prepare(c, org)
    c.refresh_from_db()
    client.force_login(personas.secretary_a)
    url = f"/api/candidates/{c.pk}/events"
    response = post(
        client,
        url,
        {
            "kind": "CELL_VOTE",
            "date": "2017-05-10",
            "full_members": 12,
            "in_favour": 7,
            "version": c.version,
        },
    )
    assert response.status_code == 422
    assert [x["rule"] for x in response.json()["findings"]] == ["vote.cell"]
    response = post(
        client,
        url,
        {
            "kind": "CELL_VOTE",
            "date": "2017-05-10",
            "full_members": 12,
            "in_favour": 9,
            "version": c.version,
        },
    )
    assert response.status_code == 201 and response.json()["in_favour"] == 9
    c.refresh_from_db()
    assert c.stage == Stage.CELL_VOTED
    stale = post(
        client,
        url,
        {
            "kind": "GRASSROOTS_VOTE",
            "date": "2017-05-20",
            "full_members": 9,
            "in_favour": 9,
            "version": c.version - 1,
        },
    )
    assert stale.status_code == 409
    bad = post(client, url, {"kind": "CEREMONY", "date": "2017-05-20", "version": c.version})
    assert bad.status_code == 400 and "Không thể ghi" in bad.json()["error"]
    assert post(client, url, {"kind": "NOPE", "date": "x", "version": 0}).status_code == 422


def test_add_event_needs_the_right_to_edit(client, personas, org):
    c = lan(org)
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    client.force_login(leader)
    response = post(
        client,
        f"/api/candidates/{c.pk}/events",
        {"kind": "APPLICATION", "date": "2017-01-05", "version": c.version},
    )
    assert response.status_code == 403
    client.force_login(personas.ward_b_officer)
    response = post(
        client,
        f"/api/candidates/{c.pk}/events",
        {"kind": "APPLICATION", "date": "2017-01-05", "version": c.version},
    )
    assert response.status_code == 404
    assert c.events.count() == 2


def test_introducer_must_be_a_full_member_of_the_organisation(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    response = post(
        client,
        f"/api/candidates/{c.pk}/events",
        {
            "kind": "INTRODUCTION",
            "date": "2017-04-05",
            "version": c.version,
            "introducer_id": org.cuong.pk,
            "worked_together_since": "2015-01-01",
        },
    )
    assert response.status_code == 400


def test_paging_bounds_are_refused_not_500(client, personas, org):
    client.force_login(personas.city_officer)
    assert client.get("/api/candidates", {"offset": 2**63}).status_code == 422
    assert client.get("/api/candidates", {"limit": 0}).status_code == 422
    assert client.get("/api/candidates", {"limit": 500, "offset": 0}).status_code == 200
