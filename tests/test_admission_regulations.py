"""Issue 9, items 1–7, through the one write function (`services.record`/`findings_for`),
the listing service, the alerts and the API: what an officer sees happen."""

import datetime as dt
import json

import pytest

from dangvien.admission import deadlines, services
from dangvien.admission.models import CalendarDay, Candidate, Stage
from dangvien.admission.services import Blocked, TransitionError
from dangvien.membership.models import ExitReason
from dangvien.rules.calendar import add_working_days

from . import factories as f
from .admission_helpers import LATER, K, lan, prepare, step

D = dt.date
VOTE = D(2017, 5, 10)


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Rows roll back without a signal: never let one test's days leak into another's."""
    CalendarDay.forget()
    yield
    CalendarDay.forget()


def voted(org, **person):
    c = lan(org, **person)
    prepare(c, org)
    step(c, K.CELL_VOTE, VOTE, full_members=12, present=11, in_favour=10)
    return c


def rules(c, **kw):
    c.refresh_from_db()
    return {x.rule: x for x in services.findings_for(c, list(c.events.all()), **kw)[1]}


# ----- item 2: late decisions are warnings, late ceremonies need the superior ------------
def test_a_late_decision_is_recorded_with_a_warning_and_the_ceremony_follows(org):
    c = voted(org)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), committee_members=9, in_favour=8)
    late = add_working_days(VOTE, 65)
    step(c, K.DECISION, late, document_number="456-QĐ/TU")
    step(c, K.CEREMONY, late + dt.timedelta(days=5))
    c.refresh_from_db()
    assert c.stage == Stage.PROBATION
    finding = rules(c)["deadline.decision"]
    assert finding.severity == "warning" and "chậm 5 ngày làm việc" in finding.message
    assert "Vũ Thị Lan" in finding.message and "trách nhiệm" in finding.message


def test_the_ceremony_counts_from_receipt_and_a_late_one_waits_for_the_superior(org):
    c = voted(org)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), committee_members=9, in_favour=8)
    received = D(2017, 7, 14)
    step(c, K.DECISION, D(2017, 7, 3), received_on=received, document_number="456-QĐ/TU")
    with pytest.raises(Blocked) as err:
        step(c, K.CEREMONY, add_working_days(received, 31))
    assert [x.rule for x in err.value.findings] == ["deadline.ceremony"]
    assert "14/07/2017" in str(err.value) and "cấp ủy cấp trên" in str(err.value)
    # 30 working days from receipt, though more than 30 from the signature: on time.
    on_time = add_working_days(received, 30)
    assert on_time > add_working_days(D(2017, 7, 3), 30)
    step(c, K.CEREMONY, on_time)
    c.refresh_from_db()
    assert c.stage == Stage.PROBATION and "deadline.ceremony" not in rules(c)


def test_a_late_confirmation_review_does_not_block_the_confirmation(org):
    c = voted(org)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), committee_members=9, in_favour=8)
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    step(c, K.CEREMONY, D(2017, 7, 20))
    late = add_working_days(D(2018, 7, 20), 40)
    step(c, K.CONFIRMATION_CELL_VOTE, late, full_members=12, in_favour=11)
    step(c, K.CONFIRMATION_DECISION, late + dt.timedelta(days=10))
    c.refresh_from_db()
    assert c.stage == Stage.CONFIRMED
    assert c.membership.confirmed_on == D(2018, 7, 20)
    assert rules(c)["deadline.confirmation"].severity == "warning"


# ----- item 3: the grassroots committee's vote ------------------------------------------
def test_grassroots_vote_counts_committee_members_and_failed_votes_are_recorded(org):
    c = voted(org)
    with pytest.raises(TransitionError, match="cấp ủy viên"):
        step(c, K.GRASSROOTS_VOTE, D(2017, 5, 20), committee_members=5, in_favour=6)
    with pytest.raises(TransitionError, match="không được âm"):
        step(c, K.GRASSROOTS_VOTE, D(2017, 5, 20), committee_members=-5, in_favour=-6)
    # 5 of 9 committee members: short of 2/3; the resolution is a fact and is recorded.
    for n, day in enumerate((D(2017, 5, 20), D(2017, 5, 27)), 1):
        step(c, K.GRASSROOTS_VOTE, day, committee_members=9, in_favour=5)
        c.refresh_from_db()
        assert c.stage == Stage.CELL_VOTED
        assert c.events.filter(kind=K.GRASSROOTS_VOTE).count() == n
        finding = rules(c)["vote.grassroots"]
        assert finding.severity == "blocking" and "5/9 cấp ủy viên" in finding.message
    with pytest.raises(TransitionError):  # no decision after a failed vote
        step(c, K.DECISION, D(2017, 6, 1))
    with pytest.raises(TransitionError, match="27/05/2017"):  # attempts in date order
        step(c, K.GRASSROOTS_VOTE, D(2017, 5, 22), committee_members=9, in_favour=6)
    step(c, K.GRASSROOTS_VOTE, D(2017, 6, 3), committee_members=9, in_favour=4)
    found = rules(c)
    assert "vote.grassroots" not in found
    assert "cấp ủy cấp trên" in found["vote.grassroots_referred"].message
    # The superior committee then decides itself.
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    c.refresh_from_db()
    assert c.stage == Stage.DECIDED


def test_a_passing_grassroots_vote_after_a_failed_one_moves_on(org):
    c = voted(org)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 20), committee_members=9, in_favour=5)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 27), committee_members=9, in_favour=6)
    c.refresh_from_db()
    assert c.stage == Stage.GRASSROOTS_VOTED and "vote.grassroots" not in rules(c)


def test_a_count_sent_as_full_members_for_a_grassroots_vote_is_the_committee_s(org):
    c = voted(org)
    event = step(c, K.GRASSROOTS_VOTE, D(2017, 5, 20), full_members=9, in_favour=6)
    assert (event.committee_members, event.full_members) == (9, None)


def test_the_api_step_input_takes_the_committee_size(client, personas, org):
    c = voted(org)
    c.refresh_from_db()
    client.force_login(personas.secretary_a)
    response = client.post(
        f"/api/candidates/{c.pk}/events",
        json.dumps(
            {
                "kind": "GRASSROOTS_VOTE",
                "date": "2017-05-20",
                "committee_members": 9,
                "in_favour": 6,
                "version": c.version,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["committee_members"] == 9
    c.refresh_from_db()
    assert c.stage == Stage.GRASSROOTS_VOTED


def test_the_youth_union_resolution_prints_its_committee_s_count(org):
    from dangvien.admission import documents

    from .test_documents import text_of

    c = lan(org)
    step(c, K.YOUTH_UNION_RESOLUTION, D(2017, 4, 1), committee_members=7, in_favour=6)
    four = text_of(documents.form_docx(c, "4-KNĐ"))
    assert "Tổng số ủy viên Ban Chấp hành Đoàn: 7" in four
    assert "Số đồng ý: 6 (85,7% so với tổng số)" in four


# ----- item 4: readmission through the pipeline -----------------------------------------
def former_member(org, left, reason, name="Đinh Văn Hậu"):
    p = f.person(name, D(1980, 2, 2), youth_union_member=True, residence=org.tdp_a1)
    f.member(p, org.cell_a1, ceremony=D(2005, 3, 1), exit_on=left, exit_reason=reason)
    return p


def list_again(org, p):
    return services.list_candidate(
        p, org.cell_a1, listed_on=D(2016, 6, 1), tags=[], helper=org.an, by=None, today=LATER
    )


def test_a_former_member_listed_again_meets_the_readmission_rules(org):
    p = former_member(org, D(2015, 3, 1), ExitReason.TRANSFER_OUT)
    c = list_again(org, p)
    prepare(c, org)
    with pytest.raises(Blocked) as err:
        step(c, K.CELL_VOTE, VOTE, full_members=12, in_favour=10)
    found = {x.rule: x for x in err.value.findings}
    assert "Đinh Văn Hậu ra khỏi Đảng ngày 01/03/2015" in found["readmission.gap"].message
    assert "mới 26 tháng, cần ít nhất 36" in found["readmission.gap"].message
    assert "29-QĐ/TW" in found["readmission.gap"].citation
    assert rules(c)["readmission.consent"].severity == "warning"  # before the decision


@pytest.mark.parametrize(
    "reason",
    [
        ExitReason.ABANDONED,
        ExitReason.RESIGNED,
        ExitReason.DISUNITY,
        ExitReason.CORRUPTION,
        ExitReason.SERIOUS_CRIME,
    ],
)
def test_excluded_exit_reasons_are_never_readmitted(org, reason):
    c = list_again(org, former_member(org, D(2010, 1, 1), reason))
    assert rules(c, as_of=D(2017, 1, 2))["readmission.forbidden"].severity == "blocking"


def test_readmitted_once_already_and_consent_before_the_decision(org):
    p = former_member(org, D(2008, 1, 1), ExitReason.RESIGNED_HARDSHIP)
    f.member(p, org.cell_a1, ceremony=D(2011, 5, 1), exit_on=D(2012, 1, 1), exit_reason="")
    c = list_again(org, p)
    found = rules(c, as_of=D(2017, 1, 2))
    assert "readmission.forbidden" not in found  # hardship: may come back
    assert "chỉ được kết nạp lại một lần" in found["readmission.once"].message


def test_readmission_consent_blocks_the_decision_until_recorded(org):
    p = former_member(org, D(2012, 1, 1), ExitReason.RESIGNED_HARDSHIP)
    c = list_again(org, p)
    prepare(c, org)
    step(c, K.CELL_VOTE, VOTE, full_members=12, in_favour=10)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), committee_members=9, in_favour=8)
    with pytest.raises(Blocked) as err:
        step(c, K.DECISION, D(2017, 7, 3))
    assert [x.rule for x in err.value.findings] == ["readmission.consent"]
    step(
        c,
        K.EXCEPTION,
        D(2017, 6, 20),
        rule="readmission.consent",
        approved_by="BTV Tỉnh ủy",
        document_number="15-CV/TU",
    )
    step(c, K.DECISION, D(2017, 7, 3))
    c.refresh_from_db()
    assert c.stage == Stage.DECIDED


# ----- items 1 and 6: ages on listing and in alerts -------------------------------------
@pytest.mark.parametrize(
    ("birth", "says"),
    [
        (D(2001, 1, 1), "mới 15 tuổi 5 tháng"),
        (D(1956, 4, 30), "đã 60 tuổi 1 tháng"),
    ],
)
def test_listing_someone_too_young_or_too_old_warns_at_once(org, birth, says):
    c = lan(org, name="Lò Văn Tú", birth=birth)
    assert Candidate.objects.filter(pk=c.pk).exists()  # listed all the same
    [warning] = c.listing_warnings
    assert warning.severity == "warning" and says in warning.message
    assert "Lò Văn Tú" in warning.message


def test_listing_within_the_ages_gives_no_warning(org):
    assert lan(org, birth=D(1956, 5, 2)).listing_warnings == []  # 60 years 0 months
    assert lan(org, name="Lò Thị Hoa", birth=D(2000, 6, 1)).listing_warnings == []


def test_near_60_alert_counts_months(org):
    c = lan(org, name="Hà Văn Lộc", birth=D(1957, 3, 15))
    found = [a for a in deadlines.alerts(Candidate.objects.filter(pk=c.pk), D(2017, 3, 1))]
    [near] = [a for a in found if a.kind == "near_60"]
    assert near.due == D(2017, 4, 15) and "15/04/2017" in near.message
    assert not near.overdue


# ----- item 7: days an administrator recorded --------------------------------------------
def test_a_recorded_day_off_moves_the_deadlines(org):
    c = voted(org)
    events = list(Candidate.objects.get(pk=c.pk).events.all())
    before = deadlines.next_deadline(Candidate.objects.get(pk=c.pk), events).due
    assert before == add_working_days(VOTE, 60)
    CalendarDay.objects.create(date=D(2017, 6, 5), kind=CalendarDay.Kind.OFF, note="Nghỉ bù")
    after = deadlines.next_deadline(Candidate.objects.get(pk=c.pk), events).due
    assert after == add_working_days(VOTE, 60, {D(2017, 6, 5): False}) and after > before
    # The rule check honours it as well: a decision on the old due date + 1 is on time.
    found = rules(c, as_of=after)
    assert "deadline.decision" not in found
    assert "deadline.decision" in rules(c, as_of=after + dt.timedelta(days=1))


def test_a_recorded_worked_saturday_counts(org):
    CalendarDay.objects.create(date=D(2017, 6, 10), kind=CalendarDay.Kind.WORKED)
    c = voted(org)
    dl = deadlines.next_deadline(Candidate.objects.get(pk=c.pk), list(c.events.all()))
    assert dl.due == add_working_days(VOTE, 60, {D(2017, 6, 10): True})
    assert dl.due < add_working_days(VOTE, 60)


def test_calendar_days_are_audited(org):
    from dangvien.accounts.models import AuditEntry

    day = CalendarDay.objects.create(date=D(2026, 1, 2), kind=CalendarDay.Kind.OFF)
    entry = AuditEntry.objects.get(model="admission.calendarday", object_id=str(day.pk))
    assert entry.action == AuditEntry.Action.CREATE


@pytest.mark.parametrize(
    ("label", "code", "forbidden"),
    [
        ("Xóa tên do tự bỏ sinh hoạt đảng", "ABANDONED", True),
        ("Xin ra khỏi Đảng vì gia đình đặc biệt khó khăn", "RESIGNED_HARDSHIP", False),
        ("Bị kết án về tội tham nhũng", "CORRUPTION", True),
    ],
)
def test_exit_reasons_imported_by_their_vietnamese_labels_reach_the_readmission_rules(
    org, tmp_path, capsys, label, code, forbidden
):
    from django.core.management import call_command

    from dangvien.people.models import Person

    from .test_import_members import ROW, xlsx

    left = {**ROW, "Ngày ra khỏi Đảng": "01/02/2012", "Lý do ra khỏi Đảng": label}
    call_command("import", "members", xlsx(tmp_path, [left]))
    hoa = Person.objects.get(citizen_id=ROW["Số CCCD"])
    assert hoa.memberships.get().exit_reason == code
    c = services.list_candidate(
        hoa, org.cell_a1, listed_on=D(2016, 6, 1), tags=[], helper=None, by=None, today=LATER
    )
    assert ("readmission.forbidden" in rules(c, as_of=D(2017, 1, 2))) is forbidden
