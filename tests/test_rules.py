"""Rule checks as pure functions: ages around birthdays and leap days, votes at exactly
2/3, introducer tenure at 12 months ± 1 day, deadlines across Tết and weekends."""

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dangvien.core.civil import add_months, add_years
from dangvien.rules import rulesets
from dangvien.rules.calendar import add_working_days, working_days_between
from dangvien.rules.checks import check, report
from dangvien.rules.dossier import DossierError, parse

D = dt.date
iso = dt.date.isoformat


def dossier(**over):
    """A complete dossier that passes under the 2016 rules; `over` replaces top keys."""
    base = {
        "person": {
            "name": "Nguyễn Thị Mai",
            "birth_date": "1990-03-04",
            "sex": "F",
            "general_education": "12/12",
            "youth_union_member": True,
            "religion": "none",
        },
        "course": {"certificate_date": "2016-05-10"},
        "introducers": [
            {
                "kind": "member",
                "name": "Trần Văn Bảo",
                "full_member_since": "2009-01-01",
                "worked_together_since": "2015-01-01",
            },
            {
                "kind": "member",
                "name": "Lê Thị Cúc",
                "full_member_since": "2001-01-01",
                "worked_together_since": "2014-06-01",
            },
        ],
        "youth_union_exists": False,
        "verification": {"required": 4, "answered": 4},
        "cell_vote": {"date": "2017-07-03", "full_members": 12, "in_favour": 8},
        "decision": {"date": "2017-09-01"},
        "ceremony": {"date": "2017-09-20"},
    }
    base.update(over)
    return base


def rules_of(data, rule_set=None):
    return {f["rule"]: f for f in report(parse(data), rule_set)["findings"]}


def with_person(**fields):
    data = dossier()
    data["person"] = {**data["person"], **fields}
    return data


def test_the_reference_dossier_passes():
    assert report(parse(dossier())) == {"rule_set": "2016", "findings": []}


# ----- ages -----------------------------------------------------------------------------
birthdays = st.dates(min_value=D(1950, 1, 1), max_value=D(2005, 12, 31))


@given(birthdays)
def test_age_min_is_18_full_years_on_the_vote_date(born):
    vote_ok = add_years(born, 18)
    assume(not (born.month == 2 and born.day == 29))
    data = with_person(birth_date=iso(born))
    for day, blocked in ((vote_ok, False), (vote_ok - dt.timedelta(days=1), True)):
        data["cell_vote"] = {"date": iso(day), "full_members": 9, "in_favour": 9}
        data.pop("decision", None)
        data.pop("ceremony", None)
        assert ("age.min" in rules_of(data, "2016")) is blocked


def test_leap_day_birth_counts_months_and_is_18_on_28_february():
    data = with_person(birth_date="2000-02-29")
    data.pop("decision")
    data.pop("ceremony")
    data["course"] = {"certificate_date": "2017-06-01"}
    data["cell_vote"] = {"date": "2018-02-27", "full_members": 9, "in_favour": 9}
    finding = rules_of(data)["age.min"]
    assert "17 tuổi 11 tháng" in finding["message"] and finding["severity"] == "blocking"
    data["cell_vote"]["date"] = "2018-02-28"
    assert "age.min" not in rules_of(data)


@given(birthdays)
def test_age_max_is_60_years_counted_in_months(born):
    """ "Đủ 60 tuổi (tính theo tháng)": 60 years and 1 month on the vote date is over."""
    assume(born.day <= 28)
    data = with_person(birth_date=iso(born))
    data.pop("decision")
    data.pop("ceremony")
    over = add_months(born, 60 * 12 + 1)
    for day, blocked in ((over - dt.timedelta(days=1), False), (over, True)):
        data["cell_vote"] = {"date": iso(day), "full_members": 9, "in_favour": 9}
        data["course"] = {"certificate_date": iso(day - dt.timedelta(days=30))}
        data["introducers"] = []  # not what this test is about
        assert ("age.max" in rules_of(data, "2016")) is blocked


def test_age_max_names_the_person_the_months_and_the_exception_conditions():
    data = with_person(birth_date="1957-05-15")  # 60 years 1 month on 15/06/2017
    data["cell_vote"]["date"] = "2017-06-15"
    message = rules_of(data)["age.max"]["message"]
    assert "Nguyễn Thị Mai đã 60 tuổi 1 tháng vào ngày 15/06/2017" in message
    for condition in ("sức khỏe và uy tín", "chưa có tổ chức đảng", "yêu cầu đặc biệt"):
        assert condition in message
    data["cell_vote"]["date"] = "2017-06-14"  # 60 years 0 months: within the limit
    assert "age.max" not in rules_of(data)


def test_age_max_consent_must_be_dated_before_the_decision():
    data = with_person(birth_date="1955-01-01")
    data["exceptions"] = [
        {
            "rule": "age.max",
            "approved_by": "BTV Tỉnh ủy",
            "document": "9-CV/TU",
            "date": "2017-09-05",
        }
    ]
    finding = rules_of(data)["age.max"]  # the decision is dated 01/09/2017
    assert finding["severity"] == "blocking"
    assert "9-CV/TU ngày 05/09/2017" in finding["message"]
    assert "sau ngày quyết định kết nạp 01/09/2017" in finding["message"]
    data["exceptions"][0]["date"] = "2017-08-31"
    assert rules_of(data)["age.max"]["severity"] == "warning"


def test_age_max_exception_turns_the_finding_into_a_warning():
    data = with_person(birth_date="1955-01-01")
    assert rules_of(data)["age.max"]["severity"] == "blocking"
    data["exceptions"] = [
        {
            "rule": "age.max",
            "approved_by": "BTV Tỉnh ủy",
            "document": "123-CV/TU",
            "date": "2017-06-01",
        }
    ]
    finding = rules_of(data)["age.max"]
    assert finding["severity"] == "warning" and "123-CV/TU" in finding["message"]


# ----- votes ----------------------------------------------------------------------------
@given(st.integers(3, 200), st.data())
def test_cell_vote_needs_two_thirds_of_full_members(full, data):
    in_favour = data.draw(st.integers(0, full))
    d = dossier(cell_vote={"date": "2017-07-03", "full_members": full, "in_favour": in_favour})
    assert ("vote.cell" in rules_of(d)) is (3 * in_favour < 2 * full)


def test_vote_at_exactly_two_thirds_passes_and_one_less_fails():
    assert "vote.cell" not in rules_of(dossier())  # 8 of 12
    finding = rules_of(
        dossier(cell_vote={"date": "2017-07-03", "full_members": 12, "in_favour": 7})
    )["vote.cell"]
    assert "7/12" in finding["message"] and "Nguyễn Thị Mai" in finding["message"]
    assert "29-QĐ/TW" in finding["citation"]


# ----- introducers ----------------------------------------------------------------------
@given(st.dates(min_value=D(2012, 1, 1), max_value=D(2016, 12, 31)))
def test_introducer_tenure_at_twelve_months_plus_minus_a_day(since):
    exactly = add_months(since, 12)
    for day, blocked in (
        (exactly, False),
        (exactly - dt.timedelta(days=1), True),
        (exactly + dt.timedelta(days=1), False),
    ):
        d = dossier()
        d["introducers"][0] = {
            "kind": "member",
            "name": "Trần Văn Bảo",
            "full_member_since": "2005-01-01",
            "worked_together_since": iso(since),
            "introduced_on": iso(day),
        }
        findings = rules_of(d)
        assert ("introducers.tenure" in findings) is blocked
        if blocked:
            assert (
                # The dossier reaches the ceremony: she is named a probationary member.
                "Trần Văn Bảo mới cùng công tác, học tập hoặc cư trú với đảng viên dự bị "
                "Nguyễn Thị Mai 11 tháng" in (findings["introducers.tenure"]["message"])
            )


def test_introducer_must_be_a_full_member():
    d = dossier()
    d["introducers"][1]["full_member_since"] = "2017-08-01"
    assert "chưa là đảng viên chính thức" in rules_of(d)["introducers.tenure"]["message"]


def test_two_introducers_or_youth_union_resolution_plus_one():
    d = dossier(introducers=dossier()["introducers"][:1])
    assert "cần 2 đảng viên" in rules_of(d)["introducers.count"]["message"]
    d["introducers"].append({"kind": "youth_union", "resolution_date": "2017-06-01"})
    assert "introducers.count" not in rules_of(d)


def test_youth_union_age_where_a_union_exists():
    d = with_person(birth_date="1995-01-01", youth_union_member=False)
    d["youth_union_exists"] = True
    found = rules_of(d)
    assert found["youth_union.required"]["severity"] == "blocking"
    assert "nghị quyết giới thiệu" in found["introducers.count"]["message"]
    d["person"]["youth_union_member"] = True
    d["introducers"] = [
        d["introducers"][0],
        {"kind": "youth_union", "resolution_date": "2017-06-01"},
    ]
    assert not {"youth_union.required", "introducers.count"} & set(rules_of(d))


# ----- other eligibility ----------------------------------------------------------------
def test_education_minimum_and_difficult_areas():
    assert "education.min" in rules_of(with_person(general_education="8/12"))
    assert "education.min" not in rules_of(with_person(general_education="9/12"))
    assert "education.min" not in rules_of(
        with_person(general_education="6/12", difficult_area=True)
    )
    assert "education.min" not in rules_of(with_person(general_education="7/10"), "2016")
    assert (
        rules_of(with_person(general_education="7/10"), "2021")["education.min"]["severity"]
        == "warning"
    )


def test_course_certificate_expires_after_its_validity():
    d = dossier(course={"certificate_date": "2012-07-02"})
    finding = rules_of(d)["course.valid"]
    assert "02/07/2017" in finding["message"] and finding["severity"] == "blocking"
    assert "course.valid" not in rules_of(dossier(course={"certificate_date": "2012-07-03"}))
    d.pop("course")
    assert "chưa có giấy chứng nhận" in rules_of(d)["course.valid"]["message"]


def test_verification_must_be_complete():
    d = dossier(verification={"required": 4, "answered": 3})
    assert "3/4" in rules_of(d)["verification.complete"]["message"]


def test_religious_believers_and_clergy():
    found = rules_of(with_person(religion="Công giáo"))
    assert found["religion.believer"]["severity"] == "warning"
    assert "123-QĐ/TW" in found["religion.believer"]["citation"]
    d = with_person(religion="Phật giáo", clergy=True)
    d["cell_vote"]["date"] = "2019-03-01"
    d["decision"] = {"date": "2019-04-01"}
    d["ceremony"] = {"date": "2019-04-15"}
    d["course"] = {"certificate_date": "2018-05-01"}
    found = rules_of(d)
    assert found["religion.clergy"]["severity"] == "blocking"
    assert "06-QĐ/TW" in found["religion.clergy"]["citation"]


def test_readmission_rules_from_2025():
    d = dossier(
        previous_membership={"left_on": "2023-01-01", "reason": "moved"},
        cell_vote={"date": "2025-09-01", "full_members": 9, "in_favour": 9},
        course={"certificate_date": "2025-01-01"},
    )
    d.pop("decision")
    d.pop("ceremony")
    for intro in d["introducers"]:
        intro["worked_together_since"] = "2020-01-01"
    found = rules_of(d)
    assert "32 tháng" in found["readmission.gap"]["message"]
    d["previous_membership"]["reason"] = "corruption"
    assert "readmission.forbidden" in rules_of(d)


# ----- deadlines ------------------------------------------------------------------------
votes = st.dates(min_value=D(2016, 8, 1), max_value=D(2020, 12, 31))


@given(votes, st.integers(40, 90))
def test_decision_within_60_working_days(vote, gap):
    decision = add_working_days(vote, gap)
    d = dossier(
        cell_vote={"date": iso(vote), "full_members": 9, "in_favour": 9},
        decision={"date": iso(decision)},
        course={"certificate_date": iso(vote)},
    )
    d.pop("ceremony")
    assert ("deadline.decision" in rules_of(d, "2016")) is (gap > 60)
    d["decision"]["extended"] = True
    assert ("deadline.decision" in rules_of(d, "2016")) is (gap > 90)


def test_decision_deadline_across_tet_2018():
    vote = D(2018, 1, 2)
    due = add_working_days(vote, 60)
    # 60 working days from 02/01/2018 skip the Tết week 14–20/02 and every weekend.
    assert due == D(2018, 4, 3)
    assert working_days_between(vote, due) == 60
    d = dossier(
        cell_vote={"date": iso(vote), "full_members": 9, "in_favour": 9},
        decision={"date": "2018-04-04"},
        course={"certificate_date": "2017-01-01"},
    )
    d.pop("ceremony")
    assert "03/04/2018" in rules_of(d)["deadline.decision"]["message"]


@given(st.dates(min_value=D(2016, 8, 1), max_value=D(2020, 12, 31)), st.integers(1, 50))
def test_ceremony_within_30_working_days_of_receiving_the_decision(decided, gap):
    ceremony = add_working_days(decided, gap)
    vote = decided - dt.timedelta(days=20)
    d = dossier(
        cell_vote={"date": iso(vote), "full_members": 9, "in_favour": 9},
        decision={"date": iso(decided)},
        ceremony={"date": iso(ceremony)},
        course={"certificate_date": iso(vote)},
    )
    assert ("deadline.ceremony" in rules_of(d, "2016")) is (gap > 30)


def test_overdue_steps_are_reported_as_of_a_date():
    d = dossier(as_of="2017-12-29")
    d.pop("decision")
    d.pop("ceremony")
    assert "đến nay chưa có" in rules_of(d)["deadline.decision"]["message"]


def test_confirmation_after_exactly_twelve_months():
    d = dossier(
        confirmation={"cell_vote": {"date": "2018-09-19", "full_members": 12, "in_favour": 12}}
    )
    assert "probation.length" in rules_of(d)
    d["confirmation"]["cell_vote"]["date"] = "2018-09-20"
    assert "probation.length" not in rules_of(d)
    late = iso(add_working_days(D(2018, 9, 20), 31))
    d["confirmation"]["cell_vote"]["date"] = late
    assert "deadline.confirmation" in rules_of(d)


# ----- rule sets and input --------------------------------------------------------------
def test_rule_set_in_force_on_the_latest_step():
    assert rulesets.in_force_on(D(2017, 11, 30)).id == "2016"
    assert rulesets.in_force_on(D(2022, 3, 1)).id == "2021"
    assert rulesets.in_force_on(D(2025, 6, 30)).id == "2025"
    assert rulesets.in_force_on(D(2025, 7, 1)).id == "2025-07"  # 294-QĐ/TW
    assert rulesets.in_force_on(D(2000, 1, 1)).id == "2012"
    rs, _ = check(parse(dossier()))
    assert rs.id == "2016"
    rs, _ = check(parse(dossier()), "2021")
    assert rs.id == "2021"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([], "đối tượng JSON"),
        ({}, "person"),
        ({"person": {"birth_date": "04/03/1999"}}, "person.birth_date"),
        ({"person": {"birth_date": "1999-02-30"}}, "không phải là ngày hợp lệ"),
        ({"person": {"birth_date": "1999-01-01", "general_education": "twelve"}}, "12/12"),
        (dossier(cell_vote={"date": "2017-07-03", "full_members": 5, "in_favour": 6}), "in_favour"),
        (dossier(introducers=[{"kind": "friend"}]), "introducers[1].kind"),
        (dossier(exceptions=[{"rule": "age.max", "date": "2017-01-01"}]), "approved_by"),
    ],
)
def test_malformed_dossiers_are_refused_with_a_message(data, says):
    with pytest.raises(DossierError) as err:
        parse(data)
    assert says in str(err.value)


# ----- late steps: warnings with who answers for them, never a block (issue 9, item 2) --
def test_a_late_decision_is_a_warning_naming_who_is_accountable():
    vote = D(2017, 7, 3)
    late = add_working_days(vote, 61)
    d = dossier(decision={"date": iso(late)}, ceremony={"date": iso(late + dt.timedelta(days=7))})
    finding = rules_of(d)["deadline.decision"]
    assert finding["severity"] == "warning"
    assert "chậm 1 ngày làm việc" in finding["message"]
    assert "Quyết định vẫn có giá trị" in finding["message"]
    assert "cấp ủy có thẩm quyền" in finding["message"] and "trách nhiệm" in finding["message"]
    assert not [f for f in rules_of(d).values() if f["severity"] == "blocking"]


def test_a_late_confirmation_review_is_a_warning_and_membership_still_dates_from_probation():
    late = iso(add_working_days(D(2018, 9, 20), 31))
    d = dossier(confirmation={"cell_vote": {"date": late, "full_members": 12, "in_favour": 12}})
    finding = rules_of(d)["deadline.confirmation"]
    assert finding["severity"] == "warning"
    assert "chính thức từ 20/09/2018" in finding["message"] and "chi bộ" in finding["message"]


def test_the_ceremony_deadline_counts_from_the_day_the_decision_was_received():
    received = D(2017, 9, 15)
    on_time = add_working_days(received, 30)
    d = dossier(
        decision={"date": "2017-09-01", "received_on": iso(received)},
        ceremony={"date": iso(on_time)},
    )
    assert "deadline.ceremony" not in rules_of(d)  # 30 working days after receiving it
    d["decision"].pop("received_on")  # counted from the signature: late
    assert rules_of(d)["deadline.ceremony"]["severity"] == "blocking"
    d["decision"]["received_on"] = iso(received)
    d["ceremony"]["date"] = iso(add_working_days(received, 31))
    finding = rules_of(d)["deadline.ceremony"]
    assert finding["severity"] == "blocking" and "cấp ủy cấp trên" in finding["message"]
    d["exceptions"] = [
        {
            "rule": "deadline.ceremony",
            "approved_by": "BTV Thành ủy",
            "document": "77-CV/TU",
            "date": "2017-10-20",
        }
    ]
    assert rules_of(d)["deadline.ceremony"]["severity"] == "warning"


# ----- grassroots committee votes (item 3) ----------------------------------------------
def test_grassroots_vote_counts_the_committee_members_not_the_cell():
    d = dossier(grassroots_vote={"date": "2017-07-20", "committee_members": 9, "in_favour": 6})
    assert "vote.grassroots" not in rules_of(d)  # 6 of 9 committee members: two thirds
    d["grassroots_vote"]["in_favour"] = 5  # 5 of 9 is short, although 5 ≥ 2/3 of nothing
    finding = rules_of(d)["vote.grassroots"]
    assert finding["severity"] == "blocking"
    assert "5/9 cấp ủy viên" in finding["message"] and "Nguyễn Thị Mai" in finding["message"]
    assert "29-QĐ/TW" in finding["citation"]


def test_confirmation_grassroots_vote_is_checked_under_the_same_rule():
    d = dossier(
        confirmation={
            "cell_vote": {"date": "2018-09-25", "full_members": 12, "in_favour": 12},
            "grassroots_vote": {"date": "2018-10-05", "committee_members": 7, "in_favour": 4},
        }
    )
    finding = rules_of(d)["vote.grassroots"]
    assert "4/7 cấp ủy viên" in finding["message"] and "công nhận chính thức" in finding["message"]


def test_three_failed_grassroots_votes_send_the_matter_to_the_superior_committee():
    attempts = [
        {"date": f"2017-07-{day}", "committee_members": 9, "in_favour": 5}
        for day in ("10", "17", "24")
    ]
    d = dossier(grassroots_vote=attempts[:2])
    assert "vote.grassroots" in rules_of(d) and "vote.grassroots_referred" not in rules_of(d)
    d["grassroots_vote"] = attempts
    found = rules_of(d)
    assert "vote.grassroots" not in found
    finding = found["vote.grassroots_referred"]
    assert "3 lần" in finding["message"] and "cấp ủy cấp trên" in finding["message"]


@pytest.mark.parametrize(
    ("vote", "says"),
    [
        ({"date": "2017-07-20", "in_favour": 6}, "grassroots_vote.committee_members"),
        ({"date": "2017-07-20", "committee_members": 5, "in_favour": 6}, "số cấp ủy viên"),
        ({"date": "2017-07-20", "committee_members": 0, "in_favour": 0}, "lớn hơn 0"),
        ("six", "đối tượng JSON"),
    ],
)
def test_malformed_grassroots_votes_are_refused(vote, says):
    with pytest.raises(DossierError) as err:
        parse(dossier(grassroots_vote=vote))
    assert says in str(err.value)


# ----- readmission (item 4) -------------------------------------------------------------
def former(reason="transfer_out", left="2013-05-01", **more):
    d = dossier(previous_membership={"left_on": left, "reason": reason, **more})
    d["exceptions"] = [
        {
            "rule": "readmission.consent",
            "approved_by": "BTV Tỉnh ủy",
            "document": "15-CV/TU",
            "date": "2017-08-01",
        }
    ]
    return d


def test_readmission_rules_apply_from_the_2016_set():
    found = rules_of(former(left="2015-01-01"))  # 30 months before the vote of 03/07/2017
    assert found["readmission.gap"]["severity"] == "blocking"
    assert "mới 30 tháng, cần ít nhất 36" in found["readmission.gap"]["message"]
    assert "29-QĐ/TW" in found["readmission.gap"]["citation"]
    found = rules_of(former(left="2014-07-03"))  # exactly 36 months
    assert "readmission.gap" not in found
    assert found["readmission.consent"]["severity"] == "warning"  # consent recorded


def test_readmission_needs_the_provincial_consent_before_the_decision():
    d = former()
    d.pop("exceptions")
    finding = rules_of(d)["readmission.consent"]
    assert finding["severity"] == "blocking" and "Ban Thường vụ Tỉnh ủy" in finding["message"]
    d = former()
    d["exceptions"][0]["date"] = "2017-09-02"  # after the decision of 01/09/2017
    assert rules_of(d)["readmission.consent"]["severity"] == "blocking"


@pytest.mark.parametrize(
    ("reason", "excluded"),
    [
        ("abandoned", True),
        ("resigned", True),
        ("resigned_hardship", False),
        ("disunity", True),
        ("corruption", True),
        ("serious_crime", True),
        ("expelled", False),
        ("struck_off", False),
    ],
)
def test_readmission_excluded_exit_reasons(reason, excluded):
    found = rules_of(former(reason))
    assert ("readmission.forbidden" in found) is excluded
    if excluded:
        assert "không xem xét kết nạp lại" in found["readmission.forbidden"]["message"]


def test_readmission_after_a_less_serious_conviction_counts_60_months_from_expungement():
    d = former("less_serious_crime", expunged_on="2013-01-01")
    assert "mới 54 tháng, cần ít nhất 60" in rules_of(d)["readmission.gap"]["message"]
    d["previous_membership"]["expunged_on"] = "2012-07-03"
    assert "readmission.gap" not in rules_of(d)
    d["previous_membership"].pop("expunged_on")
    assert "chưa ghi ngày được xóa án tích" in rules_of(d)["readmission.gap"]["message"]


def test_readmission_only_once():
    found = rules_of(former(readmitted_before=True))
    assert "chỉ được kết nạp lại một lần" in found["readmission.once"]["message"]


# ----- rule-set documents and dates (item 5) ---------------------------------------------
def test_religious_believers_regulation_06_dates_from_28_august_2018():
    d = with_person(religion="Công giáo")
    d["ceremony"] = {"date": "2018-08-27"}
    d.pop("decision")
    d["decision"] = {"date": "2018-08-20"}
    d["cell_vote"]["date"] = "2018-07-02"
    d["course"] = {"certificate_date": "2018-01-01"}
    assert "123-QĐ/TW" in rules_of(d)["religion.believer"]["citation"]
    d["ceremony"]["date"] = "2018-08-28"
    assert rules_of(d)["religion.believer"]["citation"] == "Quy định 06-QĐ/TW ngày 28/08/2018"


def test_a_guidance_is_cited_only_from_its_own_date():
    rs = rulesets.get("2021")
    assert "01-HD/TW ngày 20/09/2016" in rs.cite("vote.cell", D(2021, 8, 15))
    assert "01-HD/TW ngày 28/09/2021" in rs.cite("vote.cell", D(2021, 9, 28))
    assert "24-QĐ/TW ngày 30/07/2021" in rs.cite("vote.cell", D(2021, 8, 15))
    rs = rulesets.get("2025")
    assert "01-HD/TW ngày 28/09/2021" in rs.cite("vote.cell", D(2025, 6, 8))
    assert "06-HD/TW ngày 09/06/2025" in rs.cite("vote.cell", D(2025, 6, 9))
    rs = rulesets.get("2025-07")
    assert rs.cite("readmission.gap") == (
        "Quy định 294-QĐ/TW ngày 26/05/2025 (hiệu lực từ 01/07/2025)"
    )
    assert "06-HD/TW ngày 09/06/2025" in rs.cite("vote.cell")
    # A user checking an older dossier against the 2025 set sees that set's documents.
    assert "232-QĐ/TW" in rulesets.get("2025").cite("vote.cell", D(2017, 1, 1))
