import datetime as dt

from dangvien.membership.models import Membership, Status, Stint

from . import factories as f

D = dt.date


def test_member_on_day_follows_ceremony_and_exit(org):
    m = f.member(
        f.person("Võ Văn Em"),
        org.cell_a1,
        ceremony=D(2012, 4, 2),
        exit_on=D(2016, 8, 1),
        exit_reason="DEATH",
    )
    on = Membership.objects.on
    assert not on(D(2012, 4, 1)).filter(pk=m.pk).exists()
    assert on(D(2012, 4, 2)).filter(pk=m.pk).exists()
    assert on(D(2016, 7, 31)).filter(pk=m.pk).exists()
    assert not on(D(2016, 8, 1)).filter(pk=m.pk).exists()  # left on that day


def test_admissions_are_counted_by_decision_date(org):
    p = f.person("Hồ Thị Giang")
    f.member(p, org.cell_a1, ceremony=D(2017, 1, 5), decision=D(2016, 12, 20))
    admitted = Membership.objects.admitted_between
    assert admitted(D(2016, 12, 1), D(2016, 12, 31)).filter(person=p).exists()
    assert not admitted(D(2017, 1, 1), D(2017, 12, 31)).filter(person=p).exists()


def test_status_on_dates(org):
    m = Membership.objects.get(person=org.an)
    assert m.status_on(D(2005, 5, 31)) == Status.NOT_YET
    assert m.status_on(D(2006, 5, 31)) == Status.PROBATIONARY
    assert m.status_on(D(2006, 6, 1)) == Status.FULL
    assert [label for _, label in m.status_changes()] == [
        str(Status.PROBATIONARY.label),
        str(Status.FULL.label),
    ]


def test_transfer_moves_the_member_between_units_on_the_day(org):
    m = Membership.objects.get(person=org.an)
    stint = m.stints.get()
    stint.end_on, stint.reason_out = D(2015, 1, 1), Stint.ReasonOut.TRANSFER
    stint.save(update_fields=["end_on", "reason_out"])
    Stint.objects.create(
        membership=m, unit=org.cell_b1, start_on=D(2015, 1, 1), reason_in=Stint.ReasonIn.TRANSFER
    )
    assert Stint.objects.members_on(D(2014, 12, 31)).get(membership=m).unit == org.cell_a1
    assert Stint.objects.members_on(D(2015, 1, 1)).get(membership=m).unit == org.cell_b1
