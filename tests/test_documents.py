"""The Word forms: each opened with python-docx and its fields compared with the dossier;
blanks where the dossier holds nothing; the ZIP; the unit lists; access and audit."""

import io
import zipfile

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT

from dangvien.accounts.models import AuditEntry, Role
from dangvien.admission import documents
from dangvien.admission.models import Event
from dangvien.orgs.models import OrgUnit

from . import factories as f
from .admission_helpers import D, K, admit, lan, prepare, step


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def tables_of(content: bytes):
    return Document(io.BytesIO(content)).tables


@pytest.fixture
def admitted(org):
    c = admit(lan(org), org)
    step(c, K.SELF_REVIEW, D(2018, 7, 1))
    step(c, K.HELPER_COMMENT, D(2018, 7, 2), introducer=org.an)
    step(c, K.CONFIRMATION_CELL_VOTE, D(2018, 7, 25), full_members=12, present=12, in_favour=12)
    step(
        c,
        K.CONFIRMATION_GRASSROOTS_VOTE,
        D(2018, 8, 6),
        full_members=9,
        present=9,
        in_favour=9,
        document_number="31-NQ/ĐU",
    )
    c.refresh_from_db()
    return c


PERSONAL = ("3-KNĐ", "10-KNĐ", "11-KNĐ")


def heading(content: bytes) -> tuple[str, str]:
    """The texts of the heading's left (issuing body, number) and right (motto, date) cells."""
    left, right = Document(io.BytesIO(content)).tables[0].rows[0].cells
    return left.text.strip(), right.text.strip()


def signature(content: bytes) -> tuple[str, str]:
    """The texts of the closing table: recipients on the left, the signer on the right."""
    left, right = Document(io.BytesIO(content)).tables[-1].rows[0].cells
    return left.text.strip(), right.text.strip()


def test_every_form_has_the_party_layout_and_the_dossier_fields(admitted, org):
    c = admitted
    for code in documents.FORMS:
        content = documents.form_docx(c, code)
        text = text_of(content)
        assert f"Mẫu {code}" in text, code
        assert "(Ký, ghi rõ họ và tên)" in text, code
        assert "Vũ Thị Lan" in text, code
        assert Document(io.BytesIO(content)).core_properties.subject == code
        motto = "ĐOÀN TNCS HỒ CHÍ MINH" if code == "4-KNĐ" else "ĐẢNG CỘNG SẢN VIỆT NAM"
        assert heading(content)[1].startswith(motto), code
        # Personal documents have no recipients; every other form has them.
        assert ("Nơi nhận:" in signature(content)[0]) is (code not in PERSONAL), code
    six = documents.form_docx(c, "6-KNĐ")
    left, right = heading(six)
    assert left.split("\n") == ["ĐẢNG BỘ PHƯỜNG A", "CHI BỘ TỔ DÂN PHỐ 1", "*", "Số: ……-NQ/CB"]
    assert "Thử, ngày 10 tháng 5 năm 2017" in right  # the place from the city's locality
    six = text_of(six)
    assert "Tổng số đảng viên chính thức: 12; có mặt: 11." in six
    assert "Số đồng ý: 10 (83,3% so với tổng số); không đồng ý: 1." in six
    assert "Ngày sinh: 15/08/1995" in six and "Dân tộc: Kinh" in six
    three = text_of(documents.form_docx(c, "3-KNĐ"))
    assert (
        "Tôi là: Nguyễn Văn An" in three
        and "Cùng công tác, học tập hoặc cư trú từ: 01/01/2016" in three
    )
    assert "Vào Đảng ngày: 01/06/2005" in three and "Kính gửi: Chi bộ Tổ dân phố 1" in three
    nine = text_of(documents.form_docx(c, "9-KNĐ"))
    assert "Điều 1. Kết nạp quần chúng Vũ Thị Lan, sinh ngày 15/08/1995" in nine
    assert "Xét đề nghị của Đảng ủy phường A tại nghị quyết số ………………… ngày 25/05/2017" in nine
    ten = text_of(documents.form_docx(c, "10-KNĐ"))
    assert "Ngày vào Đảng: 20/07/2017" in ten
    eleven = text_of(documents.form_docx(c, "11-KNĐ"))
    assert "Người nhận xét: Nguyễn Văn An" in eleven
    five = text_of(documents.form_docx(c, "5-KNĐ"))
    assert "Nơi lấy ý kiến: Tổ dân phố 1, Phường A" in five
    assert "Ngày lấy ý kiến: 20/04/2017" in five
    assert "Số: ……-BC/CB" in five
    eight = text_of(documents.form_docx(c, "8-KNĐ"))
    assert "ĐẢNG ỦY PHƯỜNG A" in eight and "ngày 25 tháng 5 năm 2017" in eight
    assert "Tổng số cấp ủy viên: 9" in eight and "Số đồng ý: 8" in eight
    fifteen = text_of(documents.form_docx(c, "15-KNĐ"))
    assert "Số: 31-NQ/ĐU" in fifteen and "Ngày vào Đảng: 20/07/2017" in fifteen
    assert "Số đồng ý: 9 (100% so với tổng số); không đồng ý: 0." in fifteen
    thirteen = text_of(documents.form_docx(c, "13-KNĐ"))
    assert "có mặt: 12" in thirteen and "ngày 25 tháng 7 năm 2018" in thirteen


@pytest.mark.parametrize("code", PERSONAL)
def test_personal_documents_carry_no_issuing_body_number_or_recipients(admitted, code):
    content = documents.form_docx(admitted, code)
    left, right = heading(content)
    assert left.strip() == "" and right.strip() == "ĐẢNG CỘNG SẢN VIỆT NAM"
    text = text_of(content)
    assert "Số:" not in text and "Nơi nhận" not in text and "Lưu hồ sơ" not in text
    assert "CHI BỘ TỔ DÂN PHỐ 1" not in text and "T/M" not in text  # no body signs for it
    recipients, signer = signature(content)
    assert recipients.strip() == ""
    # The place and date stand above the writer's signature.
    dated = {"3-KNĐ": "ngày 05 tháng 4 năm 2017", "10-KNĐ": "ngày 01 tháng 7 năm 2018"}
    dated["11-KNĐ"] = "ngày 02 tháng 7 năm 2018"
    assert signer.startswith(f"Thử, {dated[code]}"), signer


def test_youth_union_resolution_carries_the_union_heading(admitted):
    content = documents.form_docx(admitted, "4-KNĐ")
    left, right = heading(content)
    assert right.startswith("ĐOÀN TNCS HỒ CHÍ MINH\n") and "ngày 01 tháng 4 năm 2017" in right
    assert "BAN CHẤP HÀNH ĐOÀN" in left and "***" in left and "Số: 12-NQ/ĐTN" in left
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text_of(content)
    assert "T/M BAN CHẤP HÀNH" in signature(content)[1]


def test_the_decision_names_the_standing_committee_above_the_grassroots(admitted):
    content = documents.form_docx(admitted, "9-KNĐ")
    left, _right = heading(content)
    # The city committee above ward A: "Thành ủy", numbers ending in /TU.
    assert left.split("\n") == ["THÀNH ỦY THỬ", "*", "Số: 456-QĐ/TU"]
    text = text_of(content)
    assert "BAN THƯỜNG VỤ THÀNH ỦY THỬ\n- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;" in text
    recipients, signer = signature(content)
    assert "T/M BAN THƯỜNG VỤ\nBÍ THƯ" in signer
    assert recipients == "Nơi nhận:\n- Như Điều 3,\n- Lưu hồ sơ đảng viên."
    assert "Thử, ngày 03 tháng 7 năm 2017" in heading(content)[1]


def test_a_district_committee_numbers_its_decision_hu_and_its_province_heads_it(org):
    province = f.unit("PROV", "Đảng bộ tỉnh Gia Lai", OrgUnit.Kind.SUPERIOR)
    district = f.unit("DIST", "Đảng bộ huyện Chư Păh", OrgUnit.Kind.SUPERIOR, province)
    commune = f.unit("XA", "Đảng bộ xã Nghĩa Hưng", OrgUnit.Kind.GRASSROOTS_COMMITTEE, district)
    cell = f.unit("XA-C1", "Chi bộ thôn 1", OrgUnit.Kind.CELL, commune)
    c = lan(org)
    c.cell = cell
    content = documents.render(documents.f9(documents.Dossier(c, [])))
    left, right = heading(content)
    assert left.split("\n") == ["ĐẢNG BỘ TỈNH GIA LAI", "HUYỆN ỦY CHƯ PĂH", "*", "Số: ……-QĐ/HU"]
    assert "ngày …… tháng …… năm 20……" in right  # no decision recorded: blanks
    assert "BAN THƯỜNG VỤ HUYỆN ỦY CHƯ PĂH" in text_of(content)


def test_an_authorised_grassroots_committee_decides_in_its_own_name(org):
    c = lan(org)
    decision = K.DECISION
    events = [Event(kind=decision, date=D(2022, 3, 9), document_number="07-QĐ/ĐU")]
    content = documents.render(documents.f9(documents.Dossier(c, events)))
    left, right = heading(content)
    assert left.split("\n") == ["ĐẢNG BỘ THÀNH PHỐ THỬ", "ĐẢNG ỦY PHƯỜNG A", "*", "Số: 07-QĐ/ĐU"]
    assert "Thử, ngày 09 tháng 3 năm 2022" in right
    assert "BAN THƯỜNG VỤ" not in text_of(content)
    assert "T/M ĐẢNG ỦY\nBÍ THƯ" in signature(content)[1]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2017, 7, 5), "Pleiku, ngày 05 tháng 7 năm 2017"),
        (D(2018, 2, 12), "Pleiku, ngày 12 tháng 02 năm 2018"),
        (D(2019, 1, 31), "Pleiku, ngày 31 tháng 01 năm 2019"),
        (D(2019, 3, 1), "Pleiku, ngày 01 tháng 3 năm 2019"),
        (D(2019, 11, 20), "Pleiku, ngày 20 tháng 11 năm 2019"),
    ],
)
def test_dates_take_a_zero_before_days_below_ten_and_months_one_and_two(day, expected):
    assert documents.date_line("Pleiku", day) == expected


def test_a_february_resolution_reads_thang_02_on_the_form(org):
    c = lan(org)
    events = [Event(kind=K.YOUTH_UNION_RESOLUTION, date=D(2017, 2, 12), document_number="3")]
    right = heading(documents.render(documents.f4(documents.Dossier(c, events))))[1]
    assert "Thử, ngày 12 tháng 02 năm 2017" in right


def test_missing_steps_leave_blanks_not_invented_values(org):
    c = lan(org)  # only listed: no vote, no decision, no ceremony
    fifteen = text_of(documents.form_docx(c, "15-KNĐ"))
    assert "ngày …… tháng …… năm 20……" in fifteen
    assert "Số: ……-NQ/ĐU" in fifteen
    assert f"Ngày vào Đảng: {documents.BLANK}" in fifteen
    assert f"Tổng số cấp ủy viên: {documents.BLANK}" in fifteen
    eight = text_of(documents.form_docx(c, "8-KNĐ"))
    assert "2017" not in eight and "2016" not in eight  # no date the dossier lacks


def test_the_zip_holds_every_form(admitted):
    archive = zipfile.ZipFile(io.BytesIO(documents.forms_zip(admitted)))
    names = archive.namelist()
    # No sub-committee above cell A1: every form but 7 and 14-KNĐ.
    assert len(names) == len(documents.FORMS) - 2 and "6-KND-vu-thi-lan.docx" in names
    assert "16-KND-vu-thi-lan.docx" in names and "7-KND-vu-thi-lan.docx" not in names
    for name in names:
        assert "Vũ Thị Lan" in text_of(archive.read(name))


def test_forms_download_from_the_dossier_page_with_scope_and_audit(client, personas, admitted, org):
    client.force_login(personas.secretary_a)
    page = client.get(f"/candidates/{admitted.pk}/").content.decode()
    assert f"/candidates/{admitted.pk}/forms/6-KN%C4%90.docx" in page
    for code in ("12", "16"):  # the added forms are linked
        assert f"/candidates/{admitted.pk}/forms/{code}-KN%C4%90.docx" in page
    assert f"/candidates/{admitted.pk}/forms/7-KN%C4%90.docx" not in page  # no sub-committee
    response = client.get(f"/candidates/{admitted.pk}/forms/6-KNĐ.docx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "Vũ Thị Lan" in text_of(response.content)
    assert AuditEntry.objects.filter(action="EXPORT", detail="form 6-KNĐ").exists()
    assert client.get(f"/candidates/{admitted.pk}/forms/7-KNĐ.docx").status_code == 404
    z = client.get(f"/candidates/{admitted.pk}/forms.zip")
    assert z.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(z.content)).namelist()) == 12
    client.force_login(personas.ward_b_officer)
    assert client.get(f"/candidates/{admitted.pk}/forms/6-KNĐ.docx").status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))  # names only
    assert client.get(f"/candidates/{admitted.pk}/forms.zip").status_code == 403


def test_unit_candidate_list_and_card_list(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_a_officer)
    response = client.get("/units/WARDA/candidates.docx")
    assert response.status_code == 200
    (table,) = tables_of(response.content)[1:2]  # after the heading table
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["STT", "Họ và tên", "Ngày sinh"]
    assert rows[1][1:4] == [c.person.full_name, "15/08/1995", "Nữ"]
    assert len(rows) == 2
    # 1-TĐV: full members without a card. An (full since 2006) has none in the fixture.
    cards = client.get("/units/WARDA/cards.docx")
    text = text_of(cards.content)
    assert "Mẫu 1-TĐV" in text and "Nguyễn Văn An" in text
    assert "Trần Thị Bình" not in text  # never confirmed: not a full member
    assert "Lê Văn Cường" not in text  # ward B
    before = text_of(client.get("/units/WARDA/cards.docx?date=2005-12-31").content)
    assert "Nguyễn Văn An" not in before and "đến ngày 31/12/2005" in before  # not yet full
    client.force_login(personas.ward_b_officer)
    assert client.get("/units/WARDA/cards.docx").status_code == 404


def test_residence_comments_and_confirmation_decision_from_the_dossier(admitted, org):
    c = admitted
    step(c, K.CONFIRMATION_RESIDENCE, D(2018, 7, 10), document_number="4-BC/CB")
    step(c, K.CONFIRMATION_DECISION, D(2018, 8, 20), document_number="789-QĐ/TU")
    twelve = documents.form_docx(c, "12-KNĐ")
    left, right = heading(twelve)
    assert left.split("\n") == ["ĐẢNG BỘ PHƯỜNG A", "CHI BỘ TỔ DÂN PHỐ 1", "*", "Số: 4-BC/CB"]
    assert "Thử, ngày 10 tháng 7 năm 2018" in right
    text = text_of(twelve)
    assert "đối với đảng viên dự bị" in text and "Ngày vào Đảng: 20/07/2017" in text
    assert "Nơi lấy ý kiến: Tổ dân phố 1, Phường A" in text
    assert "Ngày lấy ý kiến: 10/07/2018" in text
    assert "T/M CHI ỦY (CHI BỘ)" in signature(twelve)[1]
    sixteen = documents.form_docx(c, "16-KNĐ")
    left, right = heading(sixteen)
    assert left.split("\n") == ["THÀNH ỦY THỬ", "*", "Số: 789-QĐ/TU"]
    assert "Thử, ngày 20 tháng 8 năm 2018" in right
    text = text_of(sixteen)
    assert "CÔNG NHẬN ĐẢNG VIÊN CHÍNH THỨC" in text.upper()
    assert "BAN THƯỜNG VỤ THÀNH ỦY THỬ" in text
    assert "Căn cứ quyết định kết nạp đảng viên số 456-QĐ/TU ngày 03/07/2017;" in text
    assert "Xét đề nghị của Đảng ủy phường A tại nghị quyết số 31-NQ/ĐU ngày 06/08/2018" in text
    # Full as of the exact end of the 12 months, as the membership records it.
    assert (
        "Điều 1. Công nhận đồng chí Vũ Thị Lan, sinh ngày 15/08/1995, vào Đảng ngày "
        "20/07/2017, là đảng viên chính thức kể từ ngày 20/07/2018." in text
    )
    assert "T/M BAN THƯỜNG VỤ" in signature(sixteen)[1]


def test_probation_forms_leave_blanks_before_the_steps(admitted):
    blank = documents.BLANK
    twelve = documents.form_docx(admitted, "12-KNĐ")  # no residence comments recorded
    assert "ngày …… tháng …… năm 20……" in heading(twelve)[1]
    assert "Số: ……-BC/CB" in heading(twelve)[0]
    assert f"Ngày lấy ý kiến: {blank}" in text_of(twelve)
    sixteen = documents.form_docx(admitted, "16-KNĐ")  # no decision recorded
    assert heading(sixteen)[0].endswith("Số: ……-QĐ/TU")
    text = text_of(sixteen)
    assert "ngày …… tháng …… năm 20……" in text
    assert f"là đảng viên chính thức kể từ ngày {blank}." in text  # not computed ahead
    assert "20/07/2018" not in text and "Số: ……-QĐ/TU" in text  # nothing invented


@pytest.fixture
def under_sub_committee(org):
    """A candidate in a cell under a sub-committee (đảng ủy bộ phận) of ward A, taken through
    the admission and the confirmation with both appraisals."""
    sub = f.unit("A-BP1", "Đảng bộ bộ phận Khu 1", OrgUnit.Kind.SUB_COMMITTEE, org.ward_a)
    cell = f.unit("A-BP1-C1", "Chi bộ Khu phố 3", OrgUnit.Kind.CELL, sub)
    c = lan(org)
    c.cell = cell
    c.save(update_fields=["cell"])
    return c


def test_sub_committee_appraisals_7_and_14(under_sub_committee, org):
    c = under_sub_committee
    prepare(c, org)
    step(
        c,
        K.CELL_VOTE,
        D(2017, 5, 10),
        full_members=12,
        present=11,
        in_favour=10,
        document_number="9-NQ/CB",
    )
    step(c, K.SUB_COMMITTEE_APPRAISAL, D(2017, 5, 16), document_number="3-BC/ĐUBP")
    seven = documents.form_docx(c, "7-KNĐ")
    left, right = heading(seven)
    assert left.split("\n") == ["ĐẢNG BỘ PHƯỜNG A", "ĐẢNG ỦY BỘ PHẬN KHU 1", "*", "Số: 3-BC/ĐUBP"]
    assert "ngày 16 tháng 5 năm 2017" in right
    text = text_of(seven)
    assert "Kính gửi: Đảng ủy phường A" in text
    assert "Căn cứ nghị quyết số 9-NQ/CB ngày 10/05/2017 của Chi bộ Khu phố 3" in text
    assert "Họ và tên: Vũ Thị Lan" in text and "Ngày sinh: 15/08/1995" in text
    assert "T/M ĐẢNG ỦY BỘ PHẬN" in signature(seven)[1]
    # 14-KNĐ before its step: the cell's resolution and the appraisal are blanks.
    fourteen = documents.form_docx(c, "14-KNĐ")
    left, right = heading(fourteen)
    assert left.endswith("Số: ……-BC/……") and "ngày …… tháng …… năm 20……" in right
    text = text_of(fourteen)
    assert "công nhận đảng viên chính thức" in text
    blank = documents.BLANK
    assert f"Căn cứ nghị quyết số {blank} ngày {blank} của Chi bộ Khu phố 3" in text
    assert f"Ngày vào Đảng: {blank}" in text  # no ceremony yet
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), full_members=9, in_favour=8)
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    step(c, K.CEREMONY, D(2017, 7, 20))
    step(c, K.SELF_REVIEW, D(2018, 7, 1))
    step(c, K.HELPER_COMMENT, D(2018, 7, 2), introducer=org.an)
    step(
        c,
        K.CONFIRMATION_CELL_VOTE,
        D(2018, 7, 25),
        full_members=12,
        present=12,
        in_favour=12,
        document_number="15-NQ/CB",
    )
    step(c, K.CONFIRMATION_SUB_COMMITTEE, D(2018, 8, 1), document_number="8-BC/ĐUBP")
    fourteen = documents.form_docx(c, "14-KNĐ")
    left, right = heading(fourteen)
    assert left.endswith("Số: 8-BC/ĐUBP") and "ngày 01 tháng 8 năm 2018" in right
    text = text_of(fourteen)
    assert "Căn cứ nghị quyết số 15-NQ/CB ngày 25/07/2018 của Chi bộ Khu phố 3" in text
    assert "Ngày vào Đảng: 20/07/2017" in text
    assert "Ngày 01/08/2018, Đảng ủy bộ phận Khu 1 đã thẩm định" in text


def test_the_dossier_page_links_the_appraisals_only_under_a_sub_committee(
    client, personas, under_sub_committee
):
    c = under_sub_committee
    client.force_login(personas.ward_a_officer)
    page = client.get(f"/candidates/{c.pk}/").content.decode()
    for code in ("7", "12", "14", "16"):
        assert f"/candidates/{c.pk}/forms/{code}-KN%C4%90.docx" in page, code
    assert client.get(f"/candidates/{c.pk}/forms/14-KNĐ.docx").status_code == 200
    names = zipfile.ZipFile(io.BytesIO(client.get(f"/candidates/{c.pk}/forms.zip").content))
    assert len(names.namelist()) == len(documents.FORMS)
    assert "14-KND-vu-thi-lan.docx" in names.namelist()


@pytest.mark.parametrize(
    ("persona", "code", "issuer", "signed"),
    [
        ("ward_a_officer", "WARDA", "ĐẢNG ỦY PHƯỜNG A", "T/M ĐẢNG ỦY\nBÍ THƯ"),
        ("ward_a_officer", "A1", "CHI BỘ TỔ DÂN PHỐ 1", "T/M CHI BỘ\nBÍ THƯ"),
        ("city_officer", "CITY", "THÀNH ỦY THỬ", "T/M BAN THƯỜNG VỤ\nBÍ THƯ"),
    ],
)
def test_unit_lists_are_signed_by_the_units_real_title(
    client, personas, org, persona, code, issuer, signed
):
    lan(org)
    client.force_login(getattr(personas, persona))
    for path in (f"/units/{code}/candidates.docx", f"/units/{code}/cards.docx"):
        content = client.get(path).content
        assert issuer in heading(content)[0], path
        assert signature(content)[1].startswith(signed), path
        assert "CẤP ỦY" not in text_of(content), path


def test_the_source_list_is_landscape(client, personas, org):
    lan(org)
    client.force_login(personas.ward_a_officer)
    content = client.get("/units/WARDA/candidates.docx").content
    section = Document(io.BytesIO(content)).sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert "Vũ Thị Lan" in text_of(content)


def test_forms_of_a_dossier_that_spans_a_reform_print_the_bodies_of_their_day(admitted, org):
    """The ward moves under the province on 01/07/2025 (the district tier removed): the
    2017 decision still names the city's standing committee, which decided it."""
    from dangvien.orgs.restructure import Kind, Op, apply

    f.unit("PROV", "Đảng bộ tỉnh Thử", OrgUnit.Kind.SUPERIOR)
    assert apply([Op(Kind.MOVE, "WARDA", D(2025, 7, 1), parent="PROV")]).ok
    admitted.refresh_from_db()
    assert admitted.cell.code != "A1" and admitted.cell.parent.parent.code == "PROV"
    left, _right = heading(documents.form_docx(admitted, "9-KNĐ"))
    assert left.split("\n") == ["THÀNH ỦY THỬ", "*", "Số: 456-QĐ/TU"]
    # A form not yet filled is headed by today's bodies, the ones that will issue it.
    left, _right = heading(documents.render(documents.f9(documents.Dossier(admitted, []))))
    assert left.split("\n") == ["TỈNH ỦY THỬ", "*", "Số: ……-QĐ/TU"]
    with zipfile.ZipFile(io.BytesIO(documents.forms_zip(admitted))) as z:
        name = next(n for n in z.namelist() if n.startswith("9-KND"))
        assert heading(z.read(name))[0].startswith("THÀNH ỦY THỬ")
