"""Voiding a dossier step recorded by mistake: kept and struck through, out of every
stage, deadline and statistic; only the last live step; its membership effects undone."""

import json

import pytest
from django.utils import translation

from dangvien.accounts.models import AuditEntry, Role
from dangvien.admission import deadlines
from dangvien.admission.models import Candidate, Event, Stage
from dangvien.admission.services import TransitionError
from dangvien.admission.voiding import void_step
from dangvien.core.errors import ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.membership.models import Membership, Stint
from dangvien.records.models import ExitDecision, PartyCard, Transfer
from dangvien.reports.structure import structure

from . import factories as f
from .admission_helpers import D, K, admit, lan, prepare, step

REASON = "Ghi nhầm ngày, hồ sơ của người khác"


def members(org, day):
    return structure(org.ward_a, day).figures["members"]


def last(c, kind):
    return Event.objects.filter(candidate=c, kind=kind).last()


@pytest.fixture
def officer(personas):
    return personas.ward_a_officer


def test_voiding_the_ceremony_removes_the_member_on_every_date(org, officer):
    days = [D(2017, 7, 19), D(2017, 7, 20), D(2018, 1, 1), D(2019, 12, 31)]
    before = [members(org, d) for d in days]
    c = admit(lan(org), org)
    assert [members(org, d) for d in days] == [before[0], *(n + 1 for n in before[1:])]
    ceremony = last(c, K.CEREMONY)
    void_step(ceremony, reason=REASON, by=officer)
    c.refresh_from_db()
    assert [members(org, d) for d in days] == before
    assert c.stage == Stage.DECIDED and c.stage_since == D(2017, 7, 3)
    assert c.membership is None
    assert not Membership.objects.filter(person=c.person).exists()
    assert not Stint.objects.filter(membership__person=c.person).exists()
    # The step is kept, struck out of the live steps, with who, when and why.
    kept = Event.all_objects.get(pk=ceremony.pk)
    assert kept.voided_by == officer and kept.void_reason == REASON and kept.voided_at
    assert not c.events.filter(pk=ceremony.pk).exists()
    assert (
        Event.objects.filter(candidate=c).count() + 1
        == Event.all_objects.filter(candidate=c).count()
    )
    # The deadline runs again against the decision: the ceremony is due.
    with translation.override("en"):
        dl = deadlines.next_deadline(c, list(c.events.all()))
    assert dl is not None and dl.label == "Admission ceremony due"
    assert dl.due > D(2017, 7, 3)
    # In the audit: the event's update with the reason, the membership's deletion.
    audit = AuditEntry.objects.filter(person_id=c.person_id)
    entry = audit.filter(object_id=str(ceremony.pk), action=AuditEntry.Action.UPDATE).first()
    assert entry is not None and entry.after["void_reason"] == REASON
    assert audit.filter(action=AuditEntry.Action.DELETE).count() >= 2
    # The ceremony can then be recorded again, on the right date.
    step(c, K.CEREMONY, D(2017, 7, 25))
    c.refresh_from_db()
    assert c.membership.ceremony_on == D(2017, 7, 25)
    assert members(org, D(2017, 7, 20)) == before[1]
    assert members(org, D(2017, 7, 25)) == before[1] + 1


def test_the_stage_and_deadline_after_voiding_the_decision(org, officer):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, present=11, in_favour=10)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), full_members=9, in_favour=8)
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    c.refresh_from_db()
    assert c.stage == Stage.DECIDED
    assert deadlines.next_deadline(c, list(c.events.all())).due > D(2017, 7, 3)
    void_step(last(c, K.DECISION), reason=REASON, by=officer)
    c.refresh_from_db()
    assert (c.stage, c.stage_since) == (Stage.GRASSROOTS_VOTED, D(2017, 5, 25))
    dl = deadlines.next_deadline(c, list(c.events.all()))
    # 60 working days from the cell vote (10/05/2017), as before the decision.
    assert D(2017, 7, 31) <= dl.due <= D(2017, 8, 10)
    # The alerts read the live steps only: the decision is overdue on 01/09/2017.
    kinds = {a.kind for a in deadlines.alerts(Candidate.objects.filter(pk=c.pk), D(2017, 9, 1))}
    assert kinds
    # Voiding the grassroots vote too: back to the cell vote.
    void_step(last(c, K.GRASSROOTS_VOTE), reason=REASON, by=officer)
    c.refresh_from_db()
    assert (c.stage, c.stage_since) == (Stage.CELL_VOTED, D(2017, 5, 10))


def test_a_step_with_later_steps_is_refused_naming_them(org, officer):
    c = admit(lan(org), org)
    c.refresh_from_db()
    version, stage = c.version, c.stage
    decision = last(c, K.DECISION)
    with pytest.raises(TransitionError) as err:
        void_step(decision, reason=REASON, by=officer)
    assert str(K.CEREMONY.label) in str(err.value) and "20/07/2017" in str(err.value)
    with pytest.raises(TransitionError) as err:
        void_step(last(c, K.CELL_VOTE), reason=REASON, by=officer)
    message = str(err.value)
    assert str(K.DECISION.label) in message and str(K.CEREMONY.label) in message
    decision.refresh_from_db()
    c.refresh_from_db()
    assert decision.voided_at is None and (c.version, c.stage) == (version, stage)
    assert Membership.objects.filter(person=c.person).exists()


def test_the_reason_is_required_and_nothing_is_written(org, officer):
    c = admit(lan(org), org)
    ceremony = last(c, K.CEREMONY)
    for reason in ("", "   "):
        with translation.override("vi"), pytest.raises(InvalidField) as err:
            void_step(ceremony, reason=reason, by=officer)
        assert err.value.field == "reason" and "lý do" in str(err.value).lower()
    with pytest.raises(InvalidField):
        void_step(ceremony, reason="x" * 1001, by=officer)
    ceremony.refresh_from_db()
    assert ceremony.voided_at is None
    assert Membership.objects.filter(person=c.person).exists()


def test_out_of_scope_and_read_only_users_are_refused(org, personas):
    c = admit(lan(org), org)
    ceremony = last(c, K.CEREMONY)
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    for user in (personas.ward_b_officer, leader):
        with pytest.raises(NotAllowed):
            void_step(ceremony, reason=REASON, by=user)
    ceremony.refresh_from_db()
    assert ceremony.voided_at is None
    # The cell's secretary may.
    void_step(ceremony, reason=REASON, by=personas.secretary_a)


def test_a_version_read_before_a_change_is_refused(org, officer):
    c = admit(lan(org), org)
    c.refresh_from_db()
    with pytest.raises(ChangedMeanwhile):
        void_step(last(c, K.CEREMONY), reason=REASON, by=officer, version=c.version - 1)
    void_step(last(c, K.CEREMONY), reason=REASON, by=officer, version=c.version)


def test_voided_twice_and_the_listing_are_refused(org, officer):
    c = lan(org)  # listed, with a helper assigned the same day
    helper_step = last(c, K.HELPER_ASSIGNED)
    void_step(helper_step, reason=REASON, by=officer)
    c.refresh_from_db()
    assert c.helper is None and c.stage == Stage.LISTED
    with pytest.raises(TransitionError):
        void_step(helper_step, reason=REASON, by=officer)
    with pytest.raises(TransitionError):
        void_step(last(c, K.LISTED), reason=REASON, by=officer)


def test_the_ceremony_is_kept_when_records_hang_on_the_membership(org, officer):
    c = admit(lan(org), org)
    c.refresh_from_db()
    transfer = Transfer.objects.create(
        membership=c.membership,
        kind=Transfer.Kind.choices[0][0],
        from_unit=org.cell_a1,
        to_unit=org.cell_a2,
        issued_on=D(2017, 9, 1),
    )
    with pytest.raises(TransitionError) as err:
        void_step(last(c, K.CEREMONY), reason=REASON, by=officer)
    assert c.person.full_name in str(err.value)
    transfer.delete()
    void_step(last(c, K.CEREMONY), reason=REASON, by=officer)
    assert not Membership.objects.filter(person=c.person).exists()


def full_member(org):
    c = admit(lan(org), org)
    step(c, K.SELF_REVIEW, D(2018, 7, 21))
    step(c, K.CONFIRMATION_CELL_VOTE, D(2018, 7, 30), full_members=12, in_favour=11)
    step(c, K.CONFIRMATION_DECISION, D(2018, 8, 20), document_number="789-QĐ/TU")
    return c


def test_voiding_the_confirmation_and_the_card(org, officer):
    c = full_member(org)
    official = structure(org.ward_a, D(2018, 9, 1)).figures["official"]
    step(c, K.CARD_ISSUED, D(2018, 9, 5), card_number="41000001")
    assert PartyCard.objects.filter(membership_id=c.membership_id, number="41000001").exists()
    # The confirmation cannot go while the card stands.
    with pytest.raises(TransitionError):
        void_step(last(c, K.CONFIRMATION_DECISION), reason=REASON, by=officer)
    void_step(last(c, K.CARD_ISSUED), reason=REASON, by=officer)
    m = Membership.objects.get(person=c.person)
    c.refresh_from_db()
    assert m.card_number == "" and not PartyCard.objects.filter(number="41000001").exists()
    assert c.stage == Stage.CONFIRMED
    void_step(last(c, K.CONFIRMATION_DECISION), reason=REASON, by=officer)
    m.refresh_from_db()
    c.refresh_from_db()
    assert m.confirmed_on is None and c.stage == Stage.PROBATION
    assert structure(org.ward_a, D(2018, 9, 1)).figures["official"] == official - 1


def test_voiding_a_striking_off_reopens_the_membership(org, officer):
    c = admit(lan(org), org)
    before = members(org, D(2018, 9, 1))
    step(c, K.STRUCK_OFF, D(2018, 8, 1))
    m = Membership.objects.get(person=c.person)
    ExitDecision.objects.create(membership=m, on=D(2018, 8, 1), reason="STRUCK_OFF")
    assert members(org, D(2018, 9, 1)) == before - 1
    void_step(last(c, K.STRUCK_OFF), reason=REASON, by=officer)
    m.refresh_from_db()
    c.refresh_from_db()
    assert m.exit_on is None and not m.exit_reason and not ExitDecision.objects.exists()
    assert c.stage == Stage.PROBATION and not c.is_closed
    assert m.stints.get().end_on is None
    assert members(org, D(2018, 9, 1)) == before
    assert members(org, D(2019, 12, 31)) == before


# ----- page and API ---------------------------------------------------------------------
def test_the_page_offers_voiding_on_the_last_step_and_strikes_it_through(client, org, officer):
    c = admit(lan(org), org)
    client.force_login(officer)
    page = client.get(f"/candidates/{c.pk}/").content.decode()
    assert page.count("Hủy bước này") == 1
    ceremony = last(c, K.CEREMONY)
    assert f'/candidates/{c.pk}/events/{ceremony.pk}/void/"' in page
    # Without a reason: told so, nothing voided.
    r = client.post(f"/candidates/{c.pk}/events/{ceremony.pk}/void/", {"reason": ""})
    assert r.status_code == 302
    page = client.get(f"/candidates/{c.pk}/").content.decode()
    assert "Chưa hủy" in page and "lý do" in page
    ceremony.refresh_from_db()
    assert ceremony.voided_at is None
    c.refresh_from_db()
    r = client.post(
        f"/candidates/{c.pk}/events/{ceremony.pk}/void/",
        {"reason": REASON, "version": c.version},
    )
    assert r.status_code == 302
    page = client.get(f"/candidates/{c.pk}/").content.decode()
    assert "Đã hủy" in page and REASON in page and "<del>" in page
    assert "Hủy bước này" in page  # now on the decision
    # A step not the last one: refused with the later steps named.
    vote = last(c, K.CELL_VOTE)
    client.post(f"/candidates/{c.pk}/events/{vote.pk}/void/", {"reason": REASON})
    vote.refresh_from_db()
    assert vote.voided_at is None


def test_the_api_voids_and_refuses_like_the_page(client, org, personas):
    c = admit(lan(org), org)
    ceremony, decision = last(c, K.CEREMONY), last(c, K.DECISION)
    client.force_login(personas.ward_a_officer)
    url = f"/api/candidates/{c.pk}/events/{{}}/void"
    r = client.post(url.format(decision.pk), json.dumps({"reason": REASON}), "application/json")
    assert r.status_code == 400 and "20/07/2017" in r.json()["error"]
    r = client.post(url.format(ceremony.pk), json.dumps({"reason": ""}), "application/json")
    assert r.status_code == 400
    r = client.post(url.format(ceremony.pk), json.dumps({"reason": REASON}), "application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["stage"] == "DECIDED" and body["void_reason"] == REASON
    detail = client.get(f"/api/candidates/{c.pk}").json()
    assert ceremony.pk not in [e["id"] for e in detail["events"]]
    # Another ward's officer: 404; the leader: 403.
    client.force_login(personas.ward_b_officer)
    r = client.post(url.format(decision.pk), json.dumps({"reason": REASON}), "application/json")
    assert r.status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    r = client.post(url.format(decision.pk), json.dumps({"reason": REASON}), "application/json")
    assert r.status_code == 403
    decision.refresh_from_db()
    assert decision.voided_at is None
