"""Transfers of party activity and temporary activity: each action on the hand-built
organisation (ward A: An in A1 since 2005, Bình in A2 since 2017; ward B: Cường in B1
since 1990), with the statistics checked before, during and after."""

import datetime as dt

import pytest
from django.utils import translation

from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.people.models import Person
from dangvien.records import transfers as tr
from dangvien.records.models import ExitDecision, TemporaryStay, Transfer
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date
TODAY = D(2024, 6, 28)


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def members(unit, day) -> int:
    return structure(unit, day).figures["members"]


def in_transit(unit, day) -> int:
    return structure(unit, day).figures["in_transit"]


def membership(person) -> Membership:
    return Membership.objects.get(person=person)


def snapshot() -> tuple:
    """Everything an action writes: refused actions leave it unchanged."""
    return (
        list(Transfer.objects.values_list()),
        list(Stint.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list()),
        list(TemporaryStay.objects.values_list()),
        list(ExitDecision.objects.values_list()),
        Person.objects.count(),
    )


ISSUED = D(2020, 3, 2)


def issue(org, personas, on=ISSUED, **kw):
    args = dict(to_unit=org.cell_b1, on=on, document_number="15-GGT/ĐU", today=TODAY)
    args.update(kw)
    by = args.pop("by", personas.ward_a_officer)
    return tr.issue_transfer(membership(org.an), by=by, **args)


# ----- within the system ---------------------------------------------------------------
def test_official_transfer_counts_in_the_sender_then_nowhere_then_the_receiver(org, personas):
    before, issued, arrived = D(2020, 3, 1), D(2020, 3, 2), D(2020, 3, 20)
    t = issue(org, personas)
    assert t.kind == Transfer.Kind.OFFICIAL and t.from_unit == org.cell_a1
    # In transit: counted in neither ward, given as in transit by the sending subtree.
    assert (members(org.ward_a, before), members(org.ward_a, issued)) == (2, 1)
    assert members(org.ward_b, issued) == 1
    assert (members(org.city, before), members(org.city, issued)) == (3, 2)
    assert (in_transit(org.city, issued), in_transit(org.ward_a, issued)) == (1, 1)
    assert (in_transit(org.ward_b, issued), in_transit(org.city, before)) == (0, 0)
    # Both sides see the member while the transfer is pending, and only they.
    for user in (personas.ward_a_officer, personas.ward_b_officer, personas.city_officer):
        assert Person.objects.visible_to(user).filter(pk=org.an.pk).exists()
    assert not Person.objects.visible_to(personas.secretary_a).filter(pk=org.cuong.pk).exists()

    tr.receive_transfer(
        t, on=arrived, document_number="08-TN", by=personas.ward_b_officer, today=TODAY
    )
    t.refresh_from_db()
    assert (t.received_on, t.received_document) == (arrived, "08-TN")
    assert (members(org.ward_b, D(2020, 3, 19)), members(org.ward_b, arrived)) == (1, 2)
    assert (members(org.city, D(2020, 3, 19)), members(org.city, arrived)) == (2, 3)
    assert (in_transit(org.city, D(2020, 3, 19)), in_transit(org.city, arrived)) == (1, 0)
    assert members(org.cell_b1, TODAY) == 2 and members(org.cell_a1, TODAY) == 0
    stints = list(membership(org.an).stints.order_by("start_on"))
    assert [(s.unit.code, s.start_on, s.end_on, s.reason_in, s.reason_out) for s in stints] == [
        ("A1", D(2005, 6, 1), issued, "ADMITTED", "TRANSFER"),
        ("B1", arrived, None, "TRANSFER", ""),
    ]
    # Arrived: the receiving ward sees An, the sending one no longer does.
    assert Person.objects.visible_to(personas.ward_b_officer).filter(pk=org.an.pk).exists()
    assert not Person.objects.visible_to(personas.ward_a_officer).filter(pk=org.an.pk).exists()


def test_a_transfer_received_the_day_it_is_issued_leaves_no_gap(org, personas):
    t = issue(org, personas)
    tr.receive_transfer(t, on=t.issued_on, by=personas.ward_b_officer, today=TODAY)
    assert members(org.city, D(2020, 3, 2)) == 3
    assert in_transit(org.city, D(2020, 3, 2)) == 0


def test_cancel_reopens_the_stint_as_if_never_issued(org, personas):
    t = issue(org, personas)
    assert members(org.ward_a, D(2020, 4, 1)) == 1
    with pytest.raises(NotAllowed):  # the receiving side does not cancel
        tr.cancel_transfer(t, reason="nhầm", by=personas.ward_b_officer, today=TODAY)
    with pytest.raises(InvalidField) as e:
        tr.cancel_transfer(t, reason="  ", by=personas.ward_a_officer, today=TODAY)
    assert e.value.field == "reason" and "Lý do hủy" in str(e.value)
    tr.cancel_transfer(
        t, reason="Đảng viên không chuyển nữa", by=personas.ward_a_officer, today=TODAY
    )
    t.refresh_from_db()
    assert t.cancelled_on == TODAY and t.cancel_reason == "Đảng viên không chuyển nữa"
    assert members(org.ward_a, D(2020, 4, 1)) == 2
    assert in_transit(org.city, D(2020, 4, 1)) == 0
    assert membership(org.an).stints.get().end_on is None
    # Cancelled: it can no longer be received, and the member is out of ward B's sight.
    with pytest.raises(ChangedMeanwhile) as e:
        tr.receive_transfer(t, on=D(2020, 4, 1), by=personas.ward_b_officer, today=TODAY)
    assert "đã hủy" in str(e.value)
    assert not Person.objects.visible_to(personas.ward_b_officer).filter(pk=org.an.pk).exists()


def test_scope_each_side_acts_only_in_its_own_units(org, personas):
    before = snapshot()
    with pytest.raises(NotAllowed) as e:  # ward B cannot send ward A's member away
        issue(org, personas, by=personas.ward_b_officer)
    assert "Chi bộ Tổ dân phố 1" in str(e.value)
    with pytest.raises(NotAllowed):  # a leader only reads
        from dangvien.accounts.models import Role

        issue(org, personas, by=f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert snapshot() == before
    t = issue(org, personas)
    during = snapshot()
    with pytest.raises(NotAllowed):  # ward A cannot receive in ward B's cell
        tr.receive_transfer(t, on=D(2020, 3, 5), by=personas.ward_a_officer, today=TODAY)
    with pytest.raises(NotAllowed):  # nor can a cell secretary of ward A
        tr.receive_transfer(t, on=D(2020, 3, 5), by=personas.secretary_a, today=TODAY)
    assert snapshot() == during
    # The organisation board of the city acts on both sides.
    tr.receive_transfer(t, on=D(2020, 3, 5), by=personas.city_officer, today=TODAY)


@pytest.mark.parametrize(
    "change, field, says",
    [
        (dict(on=D(2004, 1, 1)), "on", "không phải là đảng viên ngày 01/01/2004"),
        (dict(on=D(2024, 6, 29)), "on", "29/06/2024 là ngày trong tương lai"),
        (dict(on=None), "on", "nhập ngày"),
        (dict(to_unit="WARDB"), "to_unit", "không phải là chi bộ"),
        (dict(to_unit="A1"), "to_unit", "đã ở Chi bộ Tổ dân phố 1"),
        (dict(to_unit="CLOSED"), "to_unit", "không tồn tại vào ngày 02/03/2020"),
        (dict(to_unit=None), "to_unit", "Chọn đơn vị"),
        (dict(document_number="x" * 61), "document_number", "tối đa 60 ký tự"),
    ],
)
def test_bad_issues_are_refused_in_vietnamese_and_write_nothing(org, personas, change, field, says):
    f.unit("CLOSED", "Chi bộ đã giải thể", f.OrgUnit.Kind.CELL, org.ward_b, valid_to=D(2019, 1, 1))
    units = {u.code: u for u in f.OrgUnit.objects.all()}
    if isinstance(change.get("to_unit"), str):
        change["to_unit"] = units[change["to_unit"]]
    before = snapshot()
    with pytest.raises(InvalidField) as e:
        issue(org, personas, **change)
    assert e.value.field == field
    assert says in str(e.value), str(e.value)
    assert snapshot() == before


def test_bad_receipts_and_a_second_transfer_are_refused(org, personas):
    t = issue(org, personas)
    before = snapshot()
    with pytest.raises(InvalidField) as e:  # already in transit
        issue(org, personas, on=D(2020, 3, 3))
    assert "đang chuyển đến Chi bộ Tổ dân phố 1 (B)" in str(e.value)
    receive = tr.receive_transfer
    with pytest.raises(InvalidField) as e:
        receive(t, on=D(2020, 3, 1), by=personas.ward_b_officer, today=TODAY)
    assert e.value.field == "on" and "trước ngày giới thiệu chuyển đi (02/03/2020)" in str(e.value)
    with pytest.raises(InvalidField) as e:
        receive(t, on=D(2024, 7, 1), by=personas.ward_b_officer, today=TODAY)
    assert "trong tương lai" in str(e.value)
    assert snapshot() == before
    receive(t, on=D(2020, 3, 9), by=personas.ward_b_officer, today=TODAY)
    with pytest.raises(ChangedMeanwhile) as e:  # received twice (a stale page)
        receive(t, on=D(2020, 3, 9), by=personas.ward_b_officer, today=TODAY)
    assert "đã được tiếp nhận ngày 09/03/2020" in str(e.value)


def test_a_member_transferred_the_day_they_arrived_is_refused(org, personas):
    with pytest.raises(InvalidField) as e:
        issue(org, personas, on=D(2005, 6, 1))
    assert "phải sau ngày 01/06/2005" in str(e.value)


# ----- out of and into the system -----------------------------------------------------
def test_transfer_out_ends_the_membership_here(org, personas):
    out = D(2021, 5, 10)
    t = tr.transfer_out(
        membership(org.an),
        on=out,
        outside_body="Đảng bộ tỉnh Kon Tum",
        document_number="20-GGT/BTC",
        by=personas.ward_a_officer,
        today=TODAY,
    )
    assert (t.kind, t.from_unit, t.outside_body) == ("OUT", org.cell_a1, "Đảng bộ tỉnh Kon Tum")
    m = membership(org.an)
    assert (m.exit_on, m.exit_reason) == (out, ExitReason.TRANSFER_OUT)
    decision = ExitDecision.objects.get(membership=m)
    assert (decision.on, decision.reason, decision.document_number) == (
        out,
        ExitReason.TRANSFER_OUT,
        "20-GGT/BTC",
    )
    assert (members(org.ward_a, D(2021, 5, 9)), members(org.ward_a, out)) == (2, 1)
    assert members(org.city, out) == 2 and in_transit(org.city, out) == 0
    # The sending ward still finds the person (their last unit), the other ward does not.
    assert Person.objects.visible_to(personas.ward_a_officer).filter(pk=org.an.pk).exists()
    assert not Person.objects.visible_to(personas.ward_b_officer).filter(pk=org.an.pk).exists()
    with pytest.raises(InvalidField):  # no longer a member here
        tr.transfer_out(m, on=D(2021, 6, 1), outside_body="X", by=personas.ward_a_officer)

    # Back from Kon Tum two years later into ward B: the same membership runs on.
    back = D(2023, 5, 15)
    t = tr.transfer_in(
        {"citizen_id": "064080123456"},
        to_unit=org.cell_b1,
        on=back,
        outside_body="Đảng bộ tỉnh Kon Tum",
        document_number="31-GGT/BTC",
        by=personas.ward_b_officer,
        today=TODAY,
    )
    m.refresh_from_db()
    assert (m.exit_on, m.exit_reason, m.ceremony_on) == (None, "", D(2005, 6, 1))
    assert Membership.objects.filter(person=org.an).count() == 1
    decision.refresh_from_db()
    assert decision.reversed_on == back and "Kon Tum" in decision.reversal_reason
    assert (members(org.ward_b, D(2023, 5, 14)), members(org.ward_b, back)) == (1, 2)
    assert members(org.city, D(2022, 1, 1)) == 2  # away: counted nowhere here


def test_transfer_out_refusals(org, personas):
    before = snapshot()
    with pytest.raises(InvalidField) as e:
        tr.transfer_out(
            membership(org.an),
            on=D(2021, 5, 10),
            outside_body=" ",
            by=personas.ward_a_officer,
            today=TODAY,
        )
    assert e.value.field == "outside_body" and "bắt buộc" in str(e.value)
    with pytest.raises(NotAllowed):
        tr.transfer_out(
            membership(org.an),
            on=D(2021, 5, 10),
            outside_body="Tỉnh ủy Kon Tum",
            by=personas.ward_b_officer,
            today=TODAY,
        )
    issue(org, personas)
    in_transit_state = snapshot()
    with pytest.raises(InvalidField) as e:  # in transit: cancel first
        tr.transfer_out(
            membership(org.an),
            on=D(2021, 5, 10),
            outside_body="Tỉnh ủy Kon Tum",
            by=personas.ward_a_officer,
            today=TODAY,
        )
    assert "đang chuyển đến" in str(e.value)
    assert snapshot() == in_transit_state
    assert before != in_transit_state


NEW = {
    "full_name": "Đinh Văn Đến",
    "birth_date": D(1988, 4, 12),
    "sex": "M",
    "citizen_id": "064088001234",
    "ethnicity": "01",
    "religion": "00",
    "general_education": "UPPER_SECONDARY",
}


def transfer_in(org, personas, person=None, **kw):
    args = dict(
        to_unit=org.cell_b1,
        on=D(2022, 1, 10),
        outside_body="Đảng bộ huyện Đăk Hà, tỉnh Kon Tum",
        document_number="45-GGT/HU",
        decision_on=D(2012, 8, 20),
        ceremony_on=D(2012, 9, 2),
        confirmed_on=D(2013, 9, 2),
        by=personas.ward_b_officer,
        today=TODAY,
    )
    args.update(kw)
    return tr.transfer_in(dict(NEW) if person is None else person, **args)


def test_transfer_in_from_outside_creates_the_member_with_the_documents_dates(org, personas):
    t = transfer_in(org, personas)
    p = Person.objects.get(citizen_id="064088001234")
    m = membership(p)
    assert (m.decision_on, m.ceremony_on, m.confirmed_on) == (
        D(2012, 8, 20),
        D(2012, 9, 2),
        D(2013, 9, 2),
    )
    assert (t.kind, t.to_unit, t.received_on) == ("IN", org.cell_b1, D(2022, 1, 10))
    stint = m.stints.get()
    assert (stint.unit, stint.start_on, stint.reason_in) == (
        org.cell_b1,
        D(2022, 1, 10),
        "TRANSFER_IN",
    )
    assert (members(org.ward_b, D(2022, 1, 9)), members(org.ward_b, D(2022, 1, 10))) == (1, 2)
    assert structure(org.ward_b, D(2022, 1, 10)).figures["official"] == 2
    assert Person.objects.visible_to(personas.ward_b_officer).filter(pk=p.pk).exists()


@pytest.mark.parametrize(
    "change, field, says",
    [
        (
            dict(person={"citizen_id": "064080123456"}),
            "citizen_id",
            "đã là đảng viên trong hệ thống",
        ),
        (dict(ceremony_on=D(2012, 8, 1)), "ceremony_on", "trước ngày quyết định (20/08/2012)"),
        (dict(on=D(2012, 8, 25)), "on", "trước lễ kết nạp (02/09/2012)"),
        (dict(confirmed_on=D(2012, 9, 2)), "confirmed_on", "không sau lễ kết nạp"),
        (
            dict(decision_on=D(2005, 1, 1), ceremony_on=D(2005, 2, 1)),
            "decision_on",
            "chưa đủ 18 tuổi",
        ),
        (dict(outside_body=""), "outside_body", "bắt buộc"),
        (dict(to_unit="WARDB"), "to_unit", "không phải là chi bộ"),
        (dict(person=dict(NEW, citizen_id="064088001299", sex="F")), "citizen_id", ""),
        (dict(person=dict(NEW, full_name="")), "full_name", "họ và tên"),
    ],
)
def test_bad_transfers_in_are_refused(org, personas, change, field, says):
    units = {u.code: u for u in f.OrgUnit.objects.all()}
    if isinstance(change.get("to_unit"), str):
        change["to_unit"] = units[change["to_unit"]]
    before = snapshot()
    with pytest.raises(InvalidField) as e:
        transfer_in(org, personas, **change)
    assert e.value.field == field, str(e.value)
    assert says in str(e.value), str(e.value)
    assert snapshot() == before


def test_transfer_in_scope_and_former_members(org, personas):
    before = snapshot()
    with pytest.raises(NotAllowed):  # ward A does not receive into ward B's cell
        transfer_in(org, personas, by=personas.ward_a_officer)
    assert snapshot() == before
    gone = f.person("Mai Văn Cũ", D(1970, 1, 1), citizen_id="064070009876")
    f.member(
        gone, org.cell_a1, ceremony=D(1995, 1, 1), exit_on=D(2010, 1, 1), exit_reason="RESIGNED"
    )
    with pytest.raises(InvalidField) as e:
        transfer_in(org, personas, person={"citizen_id": "064070009876"})
    assert "kết nạp lại" in str(e.value)


# ----- temporary activity ---------------------------------------------------------------
def test_temporary_activity_counts_at_home_and_lists_at_the_host(org, personas):
    start, back = D(2021, 2, 1), D(2021, 8, 1)
    stay = tr.start_temporary(
        membership(org.binh),
        host_unit=org.cell_b1,
        start_on=start,
        end_on=back,
        document_number="03-GGT/ĐU",
        by=personas.ward_a_officer,
        today=TODAY,
    )
    day = D(2021, 3, 1)
    assert members(org.ward_a, day) == 2 and members(org.ward_b, day) == 1
    assert [s.membership.person for s in tr.temporary_members(org.cell_b1, day)] == [org.binh]
    assert not tr.temporary_members(org.cell_b1, back).exists()
    assert not tr.temporary_members(org.cell_b1, D(2021, 1, 31)).exists()
    with pytest.raises(InvalidField) as e:  # one stay at a time
        tr.start_temporary(
            membership(org.binh),
            host_body="Chi bộ Trường Chính trị tỉnh",
            start_on=D(2021, 5, 1),
            by=personas.ward_a_officer,
            today=TODAY,
        )
    assert "đang sinh hoạt tạm thời tại Chi bộ Tổ dân phố 1 (B)" in str(e.value)
    # The host ends it early (the member came home on 1 July).
    tr.end_temporary(stay, on=D(2021, 7, 1), by=personas.ward_b_officer, today=TODAY)
    stay.refresh_from_db()
    assert stay.end_on == D(2021, 7, 1)
    assert not tr.temporary_members(org.cell_b1, D(2021, 7, 1)).exists()
    with pytest.raises(ChangedMeanwhile) as e:  # ended already
        tr.end_temporary(stay, on=D(2021, 7, 5), by=personas.ward_a_officer, today=TODAY)
    assert "đã kết thúc ngày 01/07/2021" in str(e.value)
    with pytest.raises(NotAllowed):  # neither side of it
        tr.end_temporary(stay, on=D(2021, 6, 5), by=personas.secretary_a, today=TODAY)


def test_temporary_refusals(org, personas):
    m = membership(org.binh)
    before = snapshot()
    cases = [
        (dict(host_unit=org.cell_b1, host_body="Tỉnh ủy"), "host_unit", "không chọn cả hai"),
        (dict(), "host_unit", "Chọn đơn vị sinh hoạt tạm thời"),
        (dict(host_unit=org.cell_a2), "host_unit", "là đơn vị của chính đảng viên"),
        (dict(host_unit=org.ward_b), "host_unit", "không phải là chi bộ"),
        (dict(host_unit=org.cell_b1, end_on=D(2021, 1, 1)), "end_on", "phải sau ngày bắt đầu"),
        (dict(host_unit=org.cell_b1, start_on=D(2016, 1, 1)), "start_on", "không ở đơn vị nào"),
    ]
    for change, field, says in cases:
        args = dict(start_on=D(2021, 2, 1), by=personas.ward_a_officer, today=TODAY) | change
        with pytest.raises(InvalidField) as e:
            tr.start_temporary(m, **args)
        assert e.value.field == field, (change, str(e.value))
        assert says in str(e.value), (change, str(e.value))
    with pytest.raises(NotAllowed):
        tr.start_temporary(
            m,
            host_unit=org.cell_b1,
            start_on=D(2021, 2, 1),
            by=personas.ward_b_officer,
            today=TODAY,
        )
    assert snapshot() == before


# ----- alerts ---------------------------------------------------------------------------
def test_a_transfer_not_received_in_30_working_days_is_an_alert_to_both_sides(org, personas):
    t = issue(org, personas, on=D(2024, 3, 1))
    due = tr.receipt_due(t)
    assert due == D(2024, 4, 12)  # 30 working days, weekends left out
    for user in (personas.ward_a_officer, personas.ward_b_officer, personas.city_officer):
        found = tr.transfer_alerts(tr.visible_transfers(user), D(2024, 4, 15))
        assert [(a.kind, a.overdue) for a in found] == [("transfer_not_received", True)]
        assert "12/04/2024" in found[0].message
    from dangvien.accounts.models import Role

    secretary_a2 = f.user("secretary.a2", Role.Kind.CELL_SECRETARY, org.cell_a2)
    assert tr.transfer_alerts(tr.visible_transfers(secretary_a2), D(2024, 4, 15)) == []
    assert len(tr.transfer_alerts(tr.visible_transfers(personas.secretary_a), D(2024, 4, 15))) == 1
    early = tr.transfer_alerts(tr.visible_transfers(personas.ward_b_officer), D(2024, 3, 20))
    assert [a.overdue for a in early] == [False]  # due within 30 days: a warning
    tr.receive_transfer(t, on=D(2024, 4, 20), by=personas.ward_b_officer, today=TODAY)
    assert tr.transfer_alerts(tr.visible_transfers(personas.city_officer), D(2024, 4, 22)) == []


def test_action_errors_are_the_shared_kinds():
    assert issubclass(InvalidField, ActionError) and issubclass(NotAllowed, ActionError)
