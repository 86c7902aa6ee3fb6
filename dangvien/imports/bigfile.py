"""A large member file for the import benchmark: rows in the member template's format,
drawn from stated distributions (seeded), into the cells that exist in the database."""

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

from dangvien.demo import names
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person

from .members import COLUMNS, MEMBER_UNITS

# Stated distributions: 45 % women; birth years 1945–1999 uniform; admitted at 18–45;
# CCCD on 90 % of rows (Gia Lai, 064); confirmed after 12 months unless admitted in the
# last year; a card for every confirmed member; 3 % left (died).
WOMEN, CCCD_SHARE, LEFT_SHARE = 0.45, 0.90, 0.03
AS_OF = dt.date(2025, 6, 30)


def write_member_file(path: Path, n: int, seed: int = 100_000, card_prefix: str = "9") -> Path:
    rng = random.Random(seed)
    units = list(OrgUnit.objects.filter(kind__in=MEMBER_UNITS).values_list("code", flat=True))
    taken = set(Person.objects.exclude(citizen_id=None).values_list("citizen_id", flat=True))
    serial = 0
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(COLUMNS)
    for i in range(n):
        woman = rng.random() < WOMEN
        name = names.person_name(rng, "F" if woman else "M", "01")  # Kinh names
        born = dt.date(rng.randint(1945, 1999), rng.randint(1, 12), rng.randint(1, 28))
        ceremony = born.replace(year=born.year + rng.randint(18, 45))
        if ceremony > AS_OF:
            ceremony = AS_OF - dt.timedelta(days=rng.randint(1, 300))
        decision = ceremony - dt.timedelta(days=rng.randint(5, 25))
        confirmed = ceremony.replace(year=ceremony.year + 1)
        confirmed_s = confirmed.strftime("%d/%m/%Y") if confirmed <= AS_OF else ""
        century = (0 if born.year < 2000 else 2) + (1 if woman else 0)
        cccd = ""
        if rng.random() < CCCD_SHARE:
            while not cccd or cccd in taken:  # never a number the database already holds
                serial += 1
                cccd = f"064{century}{born.year % 100:02d}{serial % 1_000_000:06d}"
        left = ""
        if rng.random() < LEFT_SHARE:
            left = (ceremony + dt.timedelta(days=rng.randint(400, 4000))).strftime("%d/%m/%Y")
            if dt.datetime.strptime(left, "%d/%m/%Y").date() > AS_OF:
                left = ""
        ws.append(
            [
                name,
                born.strftime("%d/%m/%Y"),
                "Nữ" if woman else "Nam",
                cccd,
                "Kinh",
                "Không",
                "12/12",
                rng.choice(["Không", "Trung cấp", "Cao đẳng", "Đại học"]),
                rng.choice(["Không", "Sơ cấp", "Trung cấp"]),
                "",
                rng.choice(units),
                "",
                decision.strftime("%d/%m/%Y"),
                ceremony.strftime("%d/%m/%Y"),
                confirmed_s,
                f"{card_prefix}{i:07d}" if confirmed_s else "",
                left,
                "Từ trần" if left else "",
            ]
        )
    wb.save(path)
    return path
