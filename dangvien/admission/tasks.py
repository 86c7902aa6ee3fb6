"""The daily alerts as a background task (see core.jobs): deadline and eligibility alerts
of active candidates, and transfers of party activity overdue. `dangvien alerts` runs the
same function in its own process, or queues the task for `dangvien worker` with
--enqueue; the task's result (JSON) stays in the queue table, readable in the admin."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from dangvien.orgs.models import OrgUnit
from dangvien.records.transfers import TransferAlert, touching, transfer_alerts

from .deadlines import Alert, alerts
from .models import Candidate


class UnknownUnit(ValueError):
    pass


def unit_of(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    unit = OrgUnit.objects.filter(code=code.strip().upper()).first()
    if unit is None:
        raise UnknownUnit(f"Mã đơn vị không tồn tại: “{code}”.")
    return unit


def daily(day: dt.date, org: str | None = None) -> tuple[list[Alert], list[TransferAlert]]:
    """The alerts on `day`, in a unit's subtree when `org` (a unit code) is given."""
    unit = unit_of(org)
    candidates = Candidate.objects.all()
    if unit is not None:
        candidates = candidates.filter(cell__path__startswith=unit.path)
    return alerts(candidates, day), transfer_alerts(touching(unit), day)


def as_json(day: dt.date, found: list[Alert], moves: list[TransferAlert]) -> dict:
    return {
        "as_of": day.isoformat(),
        "alerts": [a.as_dict() for a in found],
        "transfer_alerts": [a.as_dict() for a in moves],
    }


@task()
def daily_alerts(as_of: str | None = None, org: str | None = None) -> dict:
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    found, moves = daily(day, org)
    return as_json(day, found, moves)
