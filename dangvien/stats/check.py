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
    return out
