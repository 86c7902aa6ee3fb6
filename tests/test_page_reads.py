"""The pages of the load test (`bench/locustfile.py`) read what they show: a scope grown
by many cells, localities and members costs the person page and the source list no query
more, and puts none of the new units or places on them (the pickers list what matches
what is typed)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangvien.orgs.models import Locality, OrgUnit

from . import factories as f

D = dt.date
K = OrgUnit.Kind
MORE = 25


def grow(org) -> None:
    """Ward A gets MORE cells, each serving a residential group of its own, a member each."""
    for i in range(MORE):
        place = f.locality(
            f"WA-X{i}", f"Tổ dân phố Xa {i}", Locality.Kind.RESIDENTIAL_GROUP, org.ward_a_loc
        )
        cell = f.unit(f"AX{i}", f"Chi bộ Xa {i}", K.CELL, org.ward_a, serves=[place])
        someone = f.person(f"Đỗ Văn Xa {i}", D(1980, 1, 1), "M", residence=place)
        f.member(someone, cell, ceremony=D(2010, 1, 1))


def queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # the first visit fills what the pages keep (scope, cached figures)
    with CaptureQueriesContext(connection) as log:
        page = client.get(url)
    assert page.status_code == 200, url
    return len(log.captured_queries), page.content.decode()


def test_the_person_page_and_the_source_list_read_no_more_for_a_bigger_scope(client, org, personas):
    client.force_login(personas.ward_a_officer)  # may write: the page offers its forms
    urls = [f"/people/{org.an.pk}/", "/candidates/", f"/people/{org.dung.pk}/"]
    before = {url: queries(client, url)[0] for url in urls}
    grow(org)
    for url in urls:
        n, page = queries(client, url)
        assert n == before[url], url
        assert "Tổ dân phố Xa" not in page and "Chi bộ Xa" not in page, url
    # The forms ask for a cell or a place by name; their pickers find the new ones.
    form = client.get(f"/people/{org.dung.pk}/positions/", HTTP_HX_REQUEST="true").content
    assert "Chi bộ Xa" not in form.decode() and "Tổ dân phố Xa" not in form.decode()
    place = client.get("/localities/options/", {"kinds": "post", "q": "Xa 7"})
    assert "Tổ dân phố Xa 7, Phường A" in place.content.decode()
    cell = client.get("/units/options/", {"q": "Chi bộ Xa 7"})
    assert "Chi bộ Xa 7" in cell.content.decode()


@pytest.mark.django_db(transaction=True)  # committed writes: the cache sees the version
def test_the_communes_with_a_source_list_are_counted_again_only_after_a_change(
    client, org, personas
):
    from dangvien.admission import services
    from dangvien.admission.models import Tag

    from .admission_helpers import lan

    lan(org)
    client.force_login(personas.city_officer)
    client.get("/candidates/")
    got = client.get("/candidates/")
    assert (got.context["with_list"], got.context["communes"]) == (1, 2)
    with CaptureQueriesContext(connection) as log:
        client.get("/candidates/")
    assert not [q for q in log.captured_queries if "COUNT(" in q["sql"] and "path" in q["sql"]]
    # A candidate listed in ward B: the next visit counts both communes.
    someone = f.person("Hà Thị Mai", D(1996, 1, 1), "F", residence=org.tdp_a1)
    services.list_candidate(
        someone,
        org.cell_b1,
        listed_on=D(2016, 6, 1),
        tags=[Tag.WOMAN],
        helper=org.cuong,
        by=None,
        today=D(2017, 1, 1),
    )
    got = client.get("/candidates/")
    assert (got.context["with_list"], got.context["communes"]) == (2, 2)


def test_the_unit_tree_counts_a_superior_committee_from_the_precomputed_counts(
    client, org, personas
):
    from dangvien.stats import store

    store.rebuild()
    client.force_login(personas.city_officer)
    for day in ("2017-11-30", "2004-01-01"):
        response = client.get("/units/", {"date": day})
        counts = {u.code: n for u, n, _closed in response.context["rows"]}
        assert counts["CITY"] == sum(counts[w] for w in ("WARDA", "WARDB")), day
    assert counts["CITY"] == 1  # Cường alone, before An's ceremony in 2005
    grow(org)  # a member in each new cell of ward A, admitted in 2010, kept current
    with CaptureQueriesContext(connection) as log:
        response = client.get("/units/", {"date": "2017-11-30"})
    counts = {u.code: n for u, n, _closed in response.context["rows"]}
    assert counts["CITY"] == 3 + MORE
    # The city's members come from its counts; the stints are read under the wards only.
    stints = [q["sql"] for q in log.captured_queries if "membership_stint" in q["sql"]]
    assert stints and all("'CITY/WARDA/%'" in sql for sql in stints)
