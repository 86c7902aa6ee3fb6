"""The reports as PDF (A4), in the party document layout: the issuing committee and "*" on
the left, the Party's name and the place and date on the right (Hướng dẫn 36-HD/VPTW,
03/04/2018, as in `dangvien.admission.documents`), the title, then the report's tables.

fpdf2 is pure Python; the font is Roboto from the `font-roboto` wheel, which has every
Vietnamese glyph, so a fresh `pip install` is enough (no system font, no system library).
The figures are the report functions' own (`development()`, `coverage()`,
`targets_report()`), the same as the pages, the JSON and the XLSX.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from fpdf import FPDF
from fpdf.fonts import FontFace

from dangvien.admission.documents import committee, date_line, place_of
from dangvien.orgs.models import OrgUnit

PDF = "application/pdf"
FONT = "Roboto"
MOTTO = "ĐẢNG CỘNG SẢN VIỆT NAM"


def number(value) -> str:
    """Vietnamese number format: '1.234', '50,5'; a missing figure as '—'."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:,.1f}".split(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def percent(value) -> str:
    return "—" if value is None else number(round(float(value), 1)) + "%"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths: Sequence[float] = ()  # relative widths of the columns


@dataclass
class Report:
    unit: OrgUnit
    day: dt.date  # the date line
    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)  # figures stated before the tables
    tables: list[Table] = field(default_factory=list)


def font_file(name: str) -> str:
    return str(resources.files("font_roboto") / "files" / name)


def render(report: Report) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(25, 15, 15)  # left 25 mm as a filed document, as in the DOCX forms
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font(FONT, "", font_file("Roboto-Regular.ttf"))
    pdf.add_font(FONT, "B", font_file("Roboto-Bold.ttf"))
    pdf.add_font(FONT, "I", font_file("Roboto-Italic.ttf"))
    pdf.add_font(FONT, "BI", font_file("Roboto-BoldItalic.ttf"))
    pdf.set_title(report.title)
    pdf.set_creator("dangvien")
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw
    left_w, right_w = width * 0.45, width * 0.55
    top, x0 = pdf.get_y(), pdf.l_margin
    # Left: the body above, the issuing committee, "*".
    upper = report.unit.parent.name.upper() if report.unit.parent else ""
    if upper:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(left_w, 5, upper, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left_w, 5, committee(report.unit).upper(), align="C", new_x="LMARGIN")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left_w, 5, "*", align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    # Right: the Party's name, the place and date.
    pdf.set_xy(x0 + left_w, top)
    pdf.set_font(FONT, "BU", 11)
    pdf.cell(right_w, 6, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    pdf.ln(2)
    pdf.set_x(x0 + left_w)
    pdf.set_font(FONT, "I", 10)
    pdf.cell(right_w, 6, date_line(place_of(report.unit), report.day), align="C")
    pdf.set_xy(x0, max(bottom, pdf.get_y() + 6) + 6)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width, 7, report.title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    if report.subtitle:
        pdf.set_font(FONT, "I", 10)
        pdf.multi_cell(width, 5, report.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    for line in report.lines:
        pdf.multi_cell(width, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    for table in report.tables:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(width, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        if not table.rows:
            pdf.set_font(FONT, "I", 9)
            pdf.cell(width, 5, "Không có.", new_x="LMARGIN", new_y="NEXT")
            continue
        widths = tuple(table.widths) or tuple(1 for _h in table.headers)
        with pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            line_height=5,
            text_align="LEFT",
            repeat_headings=1,
        ) as t:
            t.row([str(h) for h in table.headers])
            for row in table.rows:
                t.row([str(v) for v in row])
    return bytes(pdf.output())


# ----- the reports ------------------------------------------------------------------------
def day_vi(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def development_pdf(report) -> bytes:
    """The development report (`dangvien.reports.development.Development`)."""
    r = report
    tables = [
        Table(
            "Kết nạp theo tổ chức cơ sở đảng",
            # As the XLSX: no unit code (it split across lines), the predecessors counted.
            ["STT", "Tổ chức cơ sở đảng", "Kết nạp", "Gồm cả"],
            [
                [str(i), o["name"], number(o["admitted"]), ", ".join(o["includes"])]
                for i, o in enumerate(r.by_org, start=1)
            ]
            + [["", "Tổng cộng", number(r.admitted), ""]],
            (1, 5, 1.6, 5.4),
        ),
        Table(
            "Kết nạp theo tháng",
            ["Tháng", "Kết nạp"],
            [[m["month"][5:] + "/" + m["month"][:4], number(m["admitted"])] for m in r.by_month],
            (3, 2),
        ),
    ]
    if r.by_group:
        tables.append(
            Table(
                "Kết nạp theo nhóm ưu tiên",
                ["Nhóm", "Kết nạp"],
                [[g["group"], number(g["admitted"])] for g in r.by_group],
                (5, 2),
            )
        )
    for title, counts in (
        ("Giới tính", r.by_sex),
        ("Dân tộc", r.by_ethnicity),
        ("Tôn giáo", r.by_religion),
        ("Tuổi khi kết nạp", r.by_age),
        ("Nghề nghiệp", r.by_occupation),
    ):
        if counts:
            tables.append(
                Table(
                    f"Người được kết nạp theo {title.lower()}",
                    [title, "Số người"],
                    [[str(k), number(v)] for k, v in counts.items()],
                    (5, 2),
                )
            )
    if r.funnel:
        tables.append(
            Table(
                "Các bước của quy trình kết nạp trong kỳ",
                ["Bước", "Số người", "Trung vị ngày làm việc từ bước trước"],
                [
                    [
                        str(s["name"]),
                        number(s["candidates"]),
                        number(s.get("median_working_days")),
                    ]
                    for s in r.funnel
                ],
                (5, 2, 3),
            )
        )
    if r.deadlines_missed:
        tables.append(
            Table(
                "Thời hạn bị chậm trong kỳ",
                ["Thời hạn", "Số việc làm trong kỳ", "Chậm", "Tỷ lệ chậm", "Quá hạn chưa làm"],
                [
                    [
                        x["name"],
                        number(x["taken"]),
                        number(x["late"]),
                        percent(x["pct"]),
                        number(x["open"]),
                    ]
                    for x in r.deadlines_missed
                ],
                (6, 2, 1.5, 1.5, 2),
            )
        )
        late = [(x["name"], i) for x in r.deadlines_missed for i in x["items"]]
        if late:
            tables.append(
                Table(
                    "Hồ sơ chậm thời hạn",
                    [
                        "Họ và tên",
                        "Chi bộ",
                        "Việc",
                        "Hạn",
                        "Ngày thực hiện",
                        "Chậm (ngày làm việc)",
                    ],
                    [
                        [
                            i["person"],
                            i["cell"],
                            name,
                            day_vi(dt.date.fromisoformat(i["due"])),
                            day_vi(dt.date.fromisoformat(i["on"])),
                            number(i["late_working_days"]),
                        ]
                        for name, i in late
                    ],
                    (3, 3, 4, 2, 2, 1.6),
                )
            )
    return render(
        Report(
            r.unit,
            r.end,
            "Báo cáo kết quả kết nạp đảng viên",
            f"{r.unit.name}, từ ngày {day_vi(r.start)} đến ngày {day_vi(r.end)}",
            [
                f"Số đảng viên được kết nạp: {number(r.admitted)}.",
                f"Số đảng viên được công nhận chính thức: {number(r.confirmed)}.",
                f"Số đảng viên dự bị bị xóa tên: {number(r.struck_off)}.",
            ],
            tables,
        )
    )


COVERAGE_LISTS = [
    ("without_members", "Thôn, làng, tổ dân phố chưa có đảng viên"),
    ("relapsed", "Tái trắng: đã có đảng viên, nay không còn"),
    ("at_risk", "Có nguy cơ tái trắng (còn một, hai đảng viên, hoặc đều trên 65 tuổi)"),
    ("without_own_cell", "Chưa có chi bộ riêng (sinh hoạt ghép hoặc chưa có)"),
    ("cells_too_small", "Chi bộ có dưới 3 đảng viên chính thức"),
    ("cells_due_committee", "Chi bộ có từ 9 đảng viên chính thức trở lên chưa có chi ủy"),
    ("cells_living_elsewhere", "Chi bộ khu dân cư có đa số đảng viên cư trú nơi khác"),
]


def coverage_pdf(c) -> bytes:
    """The coverage report (`dangvien.reports.coverage.Coverage`)."""
    counts = [
        ("Thôn, làng, tổ dân phố trên địa bàn", len(c.localities)),
        *((title, len(getattr(c, key))) for key, title in COVERAGE_LISTS),
    ]
    tables = [
        Table(
            "Tổng hợp",
            ["Chỉ tiêu", "Số lượng"],
            [[title, number(n)] for title, n in counts],
            (6, 2),
        )
    ]
    for key, title in COVERAGE_LISTS:
        items = getattr(c, key)
        tables.append(
            Table(
                f"{title} ({number(len(items))})",
                ["STT", "Mã", "Tên", "Trực thuộc" if key.startswith("cells_") else "Xã, phường"],
                [
                    [str(i), x.get("code", ""), x.get("name", ""), x.get("commune") or ""]
                    for i, x in enumerate(items, 1)
                ],
                (1, 4, 4, 3),
            )
        )
    if c.positions:
        tables.append(
            Table(
                "Người giữ chức danh là đảng viên",
                ["Chức danh", "Số người giữ", "Là đảng viên"],
                [[p["position"], number(p["holders"]), number(p["members"])] for p in c.positions],
                (5, 2, 2),
            )
        )
    return render(
        Report(
            c.unit,
            c.day,
            "Báo cáo địa bàn chưa có đảng viên, chưa có chi bộ và tái trắng",
            f"{c.unit.name}, đến ngày {day_vi(c.day)}"
            + (f" (tái trắng so với ngày {day_vi(c.since)})" if c.since.year > 1900 else ""),
            [],
            tables,
        )
    )


FORECASTS = {
    "met": "Đã đạt",
    "on track": "Đúng tiến độ",
    "behind": "Chậm",
    "no data": "Chưa có số liệu",
}


def targets_pdf(unit: OrgUnit, day: dt.date, rows) -> bytes:
    """The targets' pace (`dangvien.targets.pace.targets_report`)."""
    from dangvien.targets.models import SHARES

    def value(p, x):
        return percent(x) if p.target.metric in SHARES else number(x)

    table = Table(
        "Chỉ tiêu nhiệm kỳ, tiến độ và dự báo",
        [
            "Nội dung",
            "Đơn vị",
            "Nhiệm kỳ",
            "Chỉ tiêu",
            "Thực hiện",
            "Đạt",
            "Thời gian đã qua",
            "Cần mỗi tháng",
            "Dự báo",
        ],
        [
            [
                str(p.target.get_metric_display()),
                p.target.unit.name,
                p.target.term.name,
                value(p, float(p.target.value)),
                value(p, p.actual),
                percent(p.pct),
                percent(p.elapsed_pct),
                number(p.needed_per_month),
                FORECASTS.get(p.forecast, p.forecast),
            ]
            for p in rows
        ],
        (3.5, 4.0, 2.3, 1.5, 1.7, 1.4, 1.7, 1.6, 1.9),
    )
    return render(
        Report(
            unit,
            day,
            "Báo cáo tiến độ thực hiện chỉ tiêu nhiệm kỳ",
            f"{unit.name}, đến ngày {day_vi(day)}",
            [],
            [table],
        )
    )


def dashboard_pdf(unit: OrgUnit, day: dt.date, user=None) -> bytes:
    """The dashboard's figures and the tables behind its charts, as on the page."""
    from django.db.models import Count
    from django.utils import translation

    from dangvien.admission.models import Candidate, Stage
    from dangvien.targets.models import Term
    from dangvien.targets.pace import targets_report

    from .coverage import coverage
    from .dashboard import history_start, members_on_days, month_labels, twelve_months
    from .development import development

    term = Term.objects.filter(unit=unit, start__lte=day, end__gte=day).first()
    # The page's figures: the unit's history, its predecessors' before it began.
    days = [dt.date(y, 1, 1) for y in range(history_start(unit, day), day.year + 1)] + [day]
    year_start = dt.date(day.year, 1, 1)
    counts = members_on_days(unit, [*days, year_start, *([term.start] if term else [])])
    now = counts[day]
    since_year = now - counts[year_start]
    lines = [
        f"Số đảng viên đến ngày {day_vi(day)}: {number(now)}.",
        f"Tăng, giảm từ ngày 01/01/{day.year}: {since_year:+d}.",
    ]
    if term:
        lines.append(f"Tăng, giảm từ đầu nhiệm kỳ {term.span}: {now - counts[term.start]:+d}.")
    since = twelve_months(day)
    per_month = {m["month"]: m["admitted"] for m in development(unit, since, day).by_month}
    paces = [p for p in targets_report(unit, day) if p.target.metric == "ADMITTED"]
    candidates = (
        Candidate.objects.visible_to(user) if user is not None else Candidate.objects.all()
    ).filter(cell__path__startswith=unit.path)
    by_stage = dict(candidates.active().values_list("stage").annotate(n=Count("id")).order_by())
    gaps = coverage(unit, day)
    with translation.override("vi"):
        stages = [[str(label), number(by_stage[v])] for v, label in Stage.choices if v in by_stage]
    tables = [
        Table(
            "Số đảng viên ngày 01 tháng 01 hằng năm và ngày báo cáo",
            ["Ngày", "Đảng viên"],
            [[day_vi(x), number(counts[x])] for x in days],
            (3, 2),
        ),
        Table(
            "Kết nạp theo tháng, mười hai tháng qua",
            ["Tháng", "Kết nạp"],
            [[m[5:] + "/" + m[:4], number(per_month.get(m, 0))] for m in month_labels(since, day)],
            (3, 2),
        ),
        Table(
            "Chỉ tiêu kết nạp nhiệm kỳ theo đơn vị",
            ["Đơn vị", "Chỉ tiêu", "Thực hiện", "Đạt", "Dự báo"],
            [
                [
                    p.target.unit.name,
                    number(float(p.target.value)),
                    number(p.actual),
                    percent(p.pct),
                    FORECASTS.get(p.forecast, p.forecast),
                ]
                for p in paces
            ],
            (5, 2, 2, 2, 2.5),
        ),
        Table("Nguồn kết nạp theo bước", ["Bước", "Số người"], stages, (5, 2)),
        Table(
            "Địa bàn",
            ["Chỉ tiêu", "Số lượng"],
            [["Thôn, làng, tổ dân phố trên địa bàn", number(len(gaps.localities))]]
            + [[title, number(len(getattr(gaps, key)))] for key, title in COVERAGE_LISTS],
            (6, 2),
        ),
    ]
    # The dashboard's structure charts, as their tables.
    from .dashboard import STRUCTURE_CHARTS
    from .structure import BREAKDOWN_TITLES, for_viewer, structure

    with translation.override("vi"):
        s = structure(unit, day)
        if user is not None:
            s, _other = for_viewer(user, s)
        for key in STRUCTURE_CHARTS:
            rows = [r for r in s.breakdowns.get(key, []) if r.count]
            if rows:
                title = str(BREAKDOWN_TITLES[key])
                tables.append(
                    Table(
                        f"Cơ cấu đảng viên: {title.lower()}",
                        [title, "Đảng viên", "Tỷ lệ"],
                        [[str(r.label), number(r.count), percent(r.pct)] for r in rows],
                        (5, 2, 2),
                    )
                )
    return render(
        Report(unit, day, "Số liệu tổng hợp", f"{unit.name}, đến ngày {day_vi(day)}", lines, tables)
    )
