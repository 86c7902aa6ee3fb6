"""The precomputed report against a full recount (the tests and `rebuild-stats --check`)."""

import datetime as dt

from dangvien.orgs.models import OrgUnit


def differences(unit: OrgUnit, day: dt.date) -> list[str]:
    """Every figure where the precomputed structure report differs from the recount."""
    from dangvien.reports.structure import structure

    fast = structure(unit, day, precomputed=True).as_json()
    slow = structure(unit, day, precomputed=False).as_json()
    out = []
    for key in sorted(set(fast) | set(slow)):
        if key == "breakdowns":
            for name in sorted(set(fast[key]) | set(slow[key])):
                a, b = fast[key].get(name), slow[key].get(name)
                if a != b:
                    out.append(f"{name}: {a} ≠ {b}")
        elif fast.get(key) != slow.get(key):
            out.append(f"{key}: {fast.get(key)} ≠ {slow.get(key)}")
    # The admissions, from the `admitted` totals: all of them up to `day`, and by month
    # over its year.
    from dangvien.reports.development import admissions_by_month, admitted_count

    since = dt.date(1900, 1, 1)
    a, b = (admitted_count(unit, since, day, precomputed=p) for p in (True, False))
    if a != b:
        out.append(f"admitted: {a} ≠ {b}")
    year = dt.date(day.year, 1, 1)
    a, b = (admissions_by_month(unit, year, day, precomputed=p) for p in (True, False))  # type: ignore[assignment]
    if a != b:
        out.append(f"admitted by month: {a} ≠ {b}")
    return out
