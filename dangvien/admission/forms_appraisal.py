"""Mẫu 7-KNĐ and 14-KNĐ: the sub-committee's (đảng ủy bộ phận) appraisal of a cell's
resolution, for an admission and for a confirmation (Hướng dẫn 12-HD/BTCTW, 18/01/2022,
Phụ lục 2). Only where the cell sits under a sub-committee; the text of the appraisal is
written by hand. Imported through `documents`, which lists every form.
"""

from dangvien.orgs.models import OrgUnit

from .documents import (
    BLANK,
    LINE,
    Dossier,
    Form,
    K,
    committee,
    committee_and_symbol,
    day_text,
    number,
    place_of,
    probationer,
    reference,
    when,
    who,
)


def sub_committee(d: Dossier) -> OrgUnit | None:
    parent = d.cell.parent
    return parent if parent and parent.kind == OrgUnit.Kind.SUB_COMMITTEE else None


def appraisal(code: str, subtitle: str, appraised, resolution, d: Dossier, lines, purpose):
    """A sub-committee's report: whose resolution it appraised (number and date), the
    person, the appraisal by hand, and its proposal to the grassroots committee."""
    sub = sub_committee(d)
    name, symbol = committee_and_symbol(sub) if sub else ("Đảng ủy bộ phận " + BLANK, "……")
    g = d.grassroots
    return Form(
        code,
        "Báo cáo",
        subtitle,
        upper=g.name,
        issuer=name,
        doc_number=number(appraised, f"BC/{symbol}"),
        place=place_of(d.cell),
        date=when(appraised),
        body=[
            ("Kính gửi", committee(g)),
            f"Căn cứ nghị quyết {reference(resolution)} của {d.cell.name} đề nghị {purpose}:",
            *lines,
            f"Ngày {day_text(when(appraised))}, {name} đã thẩm định hồ sơ và nghị quyết của "
            "chi bộ. Kết quả thẩm định (viết tay):",
            LINE,
            LINE,
            LINE,
            f"{name} đề nghị {committee(g)} xem xét, đề nghị cấp ủy có thẩm quyền quyết định "
            f"{purpose} đối với đồng chí {d.person.full_name}.",
        ],
        sign_for="T/M ĐẢNG ỦY BỘ PHẬN",
        sign_role="BÍ THƯ",
    )


def f7(d: Dossier) -> Form:
    return appraisal(
        "7-KNĐ",
        "thẩm định nghị quyết đề nghị kết nạp đảng viên",
        d.last(K.SUB_COMMITTEE_APPRAISAL),
        d.last(K.CELL_VOTE),
        d,
        who(d.person),
        "kết nạp vào Đảng",
    )


def f14(d: Dossier) -> Form:
    return appraisal(
        "14-KNĐ",
        "thẩm định nghị quyết đề nghị công nhận đảng viên chính thức",
        d.last(K.CONFIRMATION_SUB_COMMITTEE),
        d.last(K.CONFIRMATION_CELL_VOTE),
        d,
        probationer(d),
        "công nhận đảng viên chính thức",
    )
