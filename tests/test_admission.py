"""The admission pipeline through its one write function, `services.record()`."""

import datetime as dt

import pytest

from dangvien.admission import deadlines, services
from dangvien.admission.models import Candidate, Event, Stage
from dangvien.admission.services import Blocked, ChangedMeanwhile, Step, TransitionError
from dangvien.membership.models import Membership, Status
from dangvien.records.exits import end_membership
from dangvien.reports.structure import structure
from dangvien.rules.calendar import add_working_days

from . import factories as f
from .admission_helpers import LATER, K, admit, introduce, lan, prepare, step

D = dt.date


def test_from_source_list_to_party_card_writes_the_membership(org):
    c = lan(org)
    assert c.stage == Stage.LISTED and c.helper == org.an
    before = structure(org.ward_a, D(2017, 7, 20)).figures["members"]
    c = admit(c, org)
    assert c.stage == Stage.PROBATION
    m = c.membership
    assert (m.decision_on, m.ceremony_on, m.decision_number) == (
        D(2017, 7, 3),
        D(2017, 7, 20),
        "456-QĐ/TU",
    )
    assert m.status_on(D(2017, 7, 20)) == Status.PROBATIONARY
    after = structure(org.ward_a, D(2017, 7, 20))
    assert after.figures["members"] == before + 1
    assert after.figures["probationary"] == 2  # Bình and Lan
    # Probation: the cell reviews after 12 months; confirmed as of the exact end.
    step(c, K.SELF_REVIEW, D(2018, 7, 21))
    step(c, K.HELPER_COMMENT, D(2018, 7, 22), introducer=org.an)
    step(c, K.CONFIRMATION_CELL_VOTE, D(2018, 7, 30), full_members=12, in_favour=11)
    step(c, K.CONFIRMATION_DECISION, D(2018, 8, 20), document_number="789-QĐ/TU")
    m.refresh_from_db()
    assert m.confirmed_on == D(2018, 7, 20)
    assert m.status_on(D(2018, 7, 20)) == Status.FULL
    step(c, K.CARD_ISSUED, D(2018, 9, 5), card_number="41000001")
    m.refresh_from_db()
    c.refresh_from_db()
    assert m.card_number == "41000001" and c.stage == Stage.CARD_ISSUED
    assert (
        Membership.objects.admitted_between(D(2017, 1, 1), D(2017, 12, 31))
        .filter(person=c.person)
        .exists()
    )


def test_a_blocking_finding_stops_the_step_and_writes_nothing(org):
    c = lan(org)
    prepare(c, org)
    c.refresh_from_db()
    events_before, version = c.events.count(), c.version
    with pytest.raises(Blocked) as err:
        step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=7)
    assert [f.rule for f in err.value.findings] == ["vote.cell"]
    assert "Vũ Thị Lan" in str(err.value) and "7/12" in str(err.value)
    assert "29-QĐ/TW" in err.value.findings[0].citation
    c.refresh_from_db()
    assert (c.stage, c.events.count(), c.version) == (Stage.COMMENTED, events_before, version)


def test_an_exception_passes_a_blocking_rule(org):
    c = lan(org, name="Đặng Văn Tư", birth=D(1955, 3, 1))
    prepare(c, org)
    with pytest.raises(Blocked) as err:
        step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    assert "age.max" in [f.rule for f in err.value.findings]
    step(
        c,
        K.EXCEPTION,
        D(2017, 5, 2),
        rule="age.max",
        approved_by="BTV Tỉnh ủy",
        document_number="123-CV/TU",
    )
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    c.refresh_from_db()
    assert c.stage == Stage.CELL_VOTED


def test_steps_out_of_order_or_wrongly_dated_are_refused(org):
    c = lan(org)
    with pytest.raises(TransitionError, match="Không thể ghi"):
        step(c, K.CEREMONY, D(2017, 7, 20))
    with pytest.raises(TransitionError, match="tương lai"):
        services.record(
            c, Step(kind=K.APPLICATION, date=D(2020, 1, 1)), by=None, version=c.version, today=LATER
        )
    count = c.events.count()
    # Lan was born on 15/08/1995: nobody worked or lived with her before that.
    with pytest.raises(TransitionError, match="trước ngày sinh của người được giới thiệu"):
        step(
            c, K.INTRODUCTION, D(2017, 4, 5), introducer=org.an, worked_together_since=D(1990, 1, 1)
        )
    assert c.events.count() == count
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    with pytest.raises(TransitionError, match="trước bước trước"):
        step(c, K.GRASSROOTS_VOTE, D(2017, 5, 1), full_members=9, in_favour=9)
    with pytest.raises(TransitionError):  # a cell in a committee needs its resolution first
        step(c, K.DECISION, D(2017, 6, 1))


def test_a_stale_version_is_changed_by_someone_else(org):
    c = lan(org)
    stale = c.version
    step(c, K.APPLICATION, D(2017, 1, 5))
    with pytest.raises(ChangedMeanwhile, match="người khác"):
        services.record(
            c, Step(kind=K.DECLARATION, date=D(2017, 1, 6)), by=None, version=stale, today=LATER
        )
    assert not Event.objects.filter(candidate=c, kind=K.DECLARATION).exists()


def test_listing_refuses_members_duplicates_and_outside_helpers(org):
    with pytest.raises(TransitionError, match="đã là đảng viên"):
        services.list_candidate(
            org.an, org.cell_a1, listed_on=D(2017, 1, 1), tags=[], helper=None, by=None, today=LATER
        )
    with pytest.raises(TransitionError, match="không phải là đảng viên chính thức"):
        lan(org, helper=org.cuong)  # ward B
    c = lan(org)
    with pytest.raises(TransitionError, match="đã có trong danh sách"):
        services.list_candidate(
            c.person,
            org.cell_a2,
            listed_on=D(2017, 1, 1),
            tags=[],
            helper=None,
            by=None,
            today=LATER,
        )
    assert Candidate.objects.count() == 1


def test_struck_off_after_probation_ends_the_membership(org):
    c = admit(lan(org), org)
    step(c, K.STRUCK_OFF, D(2018, 8, 1))
    m = Membership.objects.get(person=c.person)
    assert m.exit_reason == "STRUCK_OFF" and m.status_on(D(2018, 8, 1)) == Status.LEFT
    assert structure(org.ward_a, D(2018, 8, 1)).figures["members"] == 2


def test_next_deadline_and_alerts(org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    c.refresh_from_db()
    events = list(c.events.all())
    dl = deadlines.next_deadline(c, events)
    assert dl.due == add_working_days(D(2017, 5, 10), 60)
    found = deadlines.alerts(Candidate.objects.all(), D(2017, 8, 30))
    assert [(a.kind, a.overdue) for a in found] == [("deadline", True)]
    assert "04/08/2017" in found[0].message or dl.due.strftime("%d/%m/%Y") in found[0].message


def test_alerts_for_age_course_and_introducers(org):
    young = lan(org, name="Lý Văn Út", birth=D(1999, 9, 10))
    found = {a.kind for a in deadlines.alerts(Candidate.objects.all(), D(2017, 8, 20))}
    assert "turning_18" in found
    step(young, K.COURSE_CERTIFICATE, D(2012, 9, 1))
    found = {a.kind for a in deadlines.alerts(Candidate.objects.all(), D(2017, 8, 20))}
    assert "course_expiring" in found
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    m = f.member(
        quy, org.cell_a1, ceremony=D(2008, 3, 1), exit_on=D(2017, 6, 1), exit_reason="TRANSFER_OUT"
    )
    assert m.exit_on
    step(young, K.INTRODUCTION, D(2017, 5, 1), introducer=quy, worked_together_since=D(2015, 1, 1))
    found = deadlines.alerts(Candidate.objects.all(), D(2017, 8, 20))
    assert any(a.kind == "introducer_left" and "Hoàng Văn Quý" in a.message for a in found)


def test_an_introducer_who_leaves_later_still_vouches_for_the_introduction(org):
    c = admit(lan(org), org)  # introduced by An on 05/04/2017
    end_membership(Membership.objects.get(person=org.an), on=D(2019, 3, 1), reason="TRANSFER_OUT")
    _rs, found = services.findings_for(c, list(c.events.all()), as_of=D(2019, 6, 1))
    assert [x for x in found if x.rule.startswith("introducers")] == []
    # Someone who was not yet a full member on the day of the introduction is refused.
    other = lan(org, name="Lê Thị Hoa", birth=D(1990, 2, 1))
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    f.member(quy, org.cell_a1, ceremony=D(2016, 12, 1))  # full from 01/12/2017
    prepare(other, org)
    with pytest.raises(Blocked) as refused:
        introduce(other, D(2017, 5, 1), quy)
    assert "chưa là đảng viên chính thức vào ngày 01/05/2017" in str(refused.value)


def test_a_closed_dossier_is_reviewed_as_it_stood_when_it_closed(org):
    c = admit(lan(org), org)  # probation ends 20/07/2018
    step(c, K.STRUCK_OFF, D(2018, 8, 1))
    c.refresh_from_db()
    _rs, found = services.findings_for(c, list(c.events.all()), as_of=D(2019, 6, 1))
    # Struck off before the review fell due: no late review, no "still confirmed".
    assert [x for x in found if x.rule == "deadline.confirmation"] == []
    # An open dossier of the same age is late.
    other = admit(lan(org, name="Lê Thị Hoa", birth=D(1990, 2, 1)), org)
    _rs, found = services.findings_for(other, list(other.events.all()), as_of=D(2019, 6, 1))
    assert [x.rule for x in found if x.rule == "deadline.confirmation"] == ["deadline.confirmation"]
