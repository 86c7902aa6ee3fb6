"""The admission forms (KNĐ) and the unit lists as Word documents, from what the dossier
holds, in the party document layout: issuing body and number on the left, the Party's
name and the place and date on the right, the title, the body, the signature block.

A value the dossier does not hold is a dotted blank to complete by hand, never a guess.
The wording follows the forms of Hướng dẫn 12-HD/BTCTW (18/01/2022, Phụ lục 2: mẫu 1 to
16-KNĐ); parts the law wants in handwriting (self-review, comments) are left as ruled lines.
The layout follows Hướng dẫn 36-HD/VPTW (03/04/2018) on the form of party documents.
Personal documents (3, 10, 11-KNĐ) are written and signed by a person: the Party's name
only, no issuing body, number or recipients. 4-KNĐ is a Youth Union document and carries
its heading. Forms 7, 12, 14 and 16-KNĐ live in `forms_appraisal` and `forms_probation`.
"""

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit, unit_on
from dangvien.people.models import Person

from .models import Candidate, Event, Tag

K = Event.Kind
BLANK = "…………………"
LINE = "……………………………………………………………………………………………"


def day_text(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else BLANK


def date_line(place: str, d: dt.date | None) -> str:
    """'Pleiku, ngày 03 tháng 7 năm 2017', or blanks to write by hand.

    Hướng dẫn 36-HD/VPTW (03/04/2018), mục II.1.4 (địa danh và ngày, tháng, năm ban hành):
    a zero before a day below 10 and before months 1 and 2 only ("ngày 05 tháng 7",
    "ngày 12 tháng 02"), so that no digit can be added in front of them afterwards.
    """
    if d is None:
        return f"{place or '…………'}, ngày …… tháng …… năm 20……"
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place}, ngày {d.day:02d} tháng {month} năm {d.year}"


def or_blank(value) -> str:
    return str(value) if value not in (None, "") else BLANK


def place_of(unit: OrgUnit | None) -> str:
    """The city or province the unit sits in, as the place of the date line (the nearest
    of the two: since the 2025 reform a ward lies directly in its province)."""
    for u in reversed([*(unit.ancestors() if unit else []), *([unit] if unit else [])]):
        loc: Locality | None = u.locality
        while loc is not None:
            if loc.kind in (Locality.Kind.CITY, Locality.Kind.PROVINCE):
                return loc.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
            loc = loc.parent
    return ""


class Centered(str):
    """A body line set centred and bold ("QUYẾT ĐỊNH:")."""


@dataclass
class Form:
    """One document to lay out: heading, title, body lines, signature."""

    number: str  # "6-KNĐ"
    title: str
    subtitle: str = ""
    upper: str = ""  # the body above the issuer ("ĐẢNG BỘ PHƯỜNG HOA LƯ")
    issuer: str = ""  # "CHI BỘ TỔ DÂN PHỐ 1"
    doc_number: str = ""  # "Số: 12-NQ/CB"
    place: str = ""
    date: dt.date | None = None
    body: list[str | tuple[str, str]] = field(default_factory=list)  # text or (label, value)
    table: tuple[list[str], list[list[str]]] | None = None
    widths: list[float] = field(default_factory=list)  # of the table's columns, in cm
    sign_for: str = ""  # "T/M CHI BỘ"
    sign_role: str = ""  # "BÍ THƯ"
    sign_name: str = ""
    landscape: bool = False
    # A personal document (3, 10, 11-KNĐ): no issuing body, number or "Nơi nhận"; the
    # place and date stand above the signature, as in the forms of 12-HD/BTCTW.
    personal: bool = False
    motto: str = "ĐẢNG CỘNG SẢN VIỆT NAM"  # "ĐOÀN TNCS HỒ CHÍ MINH" on 4-KNĐ
    separator: str = "*"  # under the issuing body: "*" for the Party, "***" for the Union
    recipients: tuple[str, ...] = ("…………………,", "Lưu hồ sơ.")


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _para(cell_or_doc, text: str, *, bold=False, italic=False, size=13, align=None, under=False):
    p = cell_or_doc.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, under
    run.font.size = Pt(size)
    return p


def render(form: Form) -> bytes:
    doc = Document()
    section = doc.sections[0]
    if form.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    else:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.font.size = Pt(13)
    doc.core_properties.title = f"{form.number} {form.title}"
    doc.core_properties.subject = form.number
    _para(doc, f"Mẫu {form.number}", italic=True, size=11, align=WD_ALIGN_PARAGRAPH.RIGHT)
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(head)
    left, right = head.rows[0].cells
    left.paragraphs[0].text = ""
    right.paragraphs[0].text = ""
    center = WD_ALIGN_PARAGRAPH.CENTER
    if not form.personal:
        if form.upper:
            _para(left, form.upper.upper(), align=center, size=13)
        _para(left, (form.issuer or BLANK).upper(), bold=True, align=center)
        _para(left, form.separator, align=center)
        _para(left, form.doc_number or "Số: ……………", align=center)
    _para(right, form.motto, bold=True, under=True, align=center, size=14)
    if not form.personal:
        _para(right, "")
        _para(right, date_line(form.place, form.date), italic=True, align=center)
    _para(doc, "")
    _para(doc, form.title.upper(), bold=True, align=center, size=14)
    if form.subtitle:
        _para(doc, form.subtitle, bold=True, align=center)
    _para(doc, "")
    for item in form.body:
        if isinstance(item, tuple):
            label, value = item
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(3)
            p.add_run(f"{label}: ").bold = False
            p.add_run(value)
        elif isinstance(item, Centered):
            _para(doc, item, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        else:
            p = doc.add_paragraph(item)
            p.paragraph_format.space_after = Pt(3)
            p.paragraph_format.first_line_indent = Cm(1)
    if form.table is not None:
        headers, rows = form.table
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for cell, h in zip(t.rows[0].cells, headers, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(h)
            run.bold = True
            run.font.size = Pt(10)
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(value).font.size = Pt(10)
        if form.widths:
            t.autofit = False
            for column, width in zip(t.columns, form.widths, strict=True):
                column.width = Cm(width)  # the grid, which LibreOffice reads
            for row in t.rows:
                for cell, width in zip(row.cells, form.widths, strict=True):
                    cell.width = Cm(width)
    _para(doc, "")
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    recipients, signer = sign.rows[0].cells
    recipients.paragraphs[0].text = ""
    if not form.personal:
        _para(recipients, "Nơi nhận:", bold=True, italic=True, size=12)
        for line in form.recipients:
            _para(recipients, f"- {line}", size=11)
    signer.paragraphs[0].text = ""
    if form.personal:
        _para(signer, date_line(form.place, form.date), italic=True, align=center)
    if form.sign_for:
        _para(signer, form.sign_for, bold=True, align=center)
    _para(signer, form.sign_role or "NGƯỜI VIẾT", bold=True, align=center)
    _para(signer, "(Ký, ghi rõ họ và tên)", italic=True, align=center, size=12)
    for _ in range(3):
        _para(signer, "")
    _para(signer, form.sign_name or "……………………………", bold=True, align=center)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ----- from the dossier -------------------------------------------------------------------
@dataclass
class Dossier:
    candidate: Candidate
    events: list[Event]
    # The cell as it stood on the document's date (before a restructuring, the cell it
    # has since been carried over from); the candidate's cell when not given.
    cell_then: OrgUnit | None = None

    def last(self, kind: str) -> Event | None:
        found = [e for e in self.events if e.kind == kind]
        return found[-1] if found else None

    @property
    def person(self) -> Person:
        return self.candidate.person

    @property
    def cell(self) -> OrgUnit:
        return self.cell_then or self.candidate.cell

    @property
    def grassroots(self) -> OrgUnit:
        return self.cell.grassroots() or self.cell


def load(candidate: Candidate, code: str | None = None) -> Dossier:
    """The dossier, seen on the date of the step that fills form `code` (the bodies that
    head and sign a form are those in force on its date, not today's)."""
    events = list(candidate.events.select_related("introducer").order_by("date", "pk"))
    dossier = Dossier(candidate, events)
    kinds = dict(FORM_EVENTS).get(code or "", [])
    filled = [e for e in events if e.kind in kinds]
    if filled:
        dossier.cell_then = unit_on(candidate.cell, filled[-1].date)
    return dossier


FORM_EVENTS = [  # the checklist of a dossier: form number → the events that fill it
    ("1-KNĐ", [Event.Kind.APPLICATION]),
    ("2-KNĐ", [Event.Kind.DECLARATION]),
    ("3-KNĐ", [Event.Kind.INTRODUCTION]),
    ("4-KNĐ", [Event.Kind.YOUTH_UNION_RESOLUTION]),
    ("5-KNĐ", [Event.Kind.RESIDENCE_COMMENT]),
    ("6-KNĐ", [Event.Kind.CELL_VOTE]),
    ("7-KNĐ", [Event.Kind.SUB_COMMITTEE_APPRAISAL]),
    ("8-KNĐ", [Event.Kind.GRASSROOTS_VOTE]),
    ("9-KNĐ", [Event.Kind.DECISION]),
    ("10-KNĐ", [Event.Kind.SELF_REVIEW]),
    ("11-KNĐ", [Event.Kind.HELPER_COMMENT]),
    ("12-KNĐ", [Event.Kind.CONFIRMATION_RESIDENCE]),
    ("13-KNĐ", [Event.Kind.CONFIRMATION_CELL_VOTE]),
    ("14-KNĐ", [Event.Kind.CONFIRMATION_SUB_COMMITTEE]),
    ("15-KNĐ", [Event.Kind.CONFIRMATION_GRASSROOTS_VOTE]),
    ("16-KNĐ", [Event.Kind.CONFIRMATION_DECISION]),
]


def who(p: Person) -> list[tuple[str, str]]:
    return [
        ("Họ và tên", p.full_name),
        ("Ngày sinh", day_text(p.birth_date)),
        ("Giới tính", "Nữ" if p.sex == "F" else "Nam"),
        ("Dân tộc", p.ethnicity.name),
        ("Tôn giáo", p.religion.name),
        ("Nơi cư trú", p.residence.long_name if p.residence else BLANK),
    ]


COUNTED = {
    "cell": "Tổng số đảng viên chính thức",
    "committee": "Tổng số cấp ủy viên",  # 8-KNĐ, 15-KNĐ: the grassroots committee's members
    "youth": "Tổng số ủy viên Ban Chấp hành Đoàn",  # 4-KNĐ
}


def votes(e: Event | None, body: str = "cell") -> list[str]:
    counted = COUNTED[body]
    if e is None:
        return [
            f"{counted}: {BLANK}; có mặt: {BLANK}.",
            f"Số đồng ý: {BLANK}; không đồng ý: {BLANK}.",
        ]
    against = (
        str(e.present - e.in_favour) if e.present is not None and e.in_favour is not None else BLANK
    )
    total = e.full_members if body == "cell" else e.committee_members
    share = ""
    if total and e.in_favour is not None:
        # One decimal, Vietnamese comma: 4 of 6 is 66,7 % (two thirds), never "66 %".
        pct = f"{e.in_favour * 100 / total:.1f}".removesuffix(".0").replace(".", ",")
        share = f" ({pct}% so với tổng số)"
    return [
        f"{counted}: {or_blank(total)}; có mặt: {or_blank(e.present)}.",
        f"Số đồng ý: {or_blank(e.in_favour)}{share}; không đồng ý: {against}.",
    ]


def cell_heading(d: Dossier) -> dict:
    parent = d.cell.parent
    return {
        "upper": f"Đảng bộ {parent.name.removeprefix('Đảng bộ ')}" if parent else "",
        "issuer": d.cell.name,
        "place": place_of(d.cell),
    }


def grassroots_heading(d: Dossier) -> dict:
    g = d.grassroots
    upper = g.parent.name if g.parent else ""
    return {"upper": upper, "issuer": committee(g), "place": place_of(g)}


@dataclass(frozen=True)
class Decider:
    """The committee that decides an admission or a confirmation (9 and 16-KNĐ)."""

    upper: str  # the organisation above it, first line of the heading
    name: str  # "Thành ủy Pleiku"
    symbol: str  # "TU": "456-QĐ/TU"
    enacting: str  # the line above "Căn cứ …": "BAN THƯỜNG VỤ THÀNH ỦY PLEIKU"
    sign_for: str  # "T/M BAN THƯỜNG VỤ"


def decider(d: Dossier, e: Event | None) -> Decider:
    """Who decides, from the unit tree: the standing committee of the committee directly
    above the grassroots organisation, or, where it is authorised to admit, the grassroots
    committee itself as a body (Quy định 29-QĐ/TW, 25/07/2016, điểm 4.3.2 a-b, kept by
    24-QĐ/TW and 232-QĐ/TW: "Đảng ủy cơ sở được ủy quyền kết nạp đảng viên: do tập thể
    đảng ủy cơ sở xem xét, quyết định"; "cấp ủy cấp trên trực tiếp của tổ chức cơ sở đảng:
    do ban thường vụ xem xét, quyết định"). The tree holds no authorisation; the dossier
    shows it when the recorded decision carries the grassroots committee's own symbol
    ("12-QĐ/ĐU") and not the superior's."""
    g = d.grassroots
    own_name, own_symbol = committee_and_symbol(g)
    superior = g.parent
    recorded = (e.document_number if e else "").strip().upper()
    if superior is not None:
        name, symbol = committee_and_symbol(superior)
        authorised = (
            g.kind == OrgUnit.Kind.GRASSROOTS_COMMITTEE
            and own_symbol != symbol
            and recorded.endswith("/" + own_symbol)
        )
        if not authorised:
            upper = superior.parent.name if superior.parent else ""
            return Decider(
                upper, name, symbol, f"BAN THƯỜNG VỤ {name}".upper(), "T/M BAN THƯỜNG VỤ"
            )
    upper = superior.name if superior else ""
    return Decider(upper, own_name, own_symbol, own_name.upper(), "T/M ĐẢNG ỦY")


def number(e: Event | None, suffix: str) -> str:
    return f"Số: {e.document_number}" if e and e.document_number else f"Số: ……-{suffix}"


def when(e: Event | None) -> dt.date | None:
    """The date of a recorded step, None (a blank on the form) when not recorded."""
    return e.date if e else None


def f3(d: Dossier) -> Form:
    e = d.last(K.INTRODUCTION)
    intro = e.introducer if e else None
    m = (
        intro.memberships.filter(exit_on__isnull=True).order_by("-ceremony_on").first()
        if intro
        else None
    )
    return Form(
        "3-KNĐ",
        "Giấy giới thiệu người vào Đảng",
        date=when(e),
        place=place_of(d.cell),
        personal=True,
        body=[
            ("Kính gửi", d.cell.name),
            ("Tôi là", intro.full_name if intro else BLANK),
            ("Vào Đảng ngày", day_text(m.ceremony_on if m else None)),
            ("Chính thức ngày", day_text(m.confirmed_on if m else None)),
            ("Sinh hoạt tại", d.cell.name),
            ("Giới thiệu quần chúng", d.person.full_name),
            ("Sinh ngày", day_text(d.person.birth_date)),
            (
                "Cùng công tác, học tập hoặc cư trú từ",
                day_text(e.worked_together_since if e else None),
            ),
            "Qua thời gian công tác, rèn luyện cùng nhau, tôi báo cáo với chi bộ về lịch sử "
            "chính trị, phẩm chất chính trị, đạo đức, lối sống, năng lực công tác, quan hệ "
            "quần chúng, ưu điểm, khuyết điểm của người vào Đảng (viết tay):",
            LINE,
            LINE,
            LINE,
            "Tôi giới thiệu quần chúng có tên trên vào Đảng Cộng sản Việt Nam và chịu trách "
            "nhiệm trước Đảng về sự giới thiệu của mình.",
        ],
        sign_role="NGƯỜI GIỚI THIỆU",
        sign_name=intro.full_name if intro else "",
    )


def f4(d: Dossier) -> Form:
    e = d.last(K.YOUTH_UNION_RESOLUTION)
    return Form(
        "4-KNĐ",
        "Nghị quyết",
        "giới thiệu đoàn viên ưu tú vào Đảng",
        # A Youth Union document: the Union's heading on the right, "***" under the issuing
        # body (Quy định về thể thức văn bản của Đoàn, Quyết định 367-QĐ/TWĐTN, 29/10/2013).
        motto="ĐOÀN TNCS HỒ CHÍ MINH",
        separator="***",
        upper="Đoàn " + BLANK,
        issuer="Ban Chấp hành Đoàn " + BLANK,
        doc_number=number(e, "NQ/ĐTN"),
        place=place_of(d.cell),
        date=when(e),
        body=[
            f"Ngày {day_text(when(e))}, Ban Chấp hành Đoàn đã họp xét, giới "
            "thiệu đoàn viên ưu tú vào Đảng.",
            *votes(e, "youth"),
            ("Giới thiệu đoàn viên", ""),
            *who(d.person),
            ("Gửi", d.cell.name),
        ],
        sign_for="T/M BAN CHẤP HÀNH",
        sign_role="BÍ THƯ",
    )


def f5(d: Dossier) -> Form:
    e = d.last(K.RESIDENCE_COMMENT)
    residence = d.person.residence
    return Form(
        "5-KNĐ",
        "Tổng hợp ý kiến nhận xét",
        "của tổ chức đoàn thể và chi bộ nơi cư trú đối với người vào Đảng",
        **cell_heading(d),
        doc_number=number(e, "BC/CB"),  # a report (báo cáo) of the cell
        date=when(e),
        body=[
            *who(d.person),
            ("Nơi lấy ý kiến", residence.long_name if residence else BLANK),
            ("Ngày lấy ý kiến", day_text(when(e))),
            ("Ghi chú", e.note if e and e.note else BLANK),
            "Tổng hợp ý kiến nhận xét (ưu điểm, khuyết điểm, kiến nghị):",
            LINE,
            LINE,
            LINE,
        ],
        sign_for="T/M CHI ỦY (CHI BỘ)",
        sign_role="BÍ THƯ",
    )


def resolution(code: str, subtitle: str, e: Event | None, by_cell: bool, d: Dossier, body):
    """A resolution (6, 8, 13, 15-KNĐ): of the cell or of the grassroots committee, its
    number and date from the vote recorded, the votes after the body's opening lines."""
    heading = cell_heading(d) if by_cell else grassroots_heading(d)
    opening, closing = body
    return Form(
        code,
        "Nghị quyết",
        subtitle,
        **heading,
        doc_number=number(e, "NQ/CB" if by_cell else "NQ/ĐU"),
        date=when(e),
        body=[*opening, *votes(e, "cell" if by_cell else "committee"), closing],
        sign_for="T/M CHI BỘ" if by_cell else "T/M ĐẢNG ỦY",
        sign_role="BÍ THƯ",
    )


def f6(d: Dossier) -> Form:
    e = d.last(K.CELL_VOTE)
    opening = [
        f"Ngày {day_text(when(e))}, {d.cell.name} đã họp để xét đề nghị kết nạp quần chúng "
        "sau vào Đảng:",
        *who(d.person),
    ]
    closing = (
        f"{d.cell.name} đề nghị {d.grassroots.name} xét, đề nghị cấp ủy có thẩm quyền "
        f"kết nạp quần chúng {d.person.full_name} vào Đảng Cộng sản Việt Nam."
    )
    return resolution("6-KNĐ", "đề nghị kết nạp đảng viên", e, True, d, (opening, closing))


def f8(d: Dossier) -> Form:
    e = d.last(K.GRASSROOTS_VOTE)
    opening = [
        f"Ngày {day_text(when(e))}, {committee(d.grassroots)} đã xét đề nghị của "
        f"{d.cell.name} về việc kết nạp quần chúng:",
        *who(d.person),
    ]
    closing = (
        "Đảng ủy đề nghị cấp ủy có thẩm quyền xét, quyết định kết nạp quần chúng có tên "
        "trên vào Đảng Cộng sản Việt Nam."
    )
    return resolution("8-KNĐ", "đề nghị kết nạp đảng viên", e, False, d, (opening, closing))


def f9(d: Dossier) -> Form:
    e = d.last(K.DECISION)
    g = d.grassroots
    body = decider(d, e)
    proposal = d.last(K.GRASSROOTS_VOTE) or d.last(K.CELL_VOTE)
    return Form(
        "9-KNĐ",
        "Quyết định",
        "kết nạp đảng viên",
        upper=body.upper,
        issuer=body.name,
        doc_number=number(e, f"QĐ/{body.symbol}"),
        place=place_of(g),
        date=when(e),
        body=[
            Centered(body.enacting),
            "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
            "- Căn cứ quy định, hướng dẫn của Trung ương về thi hành Điều lệ Đảng;",
            f"- Xét đề nghị của {proposer(d)} tại nghị quyết "
            f"{reference(proposal)} và đề nghị của Ban Tổ chức,",
            Centered("QUYẾT ĐỊNH:"),
            f"Điều 1. Kết nạp quần chúng {d.person.full_name}, sinh ngày "
            f"{day_text(d.person.birth_date)}, nơi cư trú: "
            f"{d.person.residence.long_name if d.person.residence else BLANK}, "
            "vào Đảng Cộng sản Việt Nam.",
            "Điều 2. Thời gian dự bị 12 tháng, kể từ ngày chi bộ tổ chức lễ kết nạp.",
            f"Điều 3. {committee(g)}, {d.cell.name} và đồng chí có tên trên thi hành "
            "quyết định này.",
        ],
        sign_for=body.sign_for,
        sign_role="BÍ THƯ",
        recipients=("Như Điều 3,", "Lưu hồ sơ đảng viên."),
    )


def proposer(d: Dossier) -> str:
    """Whose resolution the decision answers: the grassroots committee, or a grassroots
    cell's own resolution where there is no committee in between."""
    return d.cell.name if d.cell.kind == OrgUnit.Kind.GRASSROOTS_CELL else committee(d.grassroots)


def reference(e: Event | None) -> str:
    """'số 31-NQ/ĐU ngày 06/08/2018', blanks for what the dossier does not hold."""
    number_text = e.document_number if e and e.document_number else BLANK
    return f"số {number_text} ngày {day_text(when(e))}"


def probation(d: Dossier) -> Membership | None:
    return d.candidate.membership


def f10(d: Dossier) -> Form:
    e = d.last(K.SELF_REVIEW)
    m = probation(d)
    return Form(
        "10-KNĐ",
        "Bản tự kiểm điểm",
        "của đảng viên dự bị",
        place=place_of(d.cell),
        personal=True,
        date=when(e),
        body=[
            ("Kính gửi", d.cell.name),
            ("Họ và tên", d.person.full_name),
            ("Ngày sinh", day_text(d.person.birth_date)),
            ("Ngày vào Đảng", day_text(m.ceremony_on if m else None)),
            ("Sinh hoạt tại", d.cell.name),
            "Tự kiểm điểm trong thời gian dự bị (viết tay): nhận thức, phẩm chất chính trị, "
            "đạo đức, lối sống, thực hiện nhiệm vụ, ưu điểm, khuyết điểm, hướng khắc phục.",
            LINE,
            LINE,
            LINE,
            LINE,
        ],
        sign_role="NGƯỜI TỰ KIỂM ĐIỂM",
        sign_name=d.person.full_name,
    )


def f11(d: Dossier) -> Form:
    e = d.last(K.HELPER_COMMENT)
    m = probation(d)
    helper = (e.introducer if e and e.introducer else None) or d.candidate.helper
    return Form(
        "11-KNĐ",
        "Bản nhận xét đảng viên dự bị",
        "của đảng viên chính thức được phân công giúp đỡ",
        place=place_of(d.cell),
        personal=True,
        date=when(e),
        body=[
            ("Kính gửi", d.cell.name),
            ("Người nhận xét", helper.full_name if helper else BLANK),
            ("Đảng viên dự bị", d.person.full_name),
            ("Ngày vào Đảng", day_text(m.ceremony_on if m else None)),
            "Nhận xét trong thời gian dự bị (viết tay):",
            LINE,
            LINE,
            LINE,
        ],
        sign_role="NGƯỜI NHẬN XÉT",
        sign_name=helper.full_name if helper else "",
    )


def f13(d: Dossier) -> Form:
    e = d.last(K.CONFIRMATION_CELL_VOTE)
    opening = [
        f"Ngày {day_text(when(e))}, {d.cell.name} đã họp xét đề nghị công nhận đảng viên "
        "chính thức cho đảng viên dự bị:",
        *probationer(d),
    ]
    closing = (
        f"{d.cell.name} đề nghị cấp ủy có thẩm quyền công nhận đồng chí "
        f"{d.person.full_name} là đảng viên chính thức."
    )
    return resolution(
        "13-KNĐ", "đề nghị công nhận đảng viên chính thức", e, True, d, (opening, closing)
    )


def f15(d: Dossier) -> Form:
    e = d.last(K.CONFIRMATION_GRASSROOTS_VOTE)
    opening = [
        f"Ngày {day_text(when(e))}, {committee(d.grassroots)} đã xét đề nghị của "
        f"{d.cell.name} về việc công nhận đảng viên chính thức:",
        *probationer(d),
    ]
    closing = "Đề nghị cấp ủy có thẩm quyền quyết định công nhận đảng viên chính thức."
    return resolution(
        "15-KNĐ", "đề nghị công nhận đảng viên chính thức", e, False, d, (opening, closing)
    )


def probationer(d: Dossier) -> list[tuple[str, str]]:
    m = probation(d)
    return [
        ("Họ và tên", d.person.full_name),
        ("Ngày sinh", day_text(d.person.birth_date)),
        ("Ngày vào Đảng", day_text(m.ceremony_on if m else None)),
    ]


def file_name(code: str, person: Person) -> str:
    from dangvien.core.text import search_key

    return f"{code.replace('Đ', 'D')}-{search_key(person.full_name).replace(' ', '-')}.docx"


# Forms made only where the cell sits under a sub-committee (đảng ủy bộ phận).
SUB_COMMITTEE_FORMS = ("7-KNĐ", "14-KNĐ")


def applicable(candidate: Candidate) -> list[str]:
    """The forms of this dossier: every form, 7 and 14-KNĐ only under a sub-committee."""
    parent = candidate.cell.parent
    under_sub = parent is not None and parent.kind == OrgUnit.Kind.SUB_COMMITTEE
    return [code for code in FORMS if under_sub or code not in SUB_COMMITTEE_FORMS]


def form_docx(candidate: Candidate, code: str) -> bytes:
    return render(FORMS[code](load(candidate, code)))


def forms_zip(candidate: Candidate) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for code in applicable(candidate):
            z.writestr(
                file_name(code, candidate.person), render(FORMS[code](load(candidate, code)))
            )
    return out.getvalue()


# ----- unit lists -------------------------------------------------------------------------
def candidate_list_docx(unit: OrgUnit, candidates: list[Candidate], day: dt.date) -> bytes:
    tags = dict(Tag.choices)
    rows = []
    for i, c in enumerate(candidates, start=1):
        p = c.person
        rows.append(
            [
                str(i),
                p.full_name,
                day_text(p.birth_date),
                "Nữ" if p.sex == "F" else "Nam",
                p.ethnicity.name,
                p.religion.name,
                p.residence.long_name if p.residence else "",
                c.cell.name,
                day_text(c.listed_on),
                "; ".join(str(tags[t.tag]) for t in c.tags.all()),
                c.helper.full_name if c.helper else "",
                str(c.get_stage_display()),
            ]
        )
    form = Form(
        "DS-QCƯT",
        "Danh sách quần chúng ưu tú",
        f"(nguồn phát triển đảng viên) đến ngày {day_text(day)}",
        upper=unit.parent.name if unit.parent else "",
        issuer=committee(unit),
        place=place_of(unit),
        date=day,
        body=[f"Tổng số: {len(rows)} quần chúng."],
        table=(
            [
                "STT",
                "Họ và tên",
                "Ngày sinh",
                "Giới tính",
                "Dân tộc",
                "Tôn giáo",
                "Nơi cư trú",
                "Chi bộ",
                "Vào danh sách",
                "Nhóm ưu tiên",
                "Người giúp đỡ",
                "Giai đoạn",
            ],
            rows,
        ),
        widths=[1.1, 3.3, 2.3, 1.3, 1.4, 1.5, 2.8, 2.5, 2.3, 2.4, 2.3, 2.3],
        sign_for=unit_signature(unit)[0],
        sign_role=unit_signature(unit)[1],
        landscape=True,
    )
    return render(form)


# The executive committee of an organisation above grassroots level, by the organisation's
# name, and the symbol that ends its documents' numbers (Hướng dẫn 36-HD/VPTW, 03/04/2018,
# mục II.1.3: the issuing body's abbreviation after the kind, "456-QĐ/TU").
COMMITTEES = (
    ("Đảng bộ tỉnh ", "Tỉnh ủy ", "TU"),
    ("Đảng bộ thành phố ", "Thành ủy ", "TU"),
    ("Đảng bộ thị xã ", "Thị ủy ", "TU"),
    ("Đảng bộ quận ", "Quận ủy ", "QU"),
    ("Đảng bộ huyện ", "Huyện ủy ", "HU"),
    ("Đảng bộ khối ", "Đảng ủy Khối ", "ĐUK"),
)


def committee_and_symbol(unit: OrgUnit) -> tuple[str, str]:
    """The body that signs for a unit and its number symbol: 'Đảng bộ thành phố Pleiku' →
    ('Thành ủy Pleiku', 'TU'); 'Đảng bộ phường X' → ('Đảng ủy phường X', 'ĐU'); a cell
    signs in its own name ('CB'). A sub-committee's symbol is left to write by hand."""
    name = unit.name
    if unit.kind == OrgUnit.Kind.SUPERIOR:
        for prefix, title, symbol in COMMITTEES:
            if name.lower().startswith(prefix.lower()):
                return title + name[len(prefix) :], symbol
    if name.startswith("Đảng bộ "):
        symbol = "……" if unit.kind == OrgUnit.Kind.SUB_COMMITTEE else "ĐU"
        return "Đảng ủy " + name.removeprefix("Đảng bộ "), symbol
    if unit.kind in (OrgUnit.Kind.SUPERIOR, OrgUnit.Kind.GRASSROOTS_COMMITTEE):
        return name, "ĐU"
    return name, "CB"


def committee(unit: OrgUnit) -> str:
    """The body that signs for a unit: 'Đảng bộ phường X' → 'Đảng ủy phường X'."""
    return committee_and_symbol(unit)[0]


def unit_signature(unit: OrgUnit) -> tuple[str, str]:
    """Who signs a unit's list, by the unit's kind: 'T/M CHI BỘ' and 'BÍ THƯ' for a cell,
    'T/M ĐẢNG ỦY' for a grassroots committee, 'T/M BAN THƯỜNG VỤ' above grassroots level."""
    k = OrgUnit.Kind
    return {
        k.SUPERIOR: ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
        k.GRASSROOTS_COMMITTEE: ("T/M ĐẢNG ỦY", "BÍ THƯ"),
        k.SUB_COMMITTEE: ("T/M ĐẢNG ỦY BỘ PHẬN", "BÍ THƯ"),
        k.GRASSROOTS_CELL: ("T/M CHI BỘ", "BÍ THƯ"),
        k.CELL: ("T/M CHI BỘ", "BÍ THƯ"),
        k.PARTY_GROUP: ("", "TỔ TRƯỞNG"),
    }[OrgUnit.Kind(unit.kind)]


def card_list_docx(unit: OrgUnit, memberships: list[Membership], day: dt.date) -> bytes:
    """Mẫu 1-TĐV: full members of the unit proposed for (or holding) a party card."""
    units = dict(
        Stint.objects.filter(membership__in=memberships)
        .order_by("start_on")
        .values_list("membership_id", "unit__name")
    )
    rows = [
        [
            str(i),
            m.person.full_name,
            day_text(m.person.birth_date),
            "Nữ" if m.person.sex == "F" else "Nam",
            units.get(m.pk, ""),
            day_text(m.ceremony_on),
            day_text(m.confirmed_on),
            m.card_number or "",
            "",
        ]
        for i, m in enumerate(memberships, start=1)
    ]
    form = Form(
        "1-TĐV",
        "Danh sách đề nghị cấp thẻ đảng viên",
        f"đến ngày {day_text(day)}",
        upper=unit.parent.name if unit.parent else "",
        issuer=committee(unit),
        place=place_of(unit),
        date=day,
        body=[f"Tổng số: {len(rows)} đảng viên."],
        table=(
            [
                "STT",
                "Họ và tên",
                "Ngày sinh",
                "Giới tính",
                "Chi bộ",
                "Ngày vào Đảng",
                "Ngày chính thức",
                "Số thẻ",
                "Ghi chú",
            ],
            rows,
        ),
        widths=[1.1, 4.5, 2.4, 1.6, 4.1, 2.6, 2.6, 2.6, 3.5],
        sign_for=unit_signature(unit)[0],
        sign_role=unit_signature(unit)[1],
        landscape=True,
    )
    return render(form)


# The added forms build on the layout and helpers above (imported last: they
# use every helper of this module).
from .forms_appraisal import f7, f14  # noqa: E402
from .forms_probation import f12, f16  # noqa: E402

FORMS: dict[str, Callable[[Dossier], Form]] = {
    "3-KNĐ": f3,
    "4-KNĐ": f4,
    "5-KNĐ": f5,
    "6-KNĐ": f6,
    "7-KNĐ": f7,
    "8-KNĐ": f8,
    "9-KNĐ": f9,
    "10-KNĐ": f10,
    "11-KNĐ": f11,
    "12-KNĐ": f12,
    "13-KNĐ": f13,
    "14-KNĐ": f14,
    "15-KNĐ": f15,
    "16-KNĐ": f16,
}
