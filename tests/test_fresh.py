"""Figures cached until the rows change (`dangvien.stats.fresh`)."""

import datetime as dt

import pytest
from django.db import transaction

from dangvien.people.models import Person
from dangvien.stats import fresh
from tests import factories as f

D = dt.date
# Committed transactions, as between two requests (a test's own transaction would bypass
# the cache after its first write).
pytestmark = pytest.mark.django_db(transaction=True)


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_figure_is_computed_again_only_after_a_write(org):
    calls, compute = counter()
    assert fresh.cached("t", (1,), compute) == 1
    assert fresh.cached("t", (1,), compute) == 1  # same version: from the cache
    assert fresh.cached("t", (2,), compute) == 2  # other parts: its own figure
    an = Person.objects.get(full_name="Nguyễn Văn An")
    an.occupation = "OTHER"
    an.save()
    assert fresh.cached("t", (1,), compute) == 3


def test_a_transaction_bumps_once_and_a_rollback_not_at_all(org):
    start = fresh.current()
    with transaction.atomic():
        for i in range(3):
            f.person(f"Người {i}", D(1990, 1, 1 + i), "M")
    assert fresh.current() == start + 1
    with transaction.atomic():
        f.person("Người bỏ", D(1991, 1, 1), "F")
        transaction.set_rollback(True)
    assert fresh.current() == start + 1
    # A savepoint rolled back takes its bump with it; the transaction's next write bumps.
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            f.person("Người trong", D(1992, 1, 1), "F")
            1 / 0  # noqa: B018
        f.person("Người sau", D(1993, 1, 1), "M")
    assert fresh.current() == start + 2


def test_a_writing_transaction_computes_afresh(org):
    calls, compute = counter()
    fresh.cached("t", (1,), compute)
    with transaction.atomic():
        f.person("Người mới", D(1990, 5, 5), "F")
        assert fresh.cached("t", (1,), compute) == 2
        assert fresh.cached("t", (1,), compute) == 3  # neither read nor filled


def test_the_dashboard_shows_a_new_alert_at_once(org, personas, client):
    """The dashboard's week of alerts is cached; a new step is seen on the next visit."""
    from dangvien.admission.models import Candidate, Event, Stage

    client.force_login(personas.city_officer)
    first = client.get("/dashboard/", {"unit": "CITY"})
    assert first.status_code == 200
    before = first.context["week_total"]
    assert client.get("/dashboard/", {"unit": "CITY"}).context["week_total"] == before
    dung = Person.objects.get(full_name="Phạm Thị Dung")
    decided = dt.date.today() - dt.timedelta(days=120)  # the ceremony is long overdue
    c = Candidate.objects.create(
        person=dung,
        cell=org.cell_a1,
        listed_on=D(2024, 1, 2),
        stage=Stage.DECIDED,
        stage_since=decided,
    )
    Event.objects.create(candidate=c, kind=Event.Kind.DECISION, date=decided)
    again = client.get("/dashboard/", {"unit": "CITY"})
    assert again.context["week_total"] == before + 1


def test_the_coverage_page_is_kept_until_a_member_moves_in(org, personas, client, monkeypatch):
    """The coverage report is cached; a member recorded as living in an empty residential
    group takes it off the list on the next visit."""
    from dangvien.orgs.models import Locality
    from dangvien.people.models import Residence

    ward = Locality.objects.get(code="WA")
    new = f.locality("WA-TDP3", "Tổ dân phố 3", Locality.Kind.RESIDENTIAL_GROUP, ward)
    client.force_login(personas.city_officer)
    from dangvien.reports import coverage as report

    computed = []
    real = report.coverage
    monkeypatch.setattr(report, "coverage", lambda *a, **k: computed.append(1) or real(*a, **k))

    def empty():
        page = client.get("/statistics/coverage/", {"unit": "CITY"})
        return {loc["code"] for loc in page.context["c"].without_members}

    assert "WA-TDP3" in empty()
    assert "WA-TDP3" in empty()  # from the cache
    assert len(computed) == 1
    an = Person.objects.get(full_name="Nguyễn Văn An")
    lived = Residence.objects.get(person=an)
    lived.locality = new
    lived.save()
    an.residence = new
    an.save()
    assert "WA-TDP3" not in empty()
    assert len(computed) == 2


def test_cached_figures_are_shared_through_the_database(org):
    """Kept in the database's cache table (`settings.CACHES`), not in this process: a
    worker that did not compute a figure is served what another one stored."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    assert isinstance(caches["default"], DatabaseCache)
    assert fresh.cached("shared", (1,), lambda: 41) == 41
    # Another process: a cache object of its own, over the same table.
    other = DatabaseCache(settings.CACHE_TABLE, {})
    assert 41 in [other.get(k) for k in _keys(settings.CACHE_TABLE)]
    assert fresh.cached("shared", (1,), lambda: 0) == 41  # served, not computed again


def _keys(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT cache_key FROM {table}")
        # The stored keys carry the cache's prefix and version (":1:"): strip them.
        return [row[0].split(":", 2)[2] for row in cur.fetchall()]
