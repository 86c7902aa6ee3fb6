"""The precomputed counts (`dangvien.stats`) against a full recount.

A property-based test applies random sequences of admissions, confirmations, transfers,
exits, exemptions, corrections, person edits, voided memberships and restructurings
(with their undo) to a small tree of two superior committees, and checks the structure
report read from the counts equals the recount from the rows, for every superior unit
and random dates. The whole suite checks the same after each test (`conftest.py`).
"""

import contextlib
import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangvien.core.bulk import many_writes
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.restructure import CannotUndo, Kind, Op, apply, undo
from dangvien.people.models import Person
from dangvien.records.models import Exemption
from dangvien.reference.models import Ethnicity, Religion
from dangvien.reports.structure import AGE_BANDS, structure
from dangvien.stats import read, store
from dangvien.stats.check import differences
from dangvien.stats.contrib import decode, keys_of
from dangvien.stats.models import Built, Checkpoint, PersonStat, StatKey, UnitCount
from dangvien.stats.series import on_days
from tests import factories as f

D = dt.date
K = OrgUnit.Kind
START = D(2010, 1, 1)
END = D(2026, 12, 31)


@pytest.fixture
def tree(db):
    prov = f.unit("PROV", "Đảng bộ tỉnh Thử", K.SUPERIOR)
    city = f.unit("CITYX", "Đảng bộ thành phố X", K.SUPERIOR, prov)
    town = f.unit("TOWNY", "Đảng bộ thị xã Y", K.SUPERIOR, prov)
    wards = [
        f.unit("WX1", "Đảng bộ phường X1", K.GRASSROOTS_COMMITTEE, city),
        f.unit("WX2", "Đảng bộ phường X2", K.GRASSROOTS_COMMITTEE, city),
        f.unit("WY1", "Đảng bộ xã Y1", K.GRASSROOTS_COMMITTEE, town),
    ]
    cells = [
        f.unit(f"{w.code}-C{i}", f"Chi bộ {i} {w.name}", K.CELL, w) for w in wards for i in (1, 2)
    ]
    return {"superiors": [prov, city, town], "cells": cells}


def check(units, days) -> None:
    for unit in units:
        unit.refresh_from_db()
        for day in days:
            assert differences(unit, day) == [], (unit.code, day)


def test_a_fresh_database_is_built_and_a_superior_reads_the_counts(tree):
    assert Built.objects.exists()
    prov = tree["superiors"][0]
    assert read.covers(prov) and not read.covers(tree["cells"][0])
    p = f.person("Trần Thị Hoa", D(1996, 3, 15), "F", ethnicity="10", religion="03")
    f.member(p, tree["cells"][0], ceremony=D(2020, 5, 19))
    # The counts were written by the saves, in the same transaction.
    assert UnitCount.objects.filter(unit=prov, key="members").exists()
    fast = structure(prov, D(2021, 1, 1))
    assert fast.figures["members"] == 1 and fast.figures["women"] == 1
    assert fast.figures["youth"] == 1 and fast.figures["official"] == 0
    assert structure(prov, D(2021, 6, 1)).figures["official"] == 1
    assert structure(prov, D(2020, 5, 18)).figures["members"] == 0
    # Youth is decided on the day: 30 until 14/03/2027, 31 from the 31st birthday.
    assert structure(prov, D(2027, 3, 14)).figures["youth"] == 1
    assert structure(prov, D(2027, 3, 15)).figures["youth"] == 0
    check(tree["superiors"], [D(2020, 5, 19), D(2027, 3, 14), D(2027, 3, 15)])


def test_a_person_edit_changes_every_date(tree):
    p = f.person("Lê Văn Nam", D(1970, 1, 1), "M")
    f.member(p, tree["cells"][2], ceremony=D(2012, 1, 1))
    p.sex, p.birth_date = "F", D(1990, 12, 31)
    p.save()
    prov = tree["superiors"][0]
    assert structure(prov, D(2013, 1, 1)).figures["women"] == 1
    check(tree["superiors"], [D(2013, 1, 1), D(2020, 12, 30), D(2020, 12, 31), D(2021, 1, 1)])


def test_rebuild_gives_the_same_counts_and_check_passes(tree, capsys):
    for i, cell in enumerate(tree["cells"]):
        p = f.person(f"Người {i}", D(1960 + 5 * i, 2, 28), "MF"[i % 2])
        f.member(p, cell, ceremony=D(2011 + i, 6, 1), exit_on=D(2024, 1, 1) if i % 3 else None)
    assert UnitCount.objects.exists()
    same_as_a_rebuild(lambda: call_command("rebuild_stats"))
    check(tree["superiors"], [D(2011, 6, 1), D(2016, 6, 1), D(2024, 1, 1), END])
    call_command("rebuild_stats", "--check")
    assert "khớp" in capsys.readouterr().out


LAST = D(9999, 12, 15)


@pytest.mark.parametrize("merge_from", [store.MERGE_FROM, 1], ids=["per-change", "merged"])
def test_a_change_in_the_last_month_a_date_can_hold_has_no_checkpoint_after_it(
    tree, merge_from, monkeypatch
):
    """December 9999 has no month after it to hold a checkpoint: its changes are read
    from the month's own rows, by the writes and the rebuild alike (an exemption "until
    15/12/9999" typed for one with no end)."""
    monkeypatch.setattr(store, "MERGE_FROM", merge_from)
    p = f.person("Lý Văn Xa", D(1980, 1, 1), "M")
    m = f.member(p, tree["cells"][0], ceremony=D(2015, 1, 1))
    Exemption.objects.create(membership=m, reason="AGE", start_on=D(2020, 1, 1), end_on=LAST)
    assert not Checkpoint.objects.filter(at__gt=D(9999, 11, 30)).exists()
    check(tree["superiors"], [D(2020, 1, 1), D(2100, 12, 31)])  # (reports end in 2100)
    same_as_a_rebuild()
    last = [D(9999, 11, 30), D(9999, 12, 14), D(9999, 12, 15), D(9999, 12, 31)]
    for unit in tree["superiors"][:2]:  # the province and the city above the cell
        assert on_days(unit.pk, "exempt", last) == dict(zip(last, [1, 1, 0, 0], strict=True))
        assert on_days(unit.pk, "members", last) == dict.fromkeys(last, 1)


def test_check_reports_counts_gone_wrong(tree):
    p = f.person("Đỗ Văn Tâm", D(1985, 8, 8), "M")
    f.member(p, tree["cells"][0], ceremony=D(2015, 1, 1))
    # Writes that bypassed the hooks: the changes and the checkpoints after them.
    UnitCount.objects.filter(key="members").update(n=5)
    Checkpoint.objects.filter(key="members").update(n=5)
    with pytest.raises(CommandError, match="khác với số đếm lại"):
        call_command("rebuild_stats", "--check")
    call_command("rebuild_stats")  # and a rebuild puts them right
    call_command("rebuild_stats", "--check")


def test_without_a_build_reports_count_from_the_rows(tree):
    p = f.person("Vũ Thị Lan", D(1988, 4, 4), "F")
    f.member(p, tree["cells"][0], ceremony=D(2015, 1, 1))
    Built.objects.all().delete()  # an upgraded database before `rebuild-stats`
    prov = tree["superiors"][0]
    assert not read.covers(prov)
    assert structure(prov, D(2020, 1, 1)).figures["members"] == 1


# ---- random sequences -------------------------------------------------------------

# Each example writes and recounts in the database: no deadline, and a fixture per test.
SLOW = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
days = st.integers(0, (END - START).days).map(lambda n: START + dt.timedelta(days=n))


@st.composite
def operations(draw):
    kind = draw(
        st.sampled_from(
            [
                "admit",
                "admit",
                "admit",
                "confirm",
                "transfer",
                "exit",
                "exempt",
                "edit",
                "correct",
                "void",
                "restructure",
                "batch",
            ]
        )
    )
    return (kind, draw(st.integers(0, 10_000)), draw(days), draw(days))


class World:
    def __init__(self, tree):
        self.cells = tree["cells"]
        self.superiors = tree["superiors"]
        self.eth = list(Ethnicity.objects.values_list("pk", flat=True)[:4])
        self.rel = list(Religion.objects.values_list("pk", flat=True)[:3])
        self.undoable = []

    def open_cells(self, day):
        return [
            c
            for c in OrgUnit.objects.filter(kind=K.CELL).order_by("pk")
            if c.valid_from <= day and (c.valid_to is None or c.valid_to > day)
        ]

    def memberships(self):
        return list(Membership.objects.order_by("pk"))

    def do(self, kind, n, a, b):
        a, b = min(a, b), max(a, b)
        getattr(self, kind)(n, a, b)

    def admit(self, n, a, b):
        cells = self.open_cells(a)
        if not cells:
            return
        p = Person.objects.create(
            full_name=f"Người {n}",
            birth_date=D(1950 + n % 50, 1 + n % 12, 1 + n % 28),
            sex="MF"[n % 2],
            ethnicity_id=self.eth[n % len(self.eth)],
            religion_id=self.rel[n % len(self.rel)],
            general_education=["UPPER_SECONDARY", "LOWER_SECONDARY", ""][n % 3],
            professional=["UNIVERSITY", "", "COLLEGE"][n % 3],
            youth_union_member=n % 4 == 0,
            business_owner=n % 5 == 0,
        )
        m = Membership.objects.create(
            person=p, decision_on=a, ceremony_on=a, confirmed_on=b if n % 3 else None
        )
        Stint.objects.create(
            membership=m, unit=cells[n % len(cells)], start_on=a, reason_in="ADMITTED"
        )

    def pick(self, n):
        ms = self.memberships()
        return ms[n % len(ms)] if ms else None

    def open_stint(self, m):
        return m.stints.filter(end_on__isnull=True).order_by("-start_on").first()

    def confirm(self, n, a, b):
        m = self.pick(n)
        if m and m.ceremony_on < b:
            m.confirmed_on = b
            m.save()

    def transfer(self, n, a, b):
        m = self.pick(n)
        s = m and self.open_stint(m)
        cells = self.open_cells(b)
        if not s or s.start_on >= b or not cells or m.exit_on:
            return
        s.end_on, s.reason_out = b, "TRANSFER"
        s.save()
        Stint.objects.create(
            membership=m, unit=cells[n % len(cells)], start_on=b, reason_in="TRANSFER"
        )

    def exit(self, n, a, b):
        m = self.pick(n)
        s = m and self.open_stint(m)
        # (a backdated correction may have moved the stint before the ceremony)
        if not s or s.start_on >= b or m.exit_on or b <= m.ceremony_on:
            return
        m.exit_on, m.exit_reason = b, "DECEASED"
        m.save()
        s.end_on, s.reason_out = b, "EXIT"
        s.save()

    def exempt(self, n, a, b):
        m = self.pick(n)
        if m:
            Exemption.objects.create(
                membership=m, reason="AGE", start_on=a, end_on=b if n % 2 and b > a else None
            )

    def edit(self, n, a, b):
        m = self.pick(n)
        if m:
            p = m.person
            p.sex = "F" if p.sex == "M" else "M"
            p.birth_date = D(1940 + n % 60, 1 + n % 12, 1 + (n // 7) % 28)
            p.religion_id = self.rel[(n + 1) % len(self.rel)]
            p.save()

    def correct(self, n, a, b):
        """A backdated correction: the first stint starts earlier or later."""
        m = self.pick(n)
        s = m and m.stints.order_by("start_on").first()
        if s and (s.end_on is None or a < s.end_on):
            s.start_on = a
            s.save()

    def void(self, n, a, b):
        m = self.pick(n)
        if m:
            m.exemptions.all().delete()
            for s in m.stints.all():
                s.delete()
            person = m.person
            m.delete()
            person.delete()

    def restructure(self, n, a, b):
        if self.undoable and n % 2:
            with contextlib.suppress(CannotUndo):  # something newer depends on it
                undo(self.undoable.pop())
            return
        wards = [
            w
            for w in OrgUnit.objects.filter(kind=K.GRASSROOTS_COMMITTEE).order_by("pk")
            if w.valid_from < a and (w.valid_to is None or w.valid_to > a)
        ]
        if len(wards) < 2:
            return
        src, dst = wards[n % len(wards)], wards[(n + 1) % len(wards)]
        effect = apply([Op(Kind.ABSORB, src.code, a, target=dst.code)])
        if effect.ok and effect.record:
            self.undoable.append(effect.record)

    def batch(self, n, a, b):
        """Several writes heard of once (as an import or a restructuring does)."""
        with many_writes():
            self.admit(n, a, b)
            self.confirm(n + 1, a, b)
            self.transfer(n + 2, a, b)


@settings(max_examples=30, **SLOW)
@given(ops=st.lists(operations(), min_size=1, max_size=12), probes=st.lists(days, max_size=4))
@pytest.mark.parametrize("merge_from", [store.MERGE_FROM, 1], ids=["per-change", "merged"])
def test_random_histories_read_the_same_as_a_recount(tree, ops, probes, merge_from, monkeypatch):
    """Both ways of applying changes: a few statements per change, and the set-based
    statements that large imports take."""
    monkeypatch.setattr(store, "MERGE_FROM", merge_from)
    with transaction.atomic():
        world = World(tree)
        for op in ops:
            world.do(*op)
        marks = {d for _k, _n, a, b in ops for d in (a, b)}
        check(world.superiors, sorted(set(probes) | set(list(marks)[:6])))
        same_as_a_rebuild()
        transaction.set_rollback(True)


def same_as_a_rebuild(rebuild=store.rebuild) -> None:
    """The counts kept write by write hold the changes a rebuild writes, a checkpoint
    wherever a rebuild puts one (after every month with a change: a report sums a month
    of changes at most), and only right totals in the checkpoints a rebuild leaves out
    (after a month whose changes were all taken back)."""
    changes, checkpoints, keys = counted()
    rebuild()
    rebuilt = counted()
    assert changes == rebuilt[0]
    assert rebuilt[1] <= checkpoints and rebuilt[2] <= keys
    for unit, key, at, n in checkpoints - rebuilt[1]:
        assert n == sum(c for u, k, day, c in changes if (u, k) == (unit, key) and day < at)


def stored(data: dict) -> dict:
    """A stored contribution with its periods in order and its flags as booleans (SQLite
    hands the SQL rebuild's back as 0 and 1)."""
    if not data:
        return {}
    data = decode(data) if isinstance(data["s"][0][1], str) else data
    flags = {"youth_union_member", "business_owner"}
    return {
        "p": {k: bool(v) if k in flags else v for k, v in data["p"].items()},
        **{part: sorted(data.get(part, []), key=str) for part in "soxa"},
    }


@settings(max_examples=20, **SLOW)
@given(
    before=st.lists(operations(), min_size=1, max_size=10),
    after=st.lists(operations(), max_size=6),
    probes=st.lists(days, max_size=4),
)
def test_the_sql_rebuild_equals_the_recount_and_later_writes_build_on_it(
    tree, before, after, probes
):
    """`rebuild()` computes each person's contribution in SQL: it must store what the
    Python contribution says (or the next write would subtract the wrong thing), give the
    recount's reports, and keep them right through the writes after it."""
    with transaction.atomic():
        world = World(tree)
        for op in before:
            world.do(*op)
        store.rebuild()
        ids = list(PersonStat.objects.values_list("person_id", flat=True))
        python = store.load(Person.objects.values_list("pk", flat=True))
        assert {pk: stored(d) for pk, d in python.items() if d} == {
            pk: stored(PersonStat.objects.get(pk=pk).data) for pk in ids
        }
        marks = sorted({d for _k, _n, a, b in before + after for d in (a, b)})
        check(world.superiors, sorted(set(probes) | set(marks[:4])))
        for op in after:
            world.do(*op)
        check(world.superiors, sorted(set(probes) | set(marks[-4:])))
        transaction.set_rollback(True)


def test_refresh_reads_a_constant_number_of_rows(tree, django_assert_max_num_queries):
    people = []
    for i in range(30):
        p = f.person(f"Hồ Văn {i}", D(1977, 7, 1 + i % 28), "M")
        f.member(p, tree["cells"][i % 6], ceremony=D(2016, 1, 1))
        people.append(p.pk)
    Person.objects.filter(pk__in=people).update(sex="F")  # no signal: told below
    with django_assert_max_num_queries(17):  # whatever the number of people
        store.refresh(people)
    check(tree["superiors"], [D(2020, 1, 1)])


def test_rebuild_as_a_task_on_the_queue(tree, settings, capsys):
    """`--enqueue` leaves the rebuild to the worker (the tests' immediate backend runs it
    at once and keeps no result)."""
    p = f.person("Phan Văn Hải", D(1990, 10, 10), "M")
    f.member(p, tree["cells"][1], ceremony=D(2019, 2, 3))
    UnitCount.objects.all().delete()
    call_command("rebuild_stats", "--enqueue")
    assert "Đã xếp hàng" in capsys.readouterr().out
    assert structure(tree["superiors"][0], D(2020, 1, 1)).figures["members"] == 1


def test_a_unit_that_becomes_a_superior_committee_counts_its_members(tree):
    """A grassroots committee made a superior one (or back) changes where its members
    count: its own report reads the counts from then on, and they equal the recount."""
    ward = OrgUnit.objects.get(code="WX1")
    for i, cell in enumerate(tree["cells"][:2]):
        p = f.person(f"Mai Văn {i}", D(1980 + i, 3, 3), "M")
        f.member(p, cell, ceremony=D(2014, 4, 4))
    ward.kind = K.SUPERIOR
    ward.save()
    assert read.covers(ward)
    assert structure(ward, D(2020, 1, 1)).figures["members"] == 2
    check([*tree["superiors"], ward], [D(2014, 4, 4), D(2020, 1, 1)])
    ward.kind = K.GRASSROOTS_COMMITTEE
    ward.save()
    assert not read.covers(ward)
    assert not UnitCount.objects.filter(unit=ward).exclude(n=0).exists()
    check(tree["superiors"], [D(2014, 4, 4), D(2020, 1, 1)])


@settings(max_examples=10, **SLOW)
@given(before=st.lists(operations(), min_size=1, max_size=10))
def test_the_admitted_totals_added_to_an_older_build_equal_a_rebuild(tree, before):
    """The migration `stats.0004_admitted` adds the admissions to counts built before
    them, as running totals that `stats.0009_checkpoints` then converts: the two must
    leave what a rebuild writes, counts and stored contributions alike."""
    from django.db import connection

    from dangvien.stats import sqlbuild

    def state():
        people = {p.pk: stored(p.data) for p in PersonStat.objects.all()}
        return (*counted(), {pk: d for pk, d in people.items() if d})

    with transaction.atomic():
        rebuilt_after(tree, before)
        rebuilt = state()
        admitted = any(k == "admitted" for _u, k, _s, _n in rebuilt[0])
        assert admitted or not Membership.objects.exists()
        # The build as older code left it: running totals, no admissions anywhere.
        as_running_totals()
        UnitCount.objects.filter(key="admitted").delete()
        StatKey.objects.filter(key="admitted").delete()
        for p in PersonStat.objects.all():
            p.data.pop("a", None)
            if not p.data["s"]:
                p.delete()
            else:
                p.save()
        with connection.cursor() as cur:
            sqlbuild.add_admitted(cur, store.all_superiors())
        as_changes()
        assert state() == rebuilt
        transaction.set_rollback(True)


def counted() -> tuple[set, set, set]:
    """Every change, every checkpoint and every key, as rows."""
    return (
        set(UnitCount.objects.values_list("unit_id", "key", "since", "n")),
        set(Checkpoint.objects.values_list("unit_id", "key", "at", "n")),
        set(StatKey.objects.values_list("unit_id", "key", "month")),
    )


def migration(name: str):
    import importlib

    return importlib.import_module(f"dangvien.stats.migrations.{name}")


def as_running_totals() -> None:
    """The counts back in the form the migrations before `stats.0009_checkpoints` found
    and wrote (a running total on each day of change)."""
    from django.db import connection

    migration("0009_checkpoints").backwards(None, SimpleNamespace(connection=connection))


def as_changes() -> None:
    """The running totals converted by `stats.0009_checkpoints`."""
    from django.db import connection

    migration("0009_checkpoints").forwards(None, SimpleNamespace(connection=connection))


def rebuilt_after(tree, ops) -> None:
    """`ops` applied to the tree, then the counts rebuilt from the rows."""
    world = World(tree)
    for op in ops:
        world.do(*op)
    store.rebuild()


def test_ages_in_the_turning_years_are_read_from_their_birthdays(tree):
    """On 15/05/2026 a member born in May 1995 is 30 or 31 by the day of the birthday, on
    either side of the first band's end (≤ 30 | 31–35); one born in May 1980 is 45 or 46,
    inside 41–45 or 46–50 by the day too, and one born in May 1985 is 40 or 41. Members
    born in May of a year whose two ages fall in one band are counted from the month.
    The report reads the day keys of the turning years only, and the sum of ages from
    the day-of-year keys."""
    day = D(2026, 5, 15)
    births = [
        D(1995, 5, 10),  # 31: 31–35
        D(1995, 5, 20),  # 30: ≤ 30, youth
        D(1995, 5, 15),  # 31 on the day itself
        D(1980, 5, 20),  # 45: 41–45
        D(1980, 5, 1),  # 46: 46–50
        D(1978, 5, 20),  # 47: 46–50, counted from its month
        D(1978, 5, 2),  # 48
        D(1970, 11, 30),  # 55: 51–55
    ]
    for i, b in enumerate(births):
        p = f.person(f"Ngô Văn {i}", b, "M")
        f.member(p, tree["cells"][i % 6], ceremony=D(2015, 1, 1))
    prov = tree["superiors"][0]
    s = structure(prov, day)
    ages = [31, 30, 31, 45, 46, 47, 48, 55]
    assert s.figures["members"] == 8 and s.figures["youth"] == 1
    assert s.as_json()["average_age"] == round(sum(ages) / 8, 1)
    bands = {row.key: row.count for row in s.breakdowns["age"]}
    assert bands == {
        "≤ 30": 1,
        "31–35": 2,
        "36–40": 0,
        "41–45": 1,
        "46–50": 3,
        "51–55": 1,
        "56–60": 0,
        "> 60": 0,
    }
    c = read.counts(prov, day, read.youth_cutoff(day, 30), AGE_BANDS)
    assert c["d:05:1995-05-20"] == 1 and c["bd:05-20"] == 3
    assert "d:05:1978-05-20" not in c and "d:11:1970-11-30" not in c
    check(tree["superiors"], [day, D(2026, 5, 19), D(2026, 5, 20), D(2025, 5, 1)])


def test_a_contribution_stored_with_its_keys_gets_its_day_of_year_key():
    """Contributions stored before the attributes were (their keys as a list) subtract
    the day-of-year key the migration derived for them."""
    assert keys_of({"k": ["members", "ym:1975-03", "d:03:1975-03-14"]}) == [
        "members",
        "ym:1975-03",
        "d:03:1975-03-14",
        "bd:03-14",
    ]
    assert keys_of({"k": ["members", "d:03:1975-03-14", "bd:03-14"]}).count("bd:03-14") == 1


@settings(max_examples=10, **SLOW)
@given(ops=st.lists(operations(), min_size=1, max_size=10))
def test_the_day_of_year_totals_derived_from_the_day_keys_equal_a_rebuild(tree, ops):
    """The migration `stats.0008_birthday_keys` derives the day-of-year totals from the
    day keys of counts built before them (running totals, which `stats.0009_checkpoints`
    then converts): the two must write what a rebuild writes."""
    from django.db import connection

    with transaction.atomic():
        rebuilt_after(tree, ops)
        rebuilt = counted()
        assert any(k.startswith("bd:") for _u, k, _s, _n in rebuilt[0]) or not (
            Membership.objects.exists()
        )
        # The build as older code left it: running totals, no day-of-year keys.
        as_running_totals()
        UnitCount.objects.filter(key__startswith="bd:").delete()
        StatKey.objects.filter(key__startswith="bd:").delete()
        # The migration uses the schema editor's connection only.
        migration("0008_birthday_keys").forwards(None, SimpleNamespace(connection=connection))
        as_changes()
        assert counted() == rebuilt
        transaction.set_rollback(True)
