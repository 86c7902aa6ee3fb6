"""The person → scope table (`PersonScope`, `dangvien.people.scope`) against the rows.

A property-based test applies random sequences of the writes that change who may see a
person (admissions, transfers, pending official transfers received or cancelled,
exits, voided memberships, candidacies listed, moved and dropped, residences changed,
names changed, restructurings and their undo, bulk updates told through
`core.bulk.touched`) and checks that the table equals a recompute from the rows, and
that for every unit the people read through the table are those `within` finds from the
rows. Then one direct test per write path that is not a plain model save.
"""

import contextlib
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangvien.admission.models import Candidate
from dangvien.core.bulk import many_writes, touched
from dangvien.membership.models import Membership, Stint
from dangvien.orgs import locality_restructure
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.orgs.restructure import CannotUndo, Kind, Op, apply, undo
from dangvien.people import scope
from dangvien.people.models import Person, PersonScope
from dangvien.records.models import Transfer
from dangvien.reference.models import Ethnicity, Religion
from tests import factories as f

D = dt.date
K = OrgUnit.Kind


def consistent() -> None:
    assert scope.stored() == scope.recomputed()
    for unit in OrgUnit.objects.select_related("locality"):
        paths = [unit.path]
        places = [unit.locality.path] if unit.locality else []
        keys = scope.keys_for(paths, places)
        read = set(
            Person.objects.filter(scopes__key__in=keys).distinct().values_list("pk", flat=True)
        )
        rows = set(Person.objects.within(paths, places).values_list("pk", flat=True))
        assert read == rows, unit.code


def test_prefixes_are_the_paths_of_the_superiors():
    assert scope.prefixes("A/B/C/") == ["A/", "A/B/", "A/B/C/"]
    assert scope.prefixes(None) == []
    assert scope.keys_for(["A/"], ["X/Y/"]) == ["lX/Y/", "uA/"]


def test_later_words_are_the_name_from_each_later_word_on():
    assert scope.later_words("nguyen thi van anh") == ["thi van anh", "van anh", "anh"]
    assert scope.later_words("an") == []


def test_the_fixture_is_kept(org, personas):
    assert PersonScope.objects.filter(person=org.an, key="u" + org.cell_a1.path).exists()
    assert PersonScope.objects.filter(person=org.an, key="u" + org.city.path).exists()
    # a member is seen by the units, not by where they live; a non-member by where
    # they live
    assert not PersonScope.objects.filter(person=org.an, key__startswith="l").exists()
    assert set(PersonScope.objects.filter(person=org.dung).values_list("key", flat=True)) == {
        "l" + p for p in scope.prefixes(org.tdp_a1.path)
    }
    consistent()


days = st.dates(D(2012, 1, 1), D(2026, 6, 30))


@st.composite
def operations(draw):
    kind = draw(
        st.sampled_from(
            [
                "admit",
                "admit",
                "transfer",
                "pending",
                "settle",
                "exit",
                "void",
                "candidate",
                "move_candidate",
                "drop_candidate",
                "reside",
                "rename",
                "restructure",
                "bulk_reside",
                "batch",
            ]
        )
    )
    return (kind, draw(st.integers(0, 10_000)), draw(days), draw(days))


class World:
    def __init__(self):
        self.eth = Ethnicity.objects.order_by("pk").first()
        self.rel = Religion.objects.order_by("pk").first()
        self.places = list(Locality.objects.filter(kind=Locality.Kind.RESIDENTIAL_GROUP))
        self.undoable = []

    def do(self, kind, n, a, b):
        a, b = min(a, b), max(a, b)
        getattr(self, kind)(n, a, b)

    def cells(self, day):
        return [
            c
            for c in OrgUnit.objects.filter(kind=K.CELL).order_by("pk")
            if c.valid_from <= day and (c.valid_to is None or c.valid_to > day)
        ]

    def person(self, n):
        return Person.objects.create(
            full_name=f"Người Thử {n}",
            birth_date=D(1950 + n % 50, 1 + n % 12, 1 + n % 28),
            sex="MF"[n % 2],
            ethnicity=self.eth,
            religion=self.rel,
            general_education="UPPER_SECONDARY",
            residence=self.places[n % len(self.places)] if n % 5 else None,
        )

    def pick(self, qs, n):
        rows = list(qs.order_by("pk"))
        return rows[n % len(rows)] if rows else None

    def admit(self, n, a, b):
        cells = self.cells(a)
        if cells:
            m = Membership.objects.create(person=self.person(n), decision_on=a, ceremony_on=a)
            Stint.objects.create(membership=m, unit=cells[n % len(cells)], start_on=a)

    def open_stint(self, m):
        return m.stints.filter(end_on__isnull=True).order_by("-start_on").first()

    def transfer(self, n, a, b):
        m = self.pick(Membership.objects.filter(exit_on__isnull=True), n)
        s = m and self.open_stint(m)
        cells = self.cells(b)
        if s and s.start_on < b and cells:
            s.end_on, s.reason_out = b, "TRANSFER"
            s.save()
            Stint.objects.create(
                membership=m, unit=cells[n % len(cells)], start_on=b, reason_in="TRANSFER"
            )

    def pending(self, n, a, b):
        m = self.pick(Membership.objects.filter(exit_on__isnull=True), n)
        s = m and self.open_stint(m)
        cells = self.cells(b)
        if s and cells:
            Transfer.objects.create(
                membership=m,
                kind=Transfer.Kind.OFFICIAL,
                from_unit=s.unit,
                to_unit=cells[n % len(cells)],
                issued_on=b,
            )

    def settle(self, n, a, b):
        t = self.pick(Transfer.objects.filter(received_on__isnull=True), n)
        if t is None:
            return
        if n % 3 == 0:
            t.delete()
            return
        on = max(b, t.issued_on)
        if n % 2:
            t.received_on = on
        else:
            t.cancelled_on = on
        t.save()

    def exit(self, n, a, b):
        m = self.pick(Membership.objects.filter(exit_on__isnull=True), n)
        s = m and self.open_stint(m)
        if s and s.start_on < b and not Transfer.objects.filter(membership=m).exists():
            m.exit_on, m.exit_reason = b, "DECEASED"
            m.save()
            s.end_on, s.reason_out = b, "EXIT"
            s.save()

    def void(self, n, a, b):
        m = self.pick(Membership.objects.filter(candidacy__isnull=True), n)
        if m and not Transfer.objects.filter(membership=m).exists():
            for s in m.stints.all():
                s.delete()
            m.delete()  # the person stays: seen where they live from now on

    def candidate(self, n, a, b):
        cells = self.cells(a)
        if cells:
            Candidate.objects.create(
                person=self.person(n), cell=cells[n % len(cells)], listed_on=a, stage_since=a
            )

    def move_candidate(self, n, a, b):
        c = self.pick(Candidate.objects.all(), n)
        cells = self.cells(b)
        if c and cells:
            c.cell = cells[n % len(cells)]
            c.save()

    def drop_candidate(self, n, a, b):
        c = self.pick(Candidate.objects.all(), n)
        if c:
            c.delete()

    def reside(self, n, a, b):
        p = self.pick(Person.objects.all(), n)
        if p:
            p.residence = None if n % 7 == 0 else self.places[n % len(self.places)]
            p.save()

    def rename(self, n, a, b):
        p = self.pick(Person.objects.all(), n)
        if p:
            p.full_name = f"Đỗ Thị Nguyệt {n}"
            p.save()

    def bulk_reside(self, n, a, b):
        """A queryset update, told through `touched` as the bulk writers do."""
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[n % 3 :: 2])
        Person.objects.filter(pk__in=ids).update(residence=self.places[n % len(self.places)])
        touched(ids)

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
        with many_writes():
            self.admit(n, a, b)
            self.candidate(n + 1, a, b)
            self.pending(n + 2, a, b)
            self.reside(n + 3, a, b)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations(), min_size=1, max_size=12))
def test_random_writes_keep_the_table_equal_to_a_recompute(org, ops):
    with transaction.atomic():
        world = World()
        for op in ops:
            world.do(*op)
        consistent()
        transaction.set_rollback(True)


def test_undo_of_a_restructuring_moves_the_candidates_back(org):
    """The undo writes the candidates' cell with a queryset update (no signal)."""
    p = f.person("Võ Thị Hoa", D(2000, 1, 1), "F")
    Candidate.objects.create(
        person=p, cell=org.cell_b1, listed_on=D(2024, 1, 1), stage_since=D(2024, 1, 1)
    )
    effect = apply([Op(Kind.ABSORB, org.ward_b.code, D(2025, 7, 1), target=org.ward_a.code)])
    assert effect.ok and effect.record
    c = Candidate.objects.get(person=p)
    assert c.cell != org.cell_b1
    assert not PersonScope.objects.filter(person=p, key="u" + org.ward_b.path).exists()
    consistent()
    undo(effect.record)
    assert PersonScope.objects.filter(person=p, key="u" + org.ward_b.path).exists()
    consistent()


def test_locality_restructuring_and_its_undo_move_the_residents(org):
    """Residents are moved with a queryset update (no signal)."""
    new = Op(Kind.ABSORB, "WB-TDP1", D(2025, 7, 1), target="WA-TDP2")
    effect = locality_restructure.apply([new])
    assert effect.ok, effect.lines()
    consistent()
    undo(effect.record)
    consistent()


def test_rebuild_and_the_command(org, capsys):
    PersonScope.objects.all().delete()
    assert scope.rebuild() == len(scope.recomputed()[0])
    consistent()
    PersonScope.objects.all().delete()
    call_command("rebuild_stats")
    consistent()


def test_a_deleted_person_leaves_no_row(org):
    Residence = org.dung.residences.model
    Residence.objects.filter(person=org.dung).delete()
    org.dung.delete()
    assert not PersonScope.objects.filter(person_id=org.dung.pk).exists()
    consistent()


def test_bulk_import_of_members_is_kept(org, tmp_path):
    """`imports.members` writes with bulk_create and tells `touched`: the new members are
    in the table at once (checked against the recompute)."""
    before = PersonScope.objects.count()
    with many_writes():
        p = Person(
            full_name="Hà Văn Nhập",
            birth_date=D(1991, 1, 1),
            sex="M",
            ethnicity=Ethnicity.objects.first(),
            religion=Religion.objects.first(),
            general_education="UPPER_SECONDARY",
        )
        p.fill_keys()
        Person.objects.bulk_create([p])
        m = Membership.objects.bulk_create(
            [Membership(person=p, decision_on=D(2020, 1, 1), ceremony_on=D(2020, 1, 1))]
        )[0]
        Stint.objects.bulk_create([Stint(membership=m, unit=org.cell_a2, start_on=D(2020, 1, 1))])
        touched([p.pk])
    assert PersonScope.objects.count() > before
    consistent()


@pytest.mark.parametrize("q", ["ngu", "an", "thi", "van a", "đỗ", "x"])
def test_scoped_search_pages_are_the_visible_matches(org, personas, q):
    """Every page, two people a page, through the cursors: the people `visible_to` finds
    for the name, in the same order, for each persona (narrow and wide scopes, few and
    many later-word matches)."""
    from django.db.models import F as Field

    from dangvien.people.models import scope_branches

    for name in ["Nguyễn Thị Vân Anh", "Đỗ Văn An", "Trần Ngư"]:
        p = f.person(name, D(1990, 1, 1), "F", residence=org.tdp_a1)
        Candidate.objects.create(
            person=p, cell=org.cell_a1, listed_on=D(2024, 1, 1), stage_since=D(2024, 1, 1)
        )
    for user in vars(personas).values():
        keys = Person.objects.scope_keys(user)
        if keys is None:
            continue
        expected = list(
            Person.objects.visible_to(user)
            .find(q)
            .order_by("skey", "pk")
            .values_list("pk", flat=True)
        )
        # A narrow scope read whole; a wide one key by key, its later-word matches read
        # from `PersonScopeWord` (few) or by reading the key's names in order (dense).
        for narrow, dense in ((True, 5000), (False, 5000), (False, 0)):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr("dangvien.people.models.NARROW_SCOPE", 10_000 if narrow else 0)
                mp.setattr("dangvien.people.models.DENSE_LATER", dense)
                got = every_page(
                    ("skey", "pid"),
                    scope_branches(q, keys),
                    Person.objects.with_search_key().annotate(pid=Field("pk")),
                )
                assert got == expected, (user.username, narrow, dense)


def test_the_audit_log_pages_by_keyset_newest_first(client, org, personas, settings):
    """Every entry once, newest first, through the cursors; a forged cursor is a 400."""
    from django.urls import reverse

    from dangvien.accounts.models import AuditEntry
    from tests.conftest import with_totp

    admin = with_totp(f.user("quantri"))
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    expected = list(AuditEntry.objects.order_by("-at", "-pk").values_list("pk", flat=True))
    assert len(expected) > 3
    from dangvien.core import keyset

    seen, cursor = [], None
    while True:
        page = keyset.paginate(
            AuditEntry.objects.all(), ("-at", "-pk"), cursor, name="audit", size=3
        )
        seen += [e.pk for e in page]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == expected
    back = keyset.paginate(
        AuditEntry.objects.all(), ("-at", "-pk"), page.previous_cursor, name="audit", size=3
    )
    assert [e.pk for e in back] == expected[-len(page) - 3 : -len(page)]
    assert client.get(reverse("audit_log")).status_code == 200
    got = client.get(reverse("audit_log"), {"cursor": "forged"})
    assert got.status_code == 400
    assert "không hợp lệ" in got.content.decode()


@pytest.mark.parametrize("dense", [5000, 0])
@pytest.mark.parametrize("q", ["ngu", "an", "thi", "van a", "đỗ", "x"])
def test_everyone_search_pages_are_all_matches(org, q, dense, monkeypatch):
    """For those who see everybody, the later words come from `PersonScopeWord` under
    `scope.EVERYONE` (few matches) or by reading the names in order (dense): every page,
    through the cursors, is `find` in name order."""
    from dangvien.people.models import everyone_branches

    for name in ["Nguyễn Thị Vân Anh", "Đỗ Văn An", "Trần Ngư", "Lò Văn Xanh"]:
        f.person(name, D(1990, 1, 1), "F", residence=org.tdp_a1)
    monkeypatch.setattr("dangvien.people.models.DENSE_LATER", dense)
    expected = list(Person.objects.find(q).order_by("skey", "pk").values_list("pk", flat=True))
    assert expected
    assert every_page(("skey", "pk"), everyone_branches(q), Person.objects.with_search_key()) == (
        expected
    )


def every_page(keys, branches, rows) -> list[int]:
    """The ids of a search's keyset pages, two people a page, followed to the end."""
    from dangvien.core.keyset import paginate

    got, cursor = [], None
    while True:
        page = paginate(
            Person.objects.all(), keys, cursor, name="t", size=2, branches=branches, rows=rows
        )
        got += [p.pk for p in page]
        if not page.has_next:
            return got
        cursor = page.next_cursor
