"""Read the reference CSV files shipped in `data/` and load them into their tables."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_reference(ethnicity_model, religion_model, province_model) -> None:
    """Insert or update the official lists (idempotent; used by the migration and tests)."""
    for model, name in ((ethnicity_model, "ethnic_groups.csv"), (religion_model, "religions.csv")):
        for row in rows(name):
            model.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "aliases": row["aliases"]}
            )
    for row in rows("cccd_birth_registration_codes.csv"):
        province_model.objects.update_or_create(
            code=row["code"], defaults={"province": row["province"]}
        )
