"""The dashboard, coverage and development pages read each figure once (issue #14, item 2):
the shortcuts give the same figures as the full reports, and the pages' query counts stay
flat as members and years are added (no query per member, unit or year)."""

import datetime as dt

import pytest

from dangvien.reports import dashboard
from dangvien.reports.coverage import coverage
from dangvien.reports.dashboard import members_on, members_on_days
from dangvien.reports.development import admissions_by_month, development
from dangvien.stats.models import Built

from . import factories as f

D = dt.date
DAYS = [D(1989, 1, 1), D(1990, 1, 15), D(2005, 6, 1), D(2017, 3, 1), D(2017, 11, 30)]
GAPS = ["without_members", "without_own_cell", "at_risk", "cells_too_small"]


def test_members_on_many_days_as_on_each_day(org):
    f.member(org.dung, org.cell_b1, ceremony=D(2016, 4, 1), exit_on=D(2018, 1, 1))
    for unit in (org.city, org.ward_a, org.ward_b, org.cell_a1):
        assert members_on_days(unit, DAYS) == {d: members_on(unit, d) for d in DAYS}
    assert [members_on_days(org.city, DAYS)[d] for d in DAYS] == [0, 1, 2, 4, 4]


def test_members_on_many_days_counted_from_the_rows_before_a_build(org):
    Built.objects.all().delete()  # the superior's count from its stints
    assert members_on_days(org.city, DAYS) == {d: members_on(org.city, d) for d in DAYS}


def test_the_dashboard_gaps_are_the_full_reports(org):
    for unit in (org.city, org.ward_a):
        for day in (D(2010, 1, 1), D(2017, 11, 30)):
            full, gaps = coverage(unit, day), coverage(unit, day, gaps_only=True)
            for name in GAPS:
                assert getattr(gaps, name) == getattr(full, name)
    gaps = coverage(org.city, D(2010, 1, 1), gaps_only=True)  # Bình not yet admitted
    assert [g["code"] for g in gaps.without_members] == ["WA-TDP2"]
    assert gaps.at_risk and gaps.cells_too_small


def test_admissions_by_month_as_in_the_development_report(org):
    f.member(org.dung, org.cell_b1, ceremony=D(2017, 5, 1))
    for start, end in [(D(2017, 1, 1), D(2017, 12, 31)), (D(2000, 1, 1), D(2020, 1, 1))]:
        by_month = development(org.city, start, end).by_month
        assert admissions_by_month(org.city, start, end) == by_month
    assert [m["month"] for m in by_month] == ["2005-05", "2017-02", "2017-04"]


def more_members(org, n: int, year: int) -> None:
    for i in range(n):
        p = f.person(f"Thêm {year} {i}", D(1985, 1, 1 + i), "M" if i % 2 else "F")
        f.member(p, org.cell_a1 if i % 2 else org.cell_b1, ceremony=D(year, 3, 1 + i))


PAGES = {
    "dashboard": ("/dashboard/", {"unit": "CITY"}),
    "coverage": ("/statistics/coverage/", {"unit": "CITY", "date": "30/11/2017"}),
    "development": (
        "/statistics/development/",
        {"unit": "CITY", "from": "01/01/2000", "to": "31/12/2020"},
    ),
}
# The pages' queries on the test organisation (sessions, roles and audit included).
MAX_QUERIES = {"dashboard": 52, "coverage": 33, "development": 35}  # dashboard: +5 transfer alerts


@pytest.mark.parametrize("page", list(PAGES))
def test_page_queries_do_not_grow_with_members(
    client, personas, org, monkeypatch, django_assert_max_num_queries, page
):
    monkeypatch.setattr(dashboard, "today", lambda: D(2017, 11, 30))
    client.force_login(personas.city_officer)
    url, params = PAGES[page]
    assert client.get(url, params).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES[page]) as few:
        assert client.get(url, params).status_code == 200
    more_members(org, 6, 2012)
    more_members(org, 6, 2016)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, params).status_code == 200
