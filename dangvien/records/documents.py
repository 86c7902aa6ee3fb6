"""The committee's list of members proposed for a party badge as a Word document, in the
layout of the admission forms (`admission.documents`: national heading, the date line of
Hướng dẫn 36-HD/VPTW).

Mẫu 4-HHĐ "Danh sách đảng viên đề nghị tặng Huy hiệu Đảng" (Hướng dẫn 12-HD/BTCTW,
17/05/2012; the 2022 guidance, mục III.1, keeps the dossier): its columns, with the badge
of each row added since one list here covers every badge of the award day. The badge
number (Số HHĐ) is given by the province after the decision and the home town is not
recorded: both are left blank to complete by hand.
"""

import datetime as dt

from dangvien.admission.documents import (
    BLANK,
    Form,
    committee,
    day_text,
    place_of,
    render,
    unit_signature,
)
from dangvien.orgs.models import OrgUnit

from .badges import DueRow


def badge_list_docx(unit: OrgUnit, award_on: dt.date, rows: list[DueRow], day: dt.date) -> bytes:
    table = [
        [
            str(i),
            "",
            r.person.full_name,
            f"{r.years} năm",
            day_text(r.person.birth_date),
            BLANK,
            day_text(r.first_decision_on),
            day_text(r.membership.ceremony_on),
            day_text(r.membership.confirmed_on),
            r.membership.card_number or "",
            r.unit.name,
            "",
        ]
        for i, r in enumerate(rows, start=1)
    ]
    by_badge: dict[int, int] = {}
    for r in rows:
        by_badge[r.years] = by_badge.get(r.years, 0) + 1
    counts = "; ".join(f"Huy hiệu {y} năm: {n}" for y, n in sorted(by_badge.items()))
    form = Form(
        "4-HHĐ",
        "Danh sách đảng viên đề nghị tặng Huy hiệu Đảng",
        f"Tặng đợt {day_text(award_on)}",
        upper=unit.parent.name if unit.parent else "",
        issuer=committee(unit),
        place=place_of(unit),
        date=day,
        body=[f"Tổng số: {len(rows)} đảng viên" + (f" ({counts})." if counts else ".")],
        table=(
            [
                "STT",
                "Số HHĐ",
                "Họ và tên",
                "Huy hiệu",
                "Ngày sinh",
                "Quê quán",
                "Ngày quyết định kết nạp",
                "Ngày vào Đảng",
                "Ngày chính thức",
                "Số thẻ đảng viên",
                "Nơi đề nghị tặng HHĐ",
                "Ghi chú",
            ],
            table,
        ),
        widths=[1.0, 1.6, 3.3, 1.6, 2.2, 2.2, 2.3, 2.2, 2.2, 2.2, 2.9, 1.4],
        sign_for=unit_signature(unit)[0],
        sign_role=unit_signature(unit)[1],
        landscape=True,
    )
    return render(form)
