"""The member page's whole history: every kind of record, in date order, reversed and
cancelled ones kept and struck through."""

import pytest
from django.utils import translation

from dangvien.membership.models import ExitReason
from dangvien.people.models import Position, Residence
from dangvien.records import models as r
from dangvien.records.timeline import timeline

from .factories import D


@pytest.fixture
def history(org):
    m = org.an.memberships.get()
    assert Residence.objects.filter(person=org.an).count() == 1  # from the factory
    r.Transfer.objects.create(
        membership=m,
        kind=r.Transfer.Kind.OFFICIAL,
        from_unit=org.cell_a1,
        to_unit=org.cell_b1,
        issued_on=D(2019, 4, 1),
        document_number="12-GGT",
        cancelled_on=D(2019, 4, 5),
        cancel_reason="Nhầm đơn vị",
    )
    r.PartyCard.objects.create(membership=m, number="64001234", issued_on=D(2006, 9, 2))
    r.ExitDecision.objects.create(
        membership=m,
        on=D(2020, 1, 10),
        reason=ExitReason.STRUCK_OFF,
        document_number="5-QĐ",
        reversed_on=D(2020, 2, 1),
        reversal_reason="Ghi nhầm người",
    )
    r.Exemption.objects.create(
        membership=m, reason=r.Exemption.Reason.ILLNESS, start_on=D(2021, 3, 1)
    )
    r.OutOfContact.objects.create(
        membership=m, start_on=D(2008, 3, 1), end_on=D(2009, 6, 1), note="Đi làm ăn xa"
    )
    r.Badge.objects.create(person=org.an, years=30, awarded_on=D(2035, 2, 3))
    r.QualityRating.objects.create(
        membership=m, year=2022, grade=r.QualityRating.Grade.GOOD, unit=org.cell_a1
    )
    Position.objects.create(
        person=org.an,
        kind=Position.Kind.CELL_SECRETARY,
        unit=org.cell_a1,
        start_on=D(2015, 5, 1),
        end_on=D(2020, 5, 1),
    )
    return org


def test_every_record_in_date_order(history):
    with translation.override("vi"):
        entries = timeline(history.an)
    days = [e.day for e in entries]
    assert days[0] is None  # the residence known since before the records
    assert days[1:] == sorted(days[1:])
    whats = [e.what for e in entries]
    assert whats[1:3] == ["Quyết định kết nạp", "Ngày vào Đảng"]
    assert whats.index("Cấp lần đầu") == 4
    assert "Bí thư chi bộ" in whats
    assert "Thôi giữ chức bí thư chi bộ" in whats
    assert "Xếp loại năm 2022: Hoàn thành tốt nhiệm vụ" in whats
    assert "Huy hiệu 30 năm tuổi Đảng" in whats
    assert "Miễn công tác và sinh hoạt đảng: Sức khỏe yếu, bệnh" in whats
    out = next(e for e in entries if e.what == "Mất liên lạc với tổ chức đảng")
    back = next(e for e in entries if e.what == "Liên lạc lại với tổ chức đảng")
    assert (out.day, out.detail, back.day) == (D(2008, 3, 1), "Đi làm ăn xa", D(2009, 6, 1))


def test_reversed_and_cancelled_records_are_kept_struck_through(history):
    with translation.override("vi"):
        entries = timeline(history.an)
    struck = {e.what for e in entries if e.struck}
    assert struck == {
        "Giới thiệu chuyển sinh hoạt: Trong hệ thống",
        "Ra khỏi Đảng: Xóa tên",
    }
    cancelled = next(e for e in entries if e.what == "Hủy chuyển sinh hoạt")
    assert cancelled.detail == "Nhầm đơn vị"
    reversed_ = next(e for e in entries if e.what == "Hủy bỏ quyết định ra khỏi Đảng")
    assert reversed_.day == D(2020, 2, 1)


def test_person_page_shows_the_history_only_with_personal_details(client, history, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get(f"/people/{history.an.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Toàn bộ quá trình" in page and "<s>Ra khỏi Đảng: Xóa tên</s>" in page
