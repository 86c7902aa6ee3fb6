import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangvien.orgs.models import OrgUnit
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date


def test_city_figures_on_a_date(org):
    s = structure(org.city, D(2017, 11, 30))
    fig = s.figures
    assert fig["members"] == 3
    assert fig["probationary"] == 1 and fig["official"] == 2
    assert fig["women"] == 1 and fig["ethnic_minority"] == 1 and fig["religious"] == 1
    assert fig["youth"] == 1  # Bình, 22
    assert fig["grassroots_orgs"] == 2 and fig["cells"] == 3
    assert s.pct["women"] == pytest.approx(33.33, abs=0.01)
    assert s.average_age == pytest.approx((37 + 22 + 57) / 3, abs=0.05)


def test_subtree_and_past_date(org):
    assert structure(org.ward_a, D(2017, 11, 30)).figures["members"] == 2
    assert structure(org.ward_b, D(2017, 11, 30)).figures["members"] == 1
    assert structure(org.ward_a, D(2016, 1, 1)).figures["members"] == 1  # Bình not yet


def test_youth_is_age_30_or_less_on_the_day(org):
    f.member(f.person("Đào Văn Hải", birth=D(1987, 11, 30)), org.cell_a1, ceremony=D(2010, 1, 1))
    # Born 30/11/1987: 30 until 29/11/2018, 31 from 30/11/2018.
    assert structure(org.cell_a1, D(2018, 11, 29)).figures["youth"] == 1
    assert structure(org.cell_a1, D(2018, 11, 30)).figures["youth"] == 0


def test_closed_unit_counts_on_past_dates_only(org):
    old = f.unit("A3", "Chi bộ cũ", OrgUnit.Kind.CELL, org.ward_a, valid_to=D(2014, 7, 1))
    f.member(f.person("Mai Văn Khoa"), old, ceremony=D(2008, 1, 1), stint_end=D(2014, 7, 1))
    assert structure(org.ward_a, D(2014, 6, 30)).figures["cells"] == 3
    assert structure(org.ward_a, D(2014, 6, 30)).figures["members"] == 2
    assert structure(org.ward_a, D(2014, 7, 1)).figures["cells"] == 2


def test_breakdowns_add_up_and_query_count_is_fixed(org):
    with CaptureQueriesContext(connection) as ctx:
        s = structure(org.city, D(2017, 11, 30))
    for name in ("sex", "age", "general_education", "professional", "occupation"):
        assert sum(r.count for r in s.breakdowns[name]) == 3, name
    assert {r.label for r in s.breakdowns["ethnicity"]} == {"Kinh", "Gia-rai"}
    assert len(ctx.captured_queries) <= 14
