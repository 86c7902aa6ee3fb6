"""The periodic report draft as a Word document: the chosen unit's figures for the period
in sentences, in the party document layout of `dangvien.admission.documents` (issuing
committee, number, place and date, title, signature), ready for an officer to edit.

Every figure comes from the report functions the pages use: `structure()` (members and
structure), `development()` and `targets_report()` (admissions in the period, the year and
the term against target), `coverage()` (localities, cells, tái trắng), `alerts()`
(pipeline deadlines) and `transfer_alerts()` (transfers not received in time). The
dashboard's charts are SVG, which Word cannot take from python-docx; the same two charts
(members on 1 January of each year, admissions per month) are drawn here as PNG with
Pillow, each followed by its figures in a sentence.
"""

import datetime as dt
import io
import math
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm
from PIL import Image, ImageDraw, ImageFont

from dangvien.admission.documents import (
    LINE,
    Centered,
    Form,
    committee_and_symbol,
    place_of,
    render,
    unit_signature,
)
from dangvien.orgs.models import OrgUnit

from .pdf import FORECASTS, font_file, number, percent

CHART = "[[biểu đồ: {}]]"  # a paragraph the chart's picture replaces
NAMES_SHOWN = 10  # localities named in a sentence; the rest counted


def day_vi(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def names(items: list[dict]) -> str:
    shown = ", ".join(
        f"{x['name']} {x['commune'][:1].lower()}{x['commune'][1:]}"  # "Thôn 6 xã Biển Hồ"
        if x.get("commune")
        else x["name"]
        for x in items[:NAMES_SHOWN]
    )
    more = len(items) - NAMES_SHOWN
    return f"{shown} và {more} nơi khác" if more > 0 else shown


def term_name(name: str) -> str:
    """'Nhiệm kỳ 2015–2020' as it is, '2015–2020' as 'Nhiệm kỳ 2015–2020'."""
    return name if name.lower().startswith("nhiệm kỳ") else f"Nhiệm kỳ {name}"


@dataclass
class Draft:
    """The sections' sentences and the charts' data, before layout (the tests read it)."""

    unit: OrgUnit
    start: dt.date
    end: dt.date
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    charts: dict[str, tuple[str, list[str], list[int]]] = field(default_factory=dict)


def draft(unit: OrgUnit, start: dt.date, end: dt.date, user=None) -> Draft:
    from dangvien.admission.deadlines import alerts
    from dangvien.admission.models import Candidate, Stage
    from dangvien.targets.models import SHARES, Term
    from dangvien.targets.pace import targets_report

    from .coverage import coverage
    from .dashboard import history_start, members_on_days, month_labels
    from .development import development
    from .structure import SMALL_GROUP, for_viewer, structure

    d = Draft(unit, start, end)
    # I. Members and structure.
    s = structure(unit, end)
    if user is not None:
        s, _other = for_viewer(user, s)
    f, pct = s.figures, s.pct
    members = [
        f"Đến ngày {day_vi(end)}, {unit.name} có {number(f['members'])} đảng viên "
        f"(chính thức {number(f['official'])}, dự bị {number(f['probationary'])}), "
        f"sinh hoạt ở {number(f['grassroots_orgs'])} tổ chức cơ sở đảng và "
        f"{number(f['cells'])} chi bộ trực thuộc.",
        (
            f"Về cơ cấu: trình độ cao đẳng trở lên {number(f['college_or_higher'])} "
            f"({percent(pct['college_or_higher'])}); cơ cấu theo giới tính, độ tuổi, dân tộc, "
            f"tôn giáo không nêu vì đơn vị có dưới {SMALL_GROUP} đảng viên."
        )
        if s.withheld
        else f"Về cơ cấu: đảng viên nữ {number(f['women'])} ({percent(pct['women'])}); "
        f"dân tộc thiểu số {number(f['ethnic_minority'])} ({percent(pct['ethnic_minority'])}); "
        f"có đạo {number(f['religious'])} ({percent(pct['religious'])}); "
        f"trong độ tuổi thanh niên (đến 30 tuổi) {number(f['youth'])} "
        f"({percent(pct['youth'])}); trình độ cao đẳng trở lên "
        f"{number(f['college_or_higher'])} ({percent(pct['college_or_higher'])})"
        + (f"; tuổi bình quân {number(s.average_age)}." if s.average_age is not None else "."),
    ]
    # As the dashboard's chart: the unit's history, its predecessors' before it began.
    years = list(range(history_start(unit, end), end.year + 1))
    days = [dt.date(y, 1, 1) for y in years if dt.date(y, 1, 1) < end] + [end]
    counts = members_on_days(unit, days)
    d.charts["members"] = (
        "Số đảng viên ngày 01 tháng 01 hằng năm và ngày báo cáo",
        [str(x.year) if x != end else day_vi(end) for x in days],
        [counts[x] for x in days],
    )
    members.append(CHART.format("members"))
    d.sections.append(("Tình hình đảng viên và cơ cấu", members))
    # II. Admissions: the period, the year, the term against target.
    r = development(unit, start, end)
    admitted = [
        f"Từ ngày {day_vi(start)} đến ngày {day_vi(end)}, toàn đảng bộ kết nạp "
        f"{number(r.admitted)} đảng viên mới; công nhận {number(r.confirmed)} đảng viên "
        f"chính thức; xóa tên {number(r.struck_off)} đảng viên dự bị."
    ]
    ranked = sorted((o for o in r.by_org if o["admitted"]), key=lambda o: -o["admitted"])
    if ranked:
        admitted.append(
            "Các tổ chức cơ sở đảng kết nạp nhiều nhất: "
            + ", ".join(f"{o['name']} ({number(o['admitted'])})" for o in ranked[:5])
            + "."
        )
    year_start = dt.date(end.year, 1, 1)
    if year_start != start:
        in_year = development(unit, year_start, end).admitted
        admitted.append(f"Từ đầu năm {end.year} đến nay kết nạp {number(in_year)} đảng viên.")
    per_month = {m["month"]: m["admitted"] for m in r.by_month}
    months = month_labels(start, end)  # every month of the period, none left out
    d.charts["admissions"] = (
        "Số đảng viên kết nạp theo tháng",
        [m[5:] + "/" + m[2:4] for m in months],
        [per_month.get(m, 0) for m in months],
    )
    admitted.append(CHART.format("admissions"))
    own = [p for p in targets_report(unit, end) if p.target.unit_id == unit.pk]
    own.sort(key=lambda p: p.target.metric != "ADMITTED")  # the admissions target first
    if not own:
        admitted.append("Chưa có chỉ tiêu nhiệm kỳ cho đơn vị này trong thời gian báo cáo.")
    for p in own:
        t = p.target
        name = str(t.get_metric_display())
        if t.metric == "ADMITTED":
            admitted.append(
                f"{term_name(t.term.name)}, chỉ tiêu kết nạp {number(float(t.value))} đảng viên; "
                f"đến ngày {day_vi(end)} đã kết nạp {number(p.actual)}, đạt "
                f"{percent(p.pct)} chỉ tiêu, trong khi thời gian nhiệm kỳ đã qua "
                f"{percent(p.elapsed_pct)}; cần kết nạp bình quân "
                f"{number(p.needed_per_month)} đảng viên mỗi tháng; dự báo: "
                f"{FORECASTS[p.forecast].lower()}."
            )
        else:
            fmt = percent if t.metric in SHARES else number
            admitted.append(
                f"Chỉ tiêu “{name}” ({term_name(t.term.name).lower()}): {fmt(float(t.value))}, "
                f"thực hiện {fmt(p.actual)}; dự báo: {FORECASTS[p.forecast].lower()}."
            )
    d.sections.append(("Kết quả kết nạp đảng viên", admitted))
    # III. Coverage and tái trắng.
    # Tái trắng since the start of the unit's term running on the report's date, if any.
    term = Term.objects.filter(unit=unit, start__lte=end, end__gte=end).first()
    c = coverage(unit, end, term.start if term else None)
    since = f"Từ ngày {day_vi(c.since)} đến nay" if c.since.year > 1900 else "Đến nay"
    places = [
        f"Trên địa bàn có {number(len(c.localities))} thôn, làng, tổ dân phố; "
        f"{number(len(c.without_members))} nơi chưa có đảng viên"
        + (f" ({names(c.without_members)})" if c.without_members else "")
        + f"; {number(len(c.without_own_cell))} nơi chưa có chi bộ riêng.",
        f"{since} có {number(len(c.relapsed))} nơi tái trắng "
        "đảng viên"
        + (f" ({names(c.relapsed)})" if c.relapsed else "")
        + f"; {number(len(c.at_risk))} nơi có nguy cơ tái trắng (chỉ còn một, hai đảng "
        "viên hoặc các đảng viên đều trên 65 tuổi).",
        f"Có {number(len(c.cells_too_small))} chi bộ dưới 3 đảng viên chính thức và "
        f"{number(len(c.cells_due_committee))} chi bộ có từ 9 đảng viên chính thức trở lên "
        "chưa có chi ủy.",
    ]
    d.sections.append(("Thôn, làng, tổ dân phố chưa có đảng viên, tái trắng", places))
    # IV. The pipeline and its deadlines.
    candidates = (
        Candidate.objects.visible_to(user) if user is not None else Candidate.objects.all()
    ).filter(cell__path__startswith=unit.path)
    by_stage = dict(
        candidates.not_yet_admitted().values_list("stage").annotate(n=Count("id")).order_by()
    )
    followed = dict(
        candidates.admitted_open().values_list("stage").annotate(n=Count("id")).order_by()
    )
    found = alerts(candidates, end)
    # Dossiers (a dossier with two late steps counted once); a step's deadline only: an
    # introducer who left the cell has no deadline and is said apart.
    overdue = len({a.candidate.pk for a in found if a.overdue and a.due is not None})
    soon = len(
        {
            a.candidate.pk
            for a in found
            if not a.overdue and a.due and a.due <= end + dt.timedelta(days=30)
        }
    )
    introducers = len({a.candidate.pk for a in found if a.kind == "introducer_left"})
    with translation.override("vi"):
        stages, after = (
            "; ".join(
                f"{str(label).lower()}: {number(counts[value])}"
                for value, label in Stage.choices
                if counts.get(value)
            )
            for counts in (by_stage, followed)
        )
    pipeline = [
        f"Hiện có {number(sum(by_stage.values()))} quần chúng trong nguồn và đang làm hồ sơ "
        "kết nạp"
        + (f" ({stages})." if stages else ".")
        + (
            f" {number(sum(followed.values()))} đảng viên mới đang được theo dõi đến khi công "
            f"nhận chính thức và nhận thẻ đảng ({after})."
            if followed
            else ""
        ),
        f"Đến ngày {day_vi(end)}, {number(overdue)} hồ sơ đã quá hạn và {number(soon)} "
        "hồ sơ đến hạn trong 30 ngày tới."
        + (
            f" {number(introducers)} hồ sơ có người giới thiệu không còn sinh hoạt tại chi bộ."
            if introducers
            else ""
        ),
    ]
    # Transfers of party activity not received in the legal time (sent from or to the
    # unit), each in the alerts page's words.
    from dangvien.records.transfers import touching, transfer_alerts, visible_transfers

    with translation.override("vi"):
        moves = transfer_alerts(
            touching(unit, visible_transfers(user) if user is not None else None), end
        )
        late = [m for m in moves if m.overdue]
        pipeline.append(
            f"Chuyển sinh hoạt đảng: {number(len(late))} trường hợp quá hạn chưa được tiếp "
            f"nhận và {number(len(moves) - len(late))} trường hợp đến hạn trong 30 ngày tới"
            + (
                ": "
                + "; ".join(
                    f"{m.transfer.membership.person.full_name}: {m.message}"
                    for m in late[:NAMES_SHOWN]
                )
                + (
                    f" và {number(len(late) - NAMES_SHOWN)} trường hợp khác"
                    if len(late) > NAMES_SHOWN
                    else ""
                )
                + "."
                if late
                else "."
            )
        )
    # The period's pace: median working days of the steps, deadlines missed.
    timed = [x for x in r.funnel if x.get("timed")]
    if timed:
        pipeline.append(
            "Trong kỳ, thời gian trung vị giữa các bước (ngày làm việc): "
            + "; ".join(
                f"{x['name'][:1].lower()}{x['name'][1:]}: {number(x['median_working_days'])}"
                for x in timed
            )
            + "."
        )
    missed = [x for x in r.deadlines_missed if x["taken"]]
    if missed:
        pipeline.append(
            "Chậm thời hạn trong kỳ: "
            + "; ".join(
                f"{x['name'][:1].lower()}{x['name'][1:]}: {number(x['late'])}/{number(x['taken'])}"
                for x in missed
            )
            + "."
        )
    d.sections.append(("Nguồn kết nạp và thời hạn hồ sơ", pipeline))
    # V. Tasks ahead: for the officer to write.
    d.sections.append(
        (
            "Nhiệm vụ thời gian tới",
            [
                "Tiếp tục rà soát, lập danh sách quần chúng ưu tú làm nguồn kết nạp, chú "
                f"trọng {number(len(c.without_members))} thôn, làng, tổ dân phố chưa có "
                "đảng viên: " + LINE,
                "Hoàn thành các hồ sơ quá hạn, đến hạn: " + LINE,
                "Phấn đấu kết nạp trong thời gian tới: …… đảng viên; " + LINE,
                LINE,
            ],
        )
    )
    return d


# ----- charts as PNG ----------------------------------------------------------------------
W, H = 1600, 700
LEFT, RIGHT, TOP, BOTTOM = 120, 40, 80, 90


def chart_png(title: str, labels: list[str], values: list[int], kind: str = "bar") -> bytes:
    """A bar (or line) chart, 16 × 7 cm at 254 dpi, in the dashboard's colours."""
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_file("Roboto-Regular.ttf"), 28)
    bold = ImageFont.truetype(font_file("Roboto-Bold.ttf"), 34)
    draw.text((W / 2, 20), title, fill="#333333", font=bold, anchor="mt")
    tick = max(1, math.ceil(max([*values, 1]) * 1.1 / 4))  # whole numbers on the axis
    top = tick * 4
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        value = tick * i
        y = H - BOTTOM - plot_h * i / 4
        draw.line([(LEFT, y), (W - RIGHT, y)], fill="#d0d4da", width=2)
        draw.text((LEFT - 12, y), number(round(value)), fill="#333333", font=font, anchor="rm")
    n = max(len(values), 1)
    slot = (W - LEFT - RIGHT) / n
    step = max(1, n // 12)
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * slot
        y = H - BOTTOM - value * plot_h / top
        if kind == "bar":
            draw.rectangle([x + slot * 0.15, y, x + slot * 0.85, H - BOTTOM], fill="#8b1a1a")
        points.append((x + slot / 2, y))
        if i % step == 0:
            draw.text(
                (x + slot / 2, H - BOTTOM + 14), label, fill="#333333", font=font, anchor="mt"
            )
    if kind == "line" and points:
        if len(points) > 1:
            draw.line(points, fill="#1f4e79", width=5)
        for px, py in points:
            draw.ellipse([px - 8, py - 8, px + 8, py + 8], fill="#1f4e79")
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(254, 254))
    return out.getvalue()


def chart_sentence(title: str, labels: list[str], values: list[int]) -> str:
    """The chart's figures, for the reader who prints in black and white."""
    return (
        f"{title}: "
        + "; ".join(f"{a}: {number(v)}" for a, v in zip(labels, values, strict=True))
        + "."
    )


def draft_docx(unit: OrgUnit, start: dt.date, end: dt.date, user=None) -> bytes:
    d = draft(unit, start, end, user)
    roman = ["I", "II", "III", "IV", "V", "VI"]
    body: list[str | tuple[str, str]] = []
    for i, (heading, lines) in enumerate(d.sections):
        body.append(Centered(f"{roman[i]}. {heading.upper()}"))
        body.extend(lines)
    name, symbol = committee_and_symbol(unit)
    sign_for, sign_role = unit_signature(unit)
    form = Form(
        "BC",
        "Báo cáo",
        f"kết quả công tác phát triển đảng viên từ ngày {day_vi(start)} đến ngày {day_vi(end)}",
        upper=unit.parent.name if unit.parent else "",
        issuer=name,
        doc_number=f"Số: ……-BC/{symbol}",
        place=place_of(unit),
        date=end,
        body=body,
        sign_for=sign_for,
        sign_role=sign_role,
        recipients=("…………………,", "Lưu Văn phòng."),
    )
    doc = Document(io.BytesIO(render(form)))
    first = doc.paragraphs[0]  # "Mẫu BC": a report is no numbered form
    first._p.getparent().remove(first._p)
    doc.core_properties.title = f"Báo cáo {unit.name} {day_vi(start)}–{day_vi(end)}"
    for p in doc.paragraphs:
        for key, (title, labels, values) in d.charts.items():
            if p.text != CHART.format(key):
                continue
            p.text = ""
            p.paragraph_format.first_line_indent = None
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            png = chart_png(title, labels, values, "line" if key == "members" else "bar")
            p.add_run().add_picture(io.BytesIO(png), width=Cm(16))
            sentence = p.insert_paragraph_before(chart_sentence(title, labels, values))
            p._p.addnext(sentence._p)  # the figures under the picture
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
