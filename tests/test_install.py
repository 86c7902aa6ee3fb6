"""`pip install .` gives the Vietnamese app: the wheel carries compiled catalogues made
without GNU gettext, and the importers accept the Vietnamese labels (and the codes)
whatever language is active."""

import gettext
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook
from pypdf import PdfReader

from dangvien.core import msgfmt
from dangvien.imports.members import COLUMNS
from dangvien.people.models import Person

from .test_import_members import ROW, xlsx

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "dangvien/locale").glob("*/LC_MESSAGES/django.po"))


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU msgfmt (gettext) not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_pure_python_compiler_writes_what_gnu_msgfmt_writes(po, tmp_path):
    subprocess.run(["msgfmt", "-o", tmp_path / "gnu.mo", po], check=True)
    ours = msgfmt.compile_file(po, tmp_path / "ours.mo")
    with open(tmp_path / "gnu.mo", "rb") as a, open(ours, "rb") as b:
        gnu, mine = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert mine._catalog == gnu._catalog  # type: ignore[attr-defined]
    assert po.parts[-3] != "vi" or mine.gettext("Other") == "Khác"


def test_compiler_refuses_what_msgfmt_check_format_refuses():
    good = '#, python-format\nmsgid "%(n)d rows"\nmsgstr "%(n)d dòng"\n'
    assert msgfmt.parse(good) == {"%(n)d rows": "%(n)d dòng"}
    with pytest.raises(msgfmt.PoError, match="placeholders"):
        msgfmt.parse('#, python-format\nmsgid "%(n)d rows"\nmsgstr "%(m)d dòng"\n')
    with pytest.raises(msgfmt.PoError, match="duplicate"):
        msgfmt.parse('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n')
    fuzzy = '#, fuzzy\nmsgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr ""\n'
    assert msgfmt.parse(fuzzy) == {}  # fuzzy and untranslated entries are left out
    plural = 'msgctxt "x"\nmsgid "one"\nmsgid_plural "many"\nmsgstr[0] "m"\n"ột"\n'
    assert msgfmt.parse(plural) == {"x\x04one\x00many": "một"}


def test_member_import_takes_labels_or_codes_in_any_active_language(org, tmp_path, capsys):
    rows = [
        {**ROW, "Nghề nghiệp": "Khác"},
        {
            **ROW,
            "Họ và tên": "Lò Văn Tốt",
            "Số CCCD": "064090000888",
            "Giới tính": "Nam",
            "Ngày sinh": "01/01/1990",
            "Số thẻ đảng viên": "41000002",
            "Nghề nghiệp": "RETIRED",
        },
    ]
    with translation.override("en"):
        call_command("import", "members", xlsx(tmp_path, rows))
    assert "2 mới" in capsys.readouterr().out
    assert Person.objects.get(citizen_id="064185000777").occupation == "OTHER"
    assert Person.objects.get(citizen_id="064090000888").occupation == "RETIRED"
    # An English label is still no value of the Vietnamese template.
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import", "members", xlsx(tmp_path, [{**ROW, "Nghề nghiệp": "Other"}]))
    err = capsys.readouterr().err
    assert "không có trong danh mục" in err and err.rstrip().endswith("Khác")
    assert "OTHER" not in err  # the fix lists the labels, not the codes


def source_copy(target: Path) -> Path:
    """The project as a fresh clone has it: no compiled catalogue, no build leftovers."""
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "dangvien",
        target / "dangvien",
        ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.pyc"),
    )
    return target


def run(args, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.install
def test_the_installed_wheel_speaks_vietnamese_and_imports_a_vietnamese_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    source_copy(src)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src])
    (wheel,) = dist.glob("dangvien-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dangvien/locale/vi/LC_MESSAGES/django.mo" in names

    # A fresh environment: dangvien from the wheel; its dependencies, to keep this fast,
    # from this environment's site-packages (a path entry after its own, so the editable
    # install of the source tree here is not seen).
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    site = next(venv.glob("lib/python*/site-packages"))
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (site / "deps.pth").write_text(f"{deps}\n")
    run([sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "-q",
         "--no-deps", wheel])  # fmt: skip

    work = tmp_path / "work"  # outside the source tree
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTHON", "DEBUG", "DATABASE_URL", "IMPORT_"))
    }
    env |= {"DATABASE_URL": f"sqlite:///{work}/db.sqlite3", "IMPORT_DIR": str(work / "imp")}
    where = run([venv / "bin/python", "-c", "import dangvien; print(dangvien.__file__)"],
                cwd=work, env=env).stdout  # fmt: skip
    assert where.startswith(str(site)), where

    dangvien = str(venv / "bin/dangvien")
    run([dangvien, "migrate", "--noinput", "-v0"], cwd=work, env=env)
    units = work / "don-vi.csv"
    units.write_text(
        "Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên,Ngày thành lập\n"
        "TP,Đảng bộ thành phố,Cấp trên cơ sở,,01/01/1990\n"
        "PA,Đảng bộ phường A,Đảng bộ cơ sở,TP,01/01/1990\n"
        "PA-CB01,Chi bộ 1,Chi bộ,PA,01/01/1990\n",
        encoding="utf-8",
    )
    run([dangvien, "import", "units", units], cwd=work, env=env)
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    row = {**ROW, "Mã đơn vị": "PA-CB01", "Mã địa bàn cư trú": "", "Nghề nghiệp": "Khác"}
    ws.append([row[c] for c in COLUMNS])
    wb.save(work / "dang-vien.xlsx")
    out = run([dangvien, "import", "members", "dang-vien.xlsx"], cwd=work, env=env).stdout
    assert "1 mới" in out
    shown = run(
        [dangvien, "shell", "-v0", "-c",
         "from dangvien.people.models import Person; "
         "print(Person.objects.get().get_occupation_display())"],
        cwd=work, env=env,
    ).stdout  # fmt: skip
    assert shown.strip() == "Khác"
    # The report PDF in Vietnamese, with the font from its wheel (no system font).
    pdf = work / "bao-cao.pdf"
    run([dangvien, "report", "development", "--org", "TP", "--from", "2017-01-01",
         "--to", "2017-12-31", "--format", "pdf", "-o", pdf], cwd=work, env=env)  # fmt: skip
    text = PdfReader(pdf).pages[0].extract_text()
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "BÁO CÁO KẾT QUẢ KẾT NẠP ĐẢNG VIÊN" in text
    assert "Số đảng viên được kết nạp: 0." in text
