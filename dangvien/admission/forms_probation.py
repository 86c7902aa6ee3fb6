"""Mẫu 12-KNĐ (comments of the residence and mass organisations on a probationary member)
and 16-KNĐ (decision confirming full membership), Hướng dẫn 12-HD/BTCTW (18/01/2022),
Phụ lục 2. Imported through `documents`, which lists every form.
"""

from .documents import (
    BLANK,
    LINE,
    Centered,
    Dossier,
    Form,
    K,
    cell_heading,
    committee,
    day_text,
    decider,
    number,
    place_of,
    probation,
    probationer,
    proposer,
    reference,
    when,
)


def f12(d: Dossier) -> Form:
    e = d.last(K.CONFIRMATION_RESIDENCE)
    residence = d.person.residence
    return Form(
        "12-KNĐ",
        "Tổng hợp ý kiến nhận xét",
        "của tổ chức đoàn thể và chi bộ nơi cư trú đối với đảng viên dự bị",
        **cell_heading(d),
        doc_number=number(e, "BC/CB"),
        date=when(e),
        body=[
            *probationer(d),
            ("Nơi lấy ý kiến", residence.long_name if residence else BLANK),
            ("Ngày lấy ý kiến", day_text(when(e))),
            ("Ghi chú", e.note if e and e.note else BLANK),
            "Tổng hợp ý kiến nhận xét trong thời gian dự bị (ưu điểm, khuyết điểm, kiến nghị):",
            LINE,
            LINE,
            LINE,
        ],
        sign_for="T/M CHI ỦY (CHI BỘ)",
        sign_role="BÍ THƯ",
    )


def f16(d: Dossier) -> Form:
    e = d.last(K.CONFIRMATION_DECISION)
    body = decider(d, e)
    proposal = d.last(K.CONFIRMATION_GRASSROOTS_VOTE) or d.last(K.CONFIRMATION_CELL_VOTE)
    m = probation(d)
    # The date of full membership is the one the membership records (the exact end of the
    # 12 months), a blank until the decision has been recorded.
    full_on = m.confirmed_on if m and e else None
    return Form(
        "16-KNĐ",
        "Quyết định",
        "công nhận đảng viên chính thức",
        upper=body.upper,
        issuer=body.name,
        doc_number=number(e, f"QĐ/{body.symbol}"),
        place=place_of(d.grassroots),
        date=when(e),
        body=[
            Centered(body.enacting),
            "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
            "- Căn cứ quy định, hướng dẫn của Trung ương về thi hành Điều lệ Đảng;",
            f"- Căn cứ quyết định kết nạp đảng viên {reference(d.last(K.DECISION))};",
            f"- Xét đề nghị của {proposer(d)} tại nghị quyết {reference(proposal)} và đề "
            "nghị của Ban Tổ chức,",
            Centered("QUYẾT ĐỊNH:"),
            f"Điều 1. Công nhận đồng chí {d.person.full_name}, sinh ngày "
            f"{day_text(d.person.birth_date)}, vào Đảng ngày "
            f"{day_text(m.ceremony_on if m else None)}, là đảng viên chính thức kể từ ngày "
            f"{day_text(full_on)}.",
            f"Điều 2. {committee(d.grassroots)}, {d.cell.name} và đồng chí có tên trên thi "
            "hành quyết định này.",
        ],
        sign_for=body.sign_for,
        sign_role="BÍ THƯ",
        recipients=("Như Điều 2,", "Lưu hồ sơ đảng viên."),
    )
