"""The Word forms: each opened with python-docx and its fields compared with the dossier;
blanks where the dossier holds nothing; the ZIP; the unit lists; access and audit."""

import io
import zipfile

import pytest
from docx import Document

from dangvien.accounts.models import AuditEntry, Role
from dangvien.admission import documents

from . import factories as f
from .admission_helpers import D, K, admit, lan, step


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


def test_every_form_has_the_party_layout_and_the_dossier_fields(admitted, org):
    c = admitted
    for code in documents.FORMS:
        content = documents.form_docx(c, code)
        text = text_of(content)
        assert f"Mẫu {code}" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text, code
        assert "(Ký, ghi rõ họ và tên)" in text and "Nơi nhận:" in text, code
        assert "Vũ Thị Lan" in text, code
        assert Document(io.BytesIO(content)).core_properties.subject == code
    six = text_of(documents.form_docx(c, "6-KNĐ"))
    assert "CHI BỘ TỔ DÂN PHỐ 1" in six and "ĐẢNG BỘ PHƯỜNG A" in six
    assert "Thử, ngày 10 tháng 05 năm 2017" in six  # the place from the city's locality
    assert "Tổng số đảng viên chính thức: 12; có mặt: 11." in six
    assert "Số đồng ý: 10 (83,3% so với tổng số); không đồng ý: 1." in six
    assert "Ngày sinh: 15/08/1995" in six and "Dân tộc: Kinh" in six
    three = text_of(documents.form_docx(c, "3-KNĐ"))
    assert "Tôi là: Nguyễn Văn An" in three and "Công tác cùng nhau từ: 01/01/2016" in three
    assert "Vào Đảng ngày: 01/06/2005" in three
    four = text_of(documents.form_docx(c, "4-KNĐ"))
    assert "Số: 12-NQ/ĐTN" in four and "ngày 01 tháng 04 năm 2017" in four
    nine = text_of(documents.form_docx(c, "9-KNĐ"))
    assert "Số: 456-QĐ/TU" in nine and "BAN THƯỜNG VỤ ĐẢNG ỦY THÀNH PHỐ THỬ" in nine
    assert "Điều 1. Kết nạp quần chúng Vũ Thị Lan, sinh ngày 15/08/1995" in nine
    ten = text_of(documents.form_docx(c, "10-KNĐ"))
    assert "Ngày vào Đảng: 20/07/2017" in ten
    eleven = text_of(documents.form_docx(c, "11-KNĐ"))
    assert "Người nhận xét: Nguyễn Văn An" in eleven
    five = text_of(documents.form_docx(c, "5-KNĐ"))
    assert "Nơi lấy ý kiến: Tổ dân phố 1, Phường A" in five
    assert "Ngày lấy ý kiến: 20/04/2017" in five
    eight = text_of(documents.form_docx(c, "8-KNĐ"))
    assert "ĐẢNG ỦY PHƯỜNG A" in eight and "ngày 25 tháng 05 năm 2017" in eight
    assert "Tổng số cấp ủy viên: 9" in eight and "Số đồng ý: 8" in eight
    fifteen = text_of(documents.form_docx(c, "15-KNĐ"))
    assert "Số: 31-NQ/ĐU" in fifteen and "Ngày vào Đảng: 20/07/2017" in fifteen
    assert "Số đồng ý: 9 (100% so với tổng số); không đồng ý: 0." in fifteen
    thirteen = text_of(documents.form_docx(c, "13-KNĐ"))
    assert "có mặt: 12" in thirteen and "ngày 25 tháng 07 năm 2018" in thirteen


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
    assert len(names) == len(documents.FORMS) and "6-KND-vu-thi-lan.docx" in names
    for name in names:
        assert "Vũ Thị Lan" in text_of(archive.read(name))


def test_forms_download_from_the_dossier_page_with_scope_and_audit(client, personas, admitted, org):
    client.force_login(personas.secretary_a)
    page = client.get(f"/candidates/{admitted.pk}/").content.decode()
    assert f"/candidates/{admitted.pk}/forms/6-KN%C4%90.docx" in page
    response = client.get(f"/candidates/{admitted.pk}/forms/6-KNĐ.docx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "Vũ Thị Lan" in text_of(response.content)
    assert AuditEntry.objects.filter(action="EXPORT", detail="form 6-KNĐ").exists()
    assert client.get(f"/candidates/{admitted.pk}/forms/7-KNĐ.docx").status_code == 404
    z = client.get(f"/candidates/{admitted.pk}/forms.zip")
    assert z.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(z.content)).namelist()) == 10
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
