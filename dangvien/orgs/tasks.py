"""Restructuring from the page as a background task (see core.jobs): the page checks the
operations first (the preview), then queues their application; `dangvien worker` checks
them again inside the one transaction that applies them (the tree may have moved), so a
refusal still changes nothing. The result (the preview's lines, or the problems) stays
with the task for its page."""

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django_tasks import task

from dangvien.accounts.audit import on_behalf

from . import locality_restructure
from .restructure import Effect, Op, apply, plan


def ops_json(ops: list[Op]) -> list[dict]:
    return [{**dataclasses.asdict(op), "day": op.day.isoformat()} for op in ops]


def ops_from(data: list[dict]) -> list[Op]:
    return [Op(**{**d, "day": dt.date.fromisoformat(d["day"])}) for d in data]


def outcome(effect: Effect) -> dict:
    return {
        "ok": effect.ok,
        "lines": effect.lines() if effect.ok else [],
        "problems": [list(p) for p in effect.problems],
    }


def carry_out(ops: list[Op], scope: set[int], places: bool, by) -> Effect:
    """Check within the user's scope, then apply: all or nothing."""
    if places:
        effect = locality_restructure.plan(ops, scope_ok=lambda loc: loc.pk in scope)
        if not effect.ok:
            return effect
        return locality_restructure.apply(ops, by=by, scope_ok=lambda loc: loc.pk in scope)
    effect = plan(ops, scope_ok=lambda unit: unit.pk in scope)
    return apply(ops, by=by) if effect.ok else effect


@task()
def apply_restructuring(
    ops: list[dict],
    scope: list[int],
    places: bool = False,
    *,
    user_id: int | None = None,
    ip: str | None = None,
) -> dict:
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with on_behalf(user_id, ip):
        return outcome(carry_out(ops_from(ops), set(scope), places, by))


@task()
def undo_restructuring(
    record_id: int, *, user_id: int | None = None, ip: str | None = None
) -> dict:
    """Undo a recorded restructuring (the page checked the scope); refused, nothing
    changes and the reason is kept for the task's page."""
    from .models import Restructuring
    from .restructure import CannotUndo, undo

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    record = Restructuring.objects.get(pk=record_id)
    with on_behalf(user_id, ip):
        try:
            undo(record, by=by)
        except CannotUndo as e:
            return {"ok": False, "undo": True, "error": str(e), "lines": [], "problems": []}
    return {"ok": True, "undo": True, "lines": [record.summary], "problems": []}


@task()
def split_unit(
    unit_id: int,
    day: str,
    parts: list[list[str]],
    assign: dict[str, dict[str, str]],
    *,
    user_id: int | None = None,
    ip: str | None = None,
) -> dict:
    """Split a unit as the split page asked (every child unit, member, locality and
    candidate given a part); refused, nothing changes and the reason is kept."""
    from .models import OrgUnit
    from .restructure import SplitError, split

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    unit = OrgUnit.objects.get(pk=unit_id)
    given = {kind: {int(pk): code for pk, code in codes.items()} for kind, codes in assign.items()}
    with on_behalf(user_id, ip):
        try:
            record = split(
                unit,
                dt.date.fromisoformat(day),
                [(code, name) for code, name in parts],
                given,
                by=by,
            )
        except SplitError as e:
            return {"ok": False, "error": str(e), "lines": [], "problems": []}
    return {"ok": True, "lines": [record.summary], "problems": []}
