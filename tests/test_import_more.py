"""Localities and candidates imports, templates, the error report, round trips and the
neutralisation of formulas."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from dangvien.accounts.models import AuditEntry
from dangvien.admission.models import Candidate, Tag
from dangvien.imports import candidates, localities, members
from dangvien.imports.base import Scope, report_xlsx, template_xlsx
from dangvien.imports.exporters import ROWS
from dangvien.imports.models import ImportRun
from dangvien.imports.registry import IMPORTERS
from dangvien.orgs.models import Locality, LocalityCell
from dangvien.people.models import Person
from dangvien.reference.models import Ethnicity
from dangvien.reports.exports import table_bytes

from . import factories as f
from .test_import_members import ROW

TODAY = dt.date(2026, 11, 29)


def xlsx(tmp_path, columns, rows, name="data.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) for c in columns] if isinstance(r, dict) else r)
    path = tmp_path / name
    wb.save(path)
    return str(path)


# ----- localities ---------------------------------------------------------------------
LOC = ["WA-TDP3", "Tổ dân phố 3", "Tổ dân phố", "WA", "A1", "01/01/2000"]


def test_localities_import_with_serving_cell_then_unchanged(org, tmp_path, capsys):
    village = ["WB-LANG1", "Làng Plei Ơi", "Làng", "WB", "", ""]  # no date: from its parent
    path = xlsx(tmp_path, localities.COLUMNS, [LOC, village])
    call_command("import", "localities", path)
    tdp3 = Locality.objects.get(code="WA-TDP3")
    assert tdp3.path == "CITY/WA/WA-TDP3/" and tdp3.valid_from == dt.date(2000, 1, 1)
    assert LocalityCell.objects.get(locality=tdp3).cell == org.cell_a1
    assert Locality.objects.get(code="WB-LANG1").valid_from == org.ward_b_loc.valid_from
    capsys.readouterr()
    call_command("import", "localities", path)
    assert "0 mới, 0 cập nhật, 2 không đổi" in capsys.readouterr().out


def test_a_new_serving_cell_ends_the_old_link(org, tmp_path, capsys):
    path = xlsx(
        tmp_path, localities.COLUMNS, [["WA-TDP1", "Tổ dân phố 1", "Tổ dân phố", "WA", "A2", ""]]
    )
    plan = localities.validate(path, TODAY)
    assert (plan.n_new, plan.n_updated) == (0, 1)
    localities.commit(plan, path, today=TODAY)
    links = LocalityCell.objects.filter(locality__code="WA-TDP1").order_by("valid_from")
    assert [(x.cell.code, x.valid_to) for x in links] == [("A1", TODAY), ("A2", None)]


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        (
            ["WA-TDP3", "Tổ 3", "Tổ dân phố", "NOPE", "", "01/01/2000"],
            "Mã địa bàn cấp trên",
            "không tồn tại",
        ),
        (["WA-TDP3", "Tổ 3", "To dan pho", "WA", "", "01/01/2000"], "Loại", "có phải “Tổ dân phố”"),
        (
            ["WA-TDP3", "Tổ 3", "Tổ dân phố", "WA", "ZZ", "01/01/2000"],
            "Mã chi bộ phụ trách",
            "chi bộ",
        ),
        (
            ["WA-TDP3", "Tổ 3", "Tổ dân phố", "WA", "", "30/02/2000"],
            "Ngày thành lập",
            "không phải là ngày",
        ),
        (
            ["WA-TDP3", "Tổ 3", "Phường", "WA", "", "01/01/2000"],
            "Mã địa bàn cấp trên",
            "không thể thuộc",
        ),
    ],
)
def test_bad_locality_rows_write_nothing(org, tmp_path, row, column, says):
    path = xlsx(tmp_path, localities.COLUMNS, [row])
    plan = localities.validate(path, TODAY)
    assert [(p.row, p.column) for p in plan.problems] == [(2, column)]
    assert says in plan.problems[0].line()
    with pytest.raises(CommandError):
        call_command("import", "localities", path)
    assert not Locality.objects.filter(code="WA-TDP3").exists()


def test_localities_out_of_scope_are_refused(org, tmp_path):
    path = xlsx(tmp_path, localities.COLUMNS, [["WB-TDP9", "Tổ 9", "Tổ dân phố", "WB", "", ""]])
    plan = localities.validate(
        path, TODAY, scope=Scope(units=[org.ward_a.path], localities=[org.ward_a_loc.path])
    )
    assert "ngoài phạm vi" in plan.problems[0].message


# ----- candidates ---------------------------------------------------------------------
CAND = {
    "Họ và tên": "Rơ Châm Hyơk",
    "Ngày sinh": "15/06/2001",
    "Giới tính": "Nữ",
    "Số CCCD": "064301000456",
    "Dân tộc": "Gia Rai",
    "Tôn giáo": "Không",
    "Trình độ giáo dục phổ thông": "12/12",
    "Trình độ chuyên môn": "Trung cấp",
    "Lý luận chính trị": "Không",
    "Nghề nghiệp": "",
    "Mã địa bàn cư trú": "WA-TDP1",
    "Mã chi bộ": "A1",
    "Ngày vào danh sách nguồn": "10/01/2024",
    "Nhóm ưu tiên": "Người dân tộc thiểu số; Phụ nữ",
    "Đoàn viên": "Có",
    "Số CCCD người giúp đỡ": "064080123456",  # Nguyễn Văn An, full member of ward A
}


def test_candidates_import_through_the_listing_service(org, tmp_path, capsys):
    path = xlsx(tmp_path, candidates.COLUMNS, [CAND])
    call_command("import", "candidates", path)
    c = Candidate.objects.get(person__citizen_id="064301000456")
    assert c.cell == org.cell_a1 and c.helper == org.an and c.listed_on == dt.date(2024, 1, 10)
    assert set(c.tags.values_list("tag", flat=True)) == {Tag.ETHNIC_MINORITY, Tag.WOMAN}
    assert c.person.youth_union_member and c.person.ethnicity.name == "Gia-rai"  # official
    assert [e.kind for e in c.events.order_by("pk")] == ["LISTED", "HELPER_ASSIGNED"]
    capsys.readouterr()
    call_command("import", "candidates", path)
    assert "0 mới, 0 cập nhật, 1 không đổi" in capsys.readouterr().out
    path = xlsx(tmp_path, candidates.COLUMNS, [{**CAND, "Nhóm ưu tiên": "Phụ nữ"}], "v2.xlsx")
    call_command("import", "candidates", path)
    assert list(c.tags.values_list("tag", flat=True)) == [Tag.WOMAN]


@pytest.mark.parametrize(
    ("change", "column", "says"),
    [
        (
            {
                "Họ và tên": "Nguyễn Văn An",
                "Ngày sinh": "01/05/1980",
                "Số CCCD": "064080123456",
                "Giới tính": "Nam",
            },
            "Họ và tên",
            "đã là đảng viên",
        ),
        ({"Nhóm ưu tiên": "Dân tộc"}, "Nhóm ưu tiên", "không có trong danh mục"),
        ({"Ngày vào danh sách nguồn": "10/01/2099"}, "Ngày vào danh sách nguồn", "tương lai"),
        ({"Mã chi bộ": "WARDA"}, "Mã chi bộ", "không phải mã của một chi bộ"),
        ({"Số CCCD người giúp đỡ": "064185000777"}, "Số CCCD người giúp đỡ", "không có đảng viên"),
        ({"Số CCCD": "064201000456"}, "Số CCCD", ""),  # century digit says male born 2001
        ({"Dân tộc": "Gia Lai"}, "Dân tộc", "không có trong danh mục"),
        ({"Đoàn viên": "Rồi"}, "Đoàn viên", "Có"),
    ],
)
def test_bad_candidate_rows_write_nothing(org, tmp_path, change, column, says):
    path = xlsx(tmp_path, candidates.COLUMNS, [{**CAND, **change}])
    people = Person.objects.count()
    plan = candidates.validate(path, TODAY)
    assert column in [p.column for p in plan.problems], plan.problems
    assert says in " ".join(p.line() for p in plan.problems)
    with pytest.raises(CommandError):
        call_command("import", "candidates", path)
    assert Person.objects.count() == people and not Candidate.objects.exists()


def test_the_same_person_twice_in_a_file_is_refused(org, tmp_path):
    path = xlsx(tmp_path, candidates.COLUMNS, [CAND, {**CAND, "Mã chi bộ": "A2"}])
    plan = candidates.validate(path, TODAY)
    assert [(p.row, p.message) for p in plan.problems] == [(3, "trùng với dòng 2")]


# ----- templates and the error report ---------------------------------------------------
@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_templates_have_the_headers_an_example_and_the_allowed_values(db, kind):
    importer = IMPORTERS[kind]
    wb = load_workbook(io.BytesIO(template_xlsx(importer)))
    data, lists = wb["Dữ liệu"], wb["Danh mục"]
    assert [c.value for c in data[1]] == importer.COLUMNS
    assert len([c for c in data[2] if c.value not in (None, "")]) >= 4  # the example row
    allowed = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert set(allowed) == set(importer.allowed_lists())
    dropdowns = {str(dv.sqref).split(":")[0][:-1] for dv in data.data_validations.dataValidation}
    expected = {chr(65 + importer.COLUMNS.index(c)) for c in allowed if c in importer.COLUMNS}
    assert dropdowns == expected  # a drop-down list on every column with allowed values
    if kind in ("members", "candidates"):
        assert "Gia-rai" in allowed["Dân tộc"] and "Công giáo" in allowed["Tôn giáo"]
        assert len(allowed["Dân tộc"]) == 54


def test_the_error_report_highlights_the_bad_cells(org, tmp_path):
    bad = {**members_row(), "Ngày vào Đảng": "31/13/2010"}
    path = xlsx(tmp_path, members.COLUMNS, [members_row(card="1"), bad])
    plan = members.validate(path, TODAY)
    wb = load_workbook(io.BytesIO(report_xlsx(path, plan.problems)))
    assert wb.sheetnames == ["Lỗi", "Dữ liệu"]
    errors = [[c.value for c in row] for row in wb["Lỗi"].iter_rows(min_row=2)]
    assert errors[0][:4] == [3, "Ngày vào Đảng", "31/13/2010", "không phải là ngày"]
    col = members.COLUMNS.index("Ngày vào Đảng") + 1
    sheet = wb["Dữ liệu"]
    assert sheet.cell(row=3, column=col).fill.fgColor.rgb == "FFFFC7CE"
    assert "dd/mm/yyyy" in sheet.cell(row=3, column=col).comment.text
    assert sheet.cell(row=2, column=col).fill.fgColor.rgb != "FFFFC7CE"


# ----- round trips ----------------------------------------------------------------------
def members_row(card="41234567"):
    return {**ROW, "Số thẻ đảng viên": card}


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_members_round_trip_file_to_database_to_file(org, tmp_path):
    left = {
        **members_row(card=""),
        "Họ và tên": "Ksor Văn Hai",
        "Ngày sinh": "1950",
        "Giới tính": "Nam",
        "Số CCCD": "",
        "Dân tộc": "Gia Rai",
        "Tôn giáo": "Tin lành",
        "Mã địa bàn cư trú": "",
        "Ngày ra khỏi Đảng": "20/10/2016",
        "Lý do ra khỏi Đảng": "Từ trần",
    }
    source = [members_row(), left]
    path = xlsx(tmp_path, members.COLUMNS, source)
    call_command("import", "members", path)
    out = tmp_path / "out.csv"
    call_command("export", "members", str(out), "--purpose", "kiểm tra chuyển dữ liệu")
    exported = {r[0]: r for r in read_csv(out)[1:]}
    for row in source:
        expected = [str(row[c] or "") for c in members.COLUMNS]
        expected[4] = Ethnicity.objects.match(expected[4]).name  # the official spelling
        if row["Ngày sinh"] == "1950":
            expected[1] = "01/01/1950"  # a year-only birth date is kept as 1 January
        assert exported[row["Họ và tên"]] == expected


@pytest.mark.parametrize("kind", ["units", "localities", "members", "candidates"])
def test_database_to_file_to_database_changes_nothing(org, tmp_path, capsys, kind):
    if kind == "candidates":
        call_command("import", "candidates", xlsx(tmp_path, candidates.COLUMNS, [CAND], "c.xlsx"))
    changes = AuditEntry.objects.exclude(action__in=["READ", "EXPORT"]).exclude(
        detail__startswith="import "
    )
    before = changes.count()
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"{kind}.{fmt}"
        call_command("export", kind, str(out), "--purpose", "kiểm tra chuyển dữ liệu")
        capsys.readouterr()
        call_command("import", kind, str(out))
        n = len(list(ROWS[kind]()))
        assert f"0 mới, 0 cập nhật, {n} không đổi" in capsys.readouterr().out
    assert changes.count() == before  # nothing but the import records themselves
    assert (
        ImportRun.objects.filter(kind=kind, status="DONE", file_name__startswith=kind).count() == 2
    )


# ----- formulas -------------------------------------------------------------------------
def test_formula_like_text_is_neutralised_in_both_formats_and_imports_back(org, tmp_path, capsys):
    rows = [["=1+1", "+SUM(A1)", "-x", "@cmd", -5, "an ordinary name"]]
    book = load_workbook(io.BytesIO(table_bytes("xlsx", list("abcdef"), rows)))
    cells = [c.value for c in next(book.active.iter_rows(min_row=2))]
    assert cells == ["'=1+1", "'+SUM(A1)", "'-x", "'@cmd", -5, "an ordinary name"]
    assert all(c.data_type != "f" for c in next(book.active.iter_rows(min_row=2)))
    text = table_bytes("csv", list("abcdef"), rows).decode("utf-8-sig")
    assert text.splitlines()[1] == "'=1+1,'+SUM(A1),'-x,'@cmd,-5,an ordinary name"
    # A name that looks like a formula goes out neutralised and comes back as it was.
    f.member(f.person("=HYPERLINK(x)", f.D(1970, 1, 1), "M"), org.cell_a2)
    out = tmp_path / "m.csv"
    call_command("export", "members", str(out), "--purpose", "kiểm tra chuyển dữ liệu")
    assert any(r[0] == "'=HYPERLINK(x)" for r in read_csv(out))
    capsys.readouterr()
    call_command("import", "members", str(out))
    assert " 0 cập nhật" in capsys.readouterr().out


def test_a_commit_after_the_database_moved_writes_nothing(org, tmp_path, settings):
    from dangvien.imports.base import Changed

    path = xlsx(
        tmp_path,
        members.COLUMNS,
        [
            members_row(),
            {**members_row(card="2"), "Số CCCD": "064185000778", "Họ và tên": "Đinh Thị Hai"},
        ],
    )
    plan = members.validate(path, TODAY)
    assert plan.ok and plan.n_new == 2 and plan.spill
    # Meanwhile someone records another person with the first row's citizen ID.
    f.person("Người Khác", f.D(1985, 1, 1), "F", citizen_id="064185000777")
    people = Person.objects.count()
    with pytest.raises(Changed) as refused:
        members.commit(plan, path, today=TODAY)
    assert "đã có người khác mang số này" in str(refused.value)
    assert Person.objects.count() == people
    assert not list(settings.IMPORT_DIR.glob("*.spill"))


def test_no_checked_rows_are_left_on_disk(org, tmp_path, settings, capsys):
    good = xlsx(tmp_path, members.COLUMNS, [members_row()], "good.xlsx")
    bad = xlsx(tmp_path, members.COLUMNS, [{**members_row(), "Ngày sinh": "x"}], "bad.xlsx")
    call_command("import", "members", good, "--dry-run")
    with pytest.raises(CommandError):
        call_command("import", "members", bad)
    call_command("import", "members", good)
    assert Person.objects.filter(citizen_id="064185000777").exists()
    assert not list(settings.IMPORT_DIR.glob("*.spill"))


def test_a_large_import_refreshes_postgresql_statistics(org):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite: nothing to refresh)")
    members.refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'people_person'")
        (estimate,) = cursor.fetchone()
    assert estimate == Person.objects.count()  # the planner knows the table's size


READMITTED = [
    {
        **ROW,
        "Số thẻ đảng viên": "",
        "Ngày ra khỏi Đảng": "01/06/2012",
        "Lý do ra khỏi Đảng": "Xóa tên",
    },
    {
        **ROW,
        "Ngày quyết định kết nạp": "01/03/2015",
        "Ngày vào Đảng": "20/03/2015",
        "Ngày chính thức": "20/03/2016",
    },
]


@pytest.mark.parametrize("chunk", [1000, 1])  # both rows in one chunk, or one per chunk
def test_a_readmitted_member_is_two_rows_of_one_person(org, tmp_path, capsys, monkeypatch, chunk):
    monkeypatch.setattr(members, "CHUNK", chunk)
    path = xlsx(tmp_path, members.COLUMNS, READMITTED)
    call_command("import", "members", path)
    person = Person.objects.get(citizen_id=ROW["Số CCCD"])
    spans = [(m.ceremony_on, m.exit_on) for m in person.memberships.order_by("ceremony_on")]
    assert spans == [(dt.date(2010, 3, 15), dt.date(2012, 6, 1)), (dt.date(2015, 3, 20), None)]
    capsys.readouterr()
    call_command("import", "members", path)
    assert "0 mới, 0 cập nhật, 2 không đổi" in capsys.readouterr().out
    out = tmp_path / "out.csv"  # and the export, one row per membership, imports back
    call_command("export", "members", str(out), "--purpose", "kiểm tra chuyển dữ liệu")
    capsys.readouterr()
    call_command("import", "members", str(out))
    assert " 0 mới, 0 cập nhật" in " " + capsys.readouterr().out.split(": ", 1)[1]


@pytest.mark.parametrize(
    ("second", "says"),
    [
        ({"Ngày vào Đảng": "20/03/2011"}, "chồng lên lần vào Đảng ở dòng 2"),
        ({"Họ và tên": "Đinh Thị Khác"}, "họ tên hoặc ngày sinh khác"),
    ],
)
def test_the_same_cccd_twice_must_be_two_separate_memberships(org, tmp_path, second, says):
    rows = [READMITTED[0], {**READMITTED[1], **second}]
    plan = members.validate(xlsx(tmp_path, members.COLUMNS, rows), TODAY)
    assert says in " ".join(p.line() for p in plan.problems)


def test_listing_someone_under_16_warns_at_once_and_lists_them(org, tmp_path, capsys):
    young = {**CAND, "Ngày sinh": "15/06/2009", "Số CCCD": "064309000456"}
    path = xlsx(tmp_path, candidates.COLUMNS, [young])
    call_command("import", "candidates", path, "--dry-run")
    out = capsys.readouterr().out
    assert "1 mới" in out and "1 cảnh báo" in out
    assert "Cảnh báo: Dòng 2, cột “Ngày sinh”" in out and "14 tuổi" in out
    call_command("import", "candidates", path)
    assert Candidate.objects.filter(person__citizen_id="064309000456").exists()
    run = ImportRun.objects.filter(kind="candidates").latest("pk")
    assert len(run.warnings) == 1 and "Rơ Châm Hyơk" in run.warnings[0]


@pytest.mark.django_db(transaction=True)  # each write its own transaction, as in use
def test_a_commit_right_after_its_check_keeps_the_checks_matches(org, tmp_path, monkeypatch):
    """No domain row written between the check and the write (`stats.fresh`'s version
    unchanged under the chain lock): the write does not match the rows again. One row
    new, one an update of a person already recorded, both written as checked."""
    f.person("Đinh Thị Hai", f.D(1985, 4, 2), "F", citizen_id="064185000778")
    path = xlsx(
        tmp_path,
        members.COLUMNS,
        [
            members_row(),
            {
                **members_row(card="2"),
                "Số CCCD": "064185000778",
                "Họ và tên": "Đinh Thị Hai",
                "Ngày sinh": "02/04/1985",
                "Giới tính": "Nữ",
                "Trình độ chuyên môn": "Đại học",
            },
        ],
    )
    plan = members.validate(path, TODAY)
    assert plan.ok and (plan.n_new, plan.n_updated) == (1, 1)
    matched = []
    monkeypatch.setattr(members, "classify", lambda *a, **k: matched.append(1))
    members.commit(plan, path, today=TODAY)
    assert not matched
    assert Person.objects.filter(citizen_id="064185000777").exists()
    hai = Person.objects.get(citizen_id="064185000778")
    assert hai.professional == "UNIVERSITY" and hai.memberships.get().card_number == "2"


def test_rows_written_by_copy_are_whole_and_audited(org, tmp_path, monkeypatch):
    """`core.db.copy_create` (COPY with ids from the sequence, PostgreSQL; bulk_create
    elsewhere), taken here from the first row: every record of an imported row is
    written with its links, and each has its audit entry under its own id."""
    from dangvien.accounts.models import AuditEntry
    from dangvien.core import db

    monkeypatch.setattr(db, "COPY_FROM", 1)
    left = {
        **members_row(card=""),
        "Số CCCD": "064185000778",
        "Họ và tên": "Đinh Thị Hai",
        "Ngày ra khỏi Đảng": "20/10/2016",
        "Lý do ra khỏi Đảng": "Từ trần",
    }
    call_command("import", "members", xlsx(tmp_path, members.COLUMNS, [members_row(), left]))
    an = Person.objects.get(citizen_id="064185000777")
    m = an.memberships.get()
    assert m.card_number == "41234567" and m.cards.get().number == "41234567"
    assert m.stints.get().unit.code == members_row()["Mã đơn vị"]
    assert an.residence is not None and an.search_name == "dinh thi hoa"
    hai = Person.objects.get(citizen_id="064185000778").memberships.get()
    assert hai.exits.get().on == dt.date(2016, 10, 20)
    assert hai.exits.get().recorded_at is not None  # auto_now_add: prepared, not copied as is
    assert an.birth_date == dt.date(1985, 3, 12) and isinstance(an.youth_union_member, bool)
    for obj in (an, m, m.stints.get(), m.cards.get(), hai.exits.get()):
        assert AuditEntry.objects.filter(
            model=obj._meta.label_lower, object_id=str(obj.pk), action="CREATE"
        ).exists()
