"""The pipeline pages as the fixed personas use them."""

import datetime as dt
import json

from django.core.management import call_command
from django.urls import reverse

from dangvien.accounts.models import Role
from dangvien.admission.models import Candidate, Event, Stage
from dangvien.people.models import Person

from . import factories as f
from .admission_helpers import K, admit, introduce, lan, prepare, step

D = dt.date

NEW = {
    "cell": "A1",
    "listed_on": "01/06/2016",
    "full_name": "Đỗ Thị Hạnh",
    "birth_date": "12/03/1996",
    "sex": "F",
    "citizen_id": "064196000123",
    "ethnicity": "01",
    "religion": "00",
    "general_education": "UPPER_SECONDARY",
    "professional": "UNIVERSITY",
    "occupation": "OTHER",
    "residence": "WA-TDP1",
    "youth_union_member": "on",
    "tags": ["WOMAN", "YOUTH_UNION"],
    "youth_union_exists": "on",
}


def test_ward_officer_adds_a_candidate(client, personas, org):
    client.force_login(personas.ward_a_officer)
    assert client.get(reverse("candidate_new")).status_code == 200
    response = client.post(reverse("candidate_new"), {**NEW, "helper": org.an.pk})
    c = Candidate.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/candidates/{c.pk}/"
    assert c.person.citizen_id == "064196000123" and c.helper == org.an
    assert sorted(t.tag for t in c.tags.all()) == ["WOMAN", "YOUTH_UNION"]
    assert [e.kind for e in c.events.all()] == [Event.Kind.LISTED, Event.Kind.HELPER_ASSIGNED]


def test_cell_and_residence_are_picked_by_their_labels(client, personas, org):
    """The pickers send the label the list offered; the form resolves it."""
    client.force_login(personas.ward_a_officer)
    data = {
        **NEW,
        "cell": "Chi bộ Tổ dân phố 1 – Đảng bộ phường A",
        "residence": "tổ dân phố 1, phường a",  # typed, accents and case aside
        "helper": org.an.pk,
    }
    assert client.post(reverse("candidate_new"), data).status_code == 302
    c = Candidate.objects.get()
    assert (c.cell, c.person.residence) == (org.cell_a1, org.tdp_a1)
    # A link naming the cell by code shows it by its label, with its helpers offered.
    page = client.get(reverse("candidate_new") + "?cell=A1").content.decode()
    assert 'value="Chi bộ Tổ dân phố 1 – Đảng bộ phường A"' in page
    assert f'<option value="{org.an.pk}">' in page


def test_bad_input_on_the_candidate_form_changes_nothing(client, personas, org):
    client.force_login(personas.ward_a_officer)
    people = Person.objects.count()
    body = client.post(
        reverse("candidate_new"), {**NEW, "citizen_id": "064096000123"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    assert "chữ số thứ 4" in body
    body = client.post(reverse("candidate_new"), {**NEW, "cell": "B1"}).content.decode()
    assert "field-error" in body  # B1 is not a cell this officer may list in
    assert "Không có đơn vị nào trong phạm vi của bạn tên “B1”" in body
    wrong = {**NEW, "residence": "Tổ dân phố 1, Phường B"}  # ward B's: outside the scope
    body = client.post(reverse("candidate_new"), wrong).content.decode()
    assert "Không có địa bàn nào trong phạm vi của bạn tên “Tổ dân phố 1, Phường B”" in body
    body = client.post(
        reverse("candidate_new"), {**NEW, "birth_date": "31/02/1996"}
    ).content.decode()
    assert "field-error" in body
    assert Person.objects.count() == people and not Candidate.objects.exists()


def test_duplicate_citizen_id_of_someone_else_is_refused_without_naming_them(client, personas, org):
    client.force_login(personas.ward_b_officer)
    data = {
        **NEW,
        "cell": "B1",
        "residence": "WB-TDP1",
        "citizen_id": "064080123456",
        "birth_date": "01/05/1980",
        "sex": "M",
        "full_name": "Người Khác",
    }
    body = client.post(reverse("candidate_new"), data).content.decode()
    # An is in ward A, outside this officer's scope: neither named nor said to be another
    # person (issue 10; tests/test_person_scope.py has the whole rule).
    assert "không thể đưa vào danh sách ở đây" in body
    assert "đã được ghi cho một người khác" not in body
    assert "Nguyễn Văn An" not in body
    assert not Candidate.objects.exists()


def test_dossier_scope_and_rights(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_b_officer)
    assert client.get(reverse("candidate_detail", args=[c.pk])).status_code == 404
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    client.force_login(leader)
    assert client.get(reverse("candidate_detail", args=[c.pk])).status_code == 200
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {"kind": "APPLICATION", "date": "05/01/2017", "version": c.version},
    )
    assert response.status_code == 403
    assert not c.events.filter(kind=K.APPLICATION).exists()


def test_cell_secretary_records_steps_and_sees_blocking_findings(client, personas, org):
    c = lan(org)
    prepare(c, org)
    c.refresh_from_db()
    client.force_login(personas.secretary_a)
    url = reverse("candidate_detail", args=[c.pk])
    response = client.post(
        url,
        {
            "kind": "CELL_VOTE",
            "date": "10/05/2017",
            "full_members": 12,
            "in_favour": 7,
            "version": c.version,
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="blocked"' in body
    assert "7/12" in body and "29-QĐ/TW" in body
    response = client.post(
        url,
        {
            "kind": "CELL_VOTE",
            "date": "10/05/2017",
            "full_members": 12,
            "in_favour": 9,
            "version": c.version,
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.stage == Stage.CELL_VOTED
    # A second tab still holding the old version is told someone else changed it.
    body = client.post(
        url,
        {
            "kind": "GRASSROOTS_VOTE",
            "date": "25/05/2017",
            "committee_members": 9,
            "in_favour": 9,
            "version": c.version - 1,
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert "vừa được người khác thay đổi" in body


def test_list_board_and_alerts_pages(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    client.force_login(personas.city_officer)
    response = client.get(reverse("candidate_list"))
    assert response.context["with_list"] == 1 and response.context["communes"] == 2
    assert "Vũ Thị Lan" in response.content.decode()
    response = client.get(reverse("candidate_board"))
    columns = {stage.value: cards for stage, _n, cards in response.context["columns"]}
    assert [card[0].pk for card in columns["CELL_VOTED"]] == [c.pk]
    assert "CEREMONY_HELD" not in columns  # the ceremony puts a dossier on probation
    # A column shows its first cards and links to the list of the stage for the rest.
    from dangvien.admission import views as admission_views

    for i in range(3):
        lan(org, name=f"Người Xếp Hàng {i}", birth=D(1996, 1, 1 + i))
    admission_views.BOARD_CARDS = 2
    try:
        response = client.get(reverse("candidate_board"))
    finally:
        admission_views.BOARD_CARDS = 20
    listed = {stage.value: (n, cards) for stage, n, cards in response.context["columns"]}
    assert listed["LISTED"][0] == 3 and len(listed["LISTED"][1]) == 2
    assert "stage=LISTED" in response.content.decode()
    response = client.get(reverse("alerts"), {"date": "2017-09-01"})
    assert [a.kind for a in response.context["alerts"]] == ["deadline"]
    client.force_login(personas.ward_b_officer)
    assert client.get(reverse("candidate_list")).context["rows"] == []
    assert client.get(reverse("alerts"), {"date": "2017-09-01"}).context["alerts"] == []


def test_person_page_of_a_new_member_after_the_ceremony(client, personas, org):
    c = admit(lan(org), org)
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("person_detail", args=[c.person_id])).content.decode()
    assert "20/07/2017" in body and "456-QĐ/TU" in body
    # The membership links back to its admission dossier.
    assert f'href="{reverse("candidate_detail", args=[c.pk])}"' in body


def test_alerts_command_json(org, capsys):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    call_command("alerts", "--as-of", "2017-09-01", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2017-09-01"
    assert [(a["kind"], a["overdue"], a["person"]) for a in data["alerts"]] == [
        ("deadline", True, "Vũ Thị Lan")
    ]


def test_dossier_checked_as_of_a_date_and_against_another_rule_set(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    client.force_login(personas.city_officer)
    url = reverse("candidate_detail", args=[c.pk])
    response = client.get(url, {"date": "2017-06-01"})
    assert response.context["rule_set"] == "2016" and response.context["findings"] == []
    response = client.get(url, {"date": "2017-09-01"})
    assert [f.rule for f in response.context["findings"]] == ["deadline.decision"]
    response = client.get(url, {"date": "2017-06-01", "rule_set": "2021"})
    assert response.context["rule_set"] == "2021"


def test_listing_someone_past_the_upper_age_warns_on_the_page_at_once(client, personas, org):
    client.force_login(personas.ward_a_officer)
    old = {**NEW, "full_name": "Đỗ Văn Lão", "birth_date": "12/03/1955", "sex": "M"}
    old.update(citizen_id="064055000123", tags=[], youth_union_member="")
    response = client.post(reverse("candidate_new"), old, follow=True, HTTP_ACCEPT_LANGUAGE="vi")
    assert Candidate.objects.filter(person__full_name="Đỗ Văn Lão").exists()
    body = response.content.decode()
    assert "Quần chúng Đỗ Văn Lão đã 61 tuổi 2 tháng vào ngày 01/06/2016" in body


def test_the_timeline_counts_a_grassroots_vote_in_committee_members(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), committee_members=9, in_favour=6)
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("candidate_detail", args=[c.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    text = body.content.decode()
    assert "6/9 cấp ủy viên tán thành" in text and "10/12 đảng viên chính thức" in text


# ----- issue 9, item 10: titles, not rule ids; the person named as what they are --------
def rule_ids_in_the_rules_package() -> set[str]:
    """Every rule id the checks can report, read from the rules package's source."""
    import re
    from pathlib import Path

    import dangvien.rules

    folder = Path(dangvien.rules.__file__).parent
    ids: set[str] = set()
    # Every module that reports or cites rules (dossier.py names JSON keys, not rules).
    for path in sorted(p for p in folder.glob("*.py") if p.name != "dossier.py"):
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r'"((?:[a-z_]+)\.(?:[a-z_]+))"', text))
    return {i for i in ids if not i.startswith("dangvien.")}


def test_every_rule_id_has_a_vietnamese_title():
    from django.utils import translation

    from dangvien.admission.rule_titles import TITLES, title

    ids = rule_ids_in_the_rules_package() | {"vote.grassroots"}
    assert {"vote.cell", "deadline.decision", "readmission.gap"} <= ids
    assert sorted(ids - set(TITLES)) == []
    with translation.override("vi"):
        assert title("deadline.decision") == "Thời hạn ra quyết định kết nạp"
        assert title("vote.grassroots") == "Đảng ủy cơ sở biểu quyết (2/3 cấp ủy viên)"
        # An id added later still shows its area's title, never the bare id.
        assert title("readmission.someday") == "Kết nạp lại"


def test_findings_and_exception_picker_show_titles(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    client.force_login(personas.city_officer)
    url = reverse("candidate_detail", args=[c.pk])
    body = client.get(url, {"date": "01/09/2017"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<strong>Thời hạn ra quyết định kết nạp</strong>:" in body
    assert "deadline.decision:" not in body and ">deadline.decision<" not in body
    body = client.get(url, {"kind": "EXCEPTION"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<option value="age.max">Tuổi tối đa</option>' in body
    assert 'value="vote.cell"' not in body  # a failed vote is never excepted


def test_a_failed_vote_offers_rejection_not_an_exception(client, personas, org):
    c = lan(org)
    prepare(c, org)
    c.refresh_from_db()
    client.force_login(personas.ward_a_officer)
    url = reverse("candidate_detail", args=[c.pk])
    vote = {"kind": "CELL_VOTE", "for_kind": "CELL_VOTE", "date": "10/05/2017"}
    body = client.post(
        url,
        {**vote, "full_members": 12, "in_favour": 7, "version": c.version},
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert 'id="reject"' in body and "?kind=REJECTED" in body and "Không kết nạp" in body
    assert (
        "Ngoại lệ được cấp có thẩm quyền chấp thuận"
        not in body.split('id="blocked"')[1].split("</div>")[0]
    )
    form = client.get(url, {"kind": "REJECTED"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<option value="REJECTED" selected>Không kết nạp</option>' in form
    response = client.post(
        url,
        {"kind": "REJECTED", "for_kind": "REJECTED", "date": "12/05/2017", "version": c.version},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.stage == Stage.REJECTED


def test_after_the_ceremony_messages_name_a_probationary_member(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, present=11, in_favour=10)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), full_members=9, in_favour=8)
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    c.refresh_from_db()
    client.force_login(personas.ward_a_officer)
    url = reverse("candidate_detail", args=[c.pk])
    response = client.post(
        url,
        {"kind": "CEREMONY", "for_kind": "CEREMONY", "date": "20/07/2017", "version": c.version},
        HTTP_ACCEPT_LANGUAGE="vi",
        follow=True,
    )
    body = response.content.decode()
    assert "Vũ Thị Lan là đảng viên dự bị từ ngày 20/07/2017" in body
    body = client.get(url, {"date": "01/10/2018"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "8/9 cấp ủy viên tán thành" in body  # the grassroots committee's vote
    assert "10/12 đảng viên chính thức tán thành" in body  # the cell's
    findings = body.split('id="findings"')[1].split("</ul>")[0]
    assert "đảng viên dự bị Vũ Thị Lan" in findings
    assert "Quần chúng" not in findings and "quần chúng" not in findings


def test_quan_chung_is_lower_case_mid_sentence(client, personas, org):
    c = lan(org)
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    client.force_login(personas.city_officer)
    url = reverse("candidate_detail", args=[c.pk])
    body = client.get(url, {"date": "01/09/2017"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    findings = body.split('id="findings"')[1].split("</ul>")[0]
    assert "Quyết định kết nạp quần chúng Vũ Thị Lan" in findings
    assert "Quần chúng" not in findings


def test_person_history_is_said_in_vietnamese(client, personas, org):
    client.force_login(personas.ward_b_officer)
    assert client.get(reverse("person_detail", args=[org.an.pk])).status_code == 404
    client.force_login(personas.ward_a_officer)
    body = client.get(
        reverse("person_detail", args=[org.an.pk]), HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    assert "ngoài phạm vi được giao (bị từ chối)" in body
    assert "404: outside scope" not in body


# ----- issue 9, item 11: the step form adapts to the step ------------------------------
def step_form_of(client, url, **params):
    body = client.get(url, params, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    return body[body.index('id="step-form"') :].split("</form>")[0]


def test_the_step_form_proposes_the_next_step_with_its_fields_and_date(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    url = reverse("candidate_detail", args=[c.pk])
    form = step_form_of(client, url)
    assert '<option value="COURSE_CERTIFICATE" selected>' in form
    assert 'value="01/06/2016"' in form  # the listing date, not today's
    prepare(c, org)
    form = step_form_of(client, url)
    assert '<option value="CELL_VOTE" selected>' in form
    assert 'value="20/04/2017"' in form  # the residence comments' date
    for name in ("full_members", "present", "in_favour", "document_number"):
        assert f'name="{name}"' in form
    for name in ("card_number", "introducer", "received_on", "rule", "subject"):
        assert f'name="{name}"' not in form
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, in_favour=10)
    form = step_form_of(client, url)
    assert '<option value="GRASSROOTS_VOTE" selected>' in form
    assert "Số cấp ủy viên của đảng ủy cơ sở" in form  # who votes: the committee
    # Another step chosen (htmx): its own fields, the typed date kept.
    partial = client.get(
        reverse("candidate_step_form", args=[c.pk]),
        {"kind": "DECISION", "date": "03/07/2017"},
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert 'name="received_on"' in partial and 'name="extended"' in partial
    assert 'name="full_members"' not in partial and 'value="03/07/2017"' in partial


def test_changing_the_step_without_script_records_nothing(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    url = reverse("candidate_detail", args=[c.pk])
    body = client.post(
        url,
        {
            "kind": "INTRODUCTION",
            "for_kind": "COURSE_CERTIFICATE",
            "date": "10/08/2016",
            "version": c.version,
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert 'name="introducer"' in body and 'value="10/08/2016"' in body
    assert c.events.count() == 2  # listed, helper assigned: nothing more


def test_dates_are_typed_and_shown_dd_mm_yyyy_on_every_page(client, personas, org):
    c = lan(org)
    client.force_login(personas.city_officer)
    pages = [
        reverse("candidate_new"),
        reverse("candidate_detail", args=[c.pk]),
        reverse("alerts"),
        reverse("statistics"),
        reverse("unit_tree"),
        reverse("locality_list"),
        reverse("person_list"),
    ]
    for url in pages:
        body = client.get(url, {"date": "30/11/2017"}).content.decode()
        assert 'type="date"' not in body, url
    body = client.get(reverse("candidate_new")).content.decode()
    assert 'name="birth_date"' in body and 'placeholder="dd/mm/yyyy"' in body
    body = client.get(reverse("alerts"), {"date": "30/11/2017"}).content.decode()
    assert 'value="30/11/2017"' in body


def test_person_history_shows_values_in_words_without_bookkeeping(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    body = client.get(
        reverse("person_detail", args=[c.person_id]), HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    history = body.split("audit")[-1]
    assert "15/08/1995" in history and "1995-08-15" not in history
    assert "Trong danh sách nguồn" in history and "LISTED" not in history
    assert "Nguyễn Văn An" in history  # the helper by name, not by id
    for hidden in ("sort name", "search name", "recorded at", "UPPER_SECONDARY"):
        assert hidden not in history


def test_after_the_ceremony_a_dossier_counts_as_a_new_member_not_a_candidate(client, personas, org):
    from dangvien.admission.models import Stage as S

    c = admit(lan(org), org)
    client.force_login(personas.ward_a_officer)
    url = reverse("candidate_detail", args=[c.pk])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đảng viên dự bị từ 20/07/2017" in body
    # Home and board: a new member followed to the card, not a "quần chúng".
    home = client.get("/").context["pipeline"]
    assert (home["active"], home["admitted"]) == (0, 1)
    board = client.get(reverse("candidate_board"), HTTP_ACCEPT_LANGUAGE="vi")
    assert (board.context["total"], board.context["admitted_total"]) == (0, 1)
    assert "1 đảng viên mới đang dự bị hoặc chờ nhận thẻ đảng" in board.content.decode()
    step(c, K.SELF_REVIEW, D(2018, 7, 21))
    step(c, K.CONFIRMATION_CELL_VOTE, D(2018, 7, 30), full_members=12, in_favour=11)
    step(c, K.CONFIRMATION_DECISION, D(2018, 8, 20), document_number="789-QĐ/TU")
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đảng viên chính thức từ 20/07/2018" in body
    step(c, K.CARD_ISSUED, D(2018, 9, 5), card_number="41000001")
    assert Candidate.objects.get(pk=c.pk).stage == S.CARD_ISSUED
    assert client.get("/").context["pipeline"]["admitted"] == 0


def test_the_forms_checklist_marks_what_does_not_apply(client, personas, org):
    from dangvien.orgs.models import OrgUnit

    client.force_login(personas.ward_a_officer)
    c = lan(org)
    prepare(c, org)  # the Youth Union's resolution and one member introduce
    checklist = dict(client.get(reverse("candidate_detail", args=[c.pk])).context["checklist"])
    assert checklist["4-KNĐ"] is True and checklist["8-KNĐ"] is False
    assert checklist["7-KNĐ"] is None and checklist["14-KNĐ"] is None  # no sub-committee
    # Two full members introduce instead: 4-KNĐ has no use. A grassroots cell is its own
    # grassroots organisation: no committee resolutions (8-KNĐ, 15-KNĐ).
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    f.member(quy, org.cell_a1, ceremony=D(2008, 3, 1))
    other = lan(org, name="Lê Thị Hoa", birth=D(1980, 2, 1))
    introduce(other, D(2017, 4, 5), org.an, quy)
    OrgUnit.objects.filter(pk=org.cell_a1.pk).update(kind=OrgUnit.Kind.GRASSROOTS_CELL)
    checklist = dict(client.get(reverse("candidate_detail", args=[other.pk])).context["checklist"])
    assert checklist["4-KNĐ"] is None and checklist["3-KNĐ"] is True
    young = lan(org, name="Lò Văn Tú", birth=D(1995, 3, 1))  # 22: the resolution is due
    introduce(young, D(2017, 4, 5), org.an, quy)
    checklist = dict(client.get(reverse("candidate_detail", args=[young.pk])).context["checklist"])
    assert checklist["4-KNĐ"] is False
    assert checklist["8-KNĐ"] is None and checklist["15-KNĐ"] is None


def test_the_dossier_names_the_cell_up_to_its_grassroots_organisation(org):
    """As the board and the list do: a cell under a sub-committee is named with both."""
    from dangvien.admission.views import cell_line
    from dangvien.orgs.models import OrgUnit

    sub = f.unit("A-CS", "Đảng bộ bộ phận Cảnh sát", OrgUnit.Kind.SUB_COMMITTEE, org.ward_a)
    cell = f.unit("A-CS-1", "Chi bộ 1", OrgUnit.Kind.CELL, sub)
    assert cell_line(cell) == "Chi bộ 1 – Đảng bộ bộ phận Cảnh sát – Đảng bộ phường A"
    assert cell_line(org.cell_a1) == "Chi bộ Tổ dân phố 1 – Đảng bộ phường A"
