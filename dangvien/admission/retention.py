"""Erase the personal data of withdrawn and rejected candidates after a retention period.

The candidate row, its stage, cell, tags and event kinds and dates stay (statistics keep
their counts); the person's name, identity number, exact birth date, telephone, address
and the free text of the dossier go. People who are, or were, members are never touched.

The values go everywhere else too: the audit entries about the person keep who, when
and what action, their values are replaced by the retention marker (the one change the
append-only log allows, `accounts.chain.erase_person`); uploads, spill files and error
lists of imports that mention them are removed (`erase_import_traces`). The erasure is
itself logged.
"""

import datetime as dt
import json
import time
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from dangvien.accounts.audit import A, log
from dangvien.accounts.chain import RETENTION_DETAIL, erase_person
from dangvien.core.civil import add_years
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from .models import EXITS, Candidate, Event

ANONYMOUS = "Đã ẩn danh"


def due(today: dt.date, years: int):
    """Candidates whose personal data are past retention on `today`."""
    cutoff = add_years(today, -years)
    return (
        Candidate.objects.filter(stage__in=EXITS, stage_since__lt=cutoff)
        .exclude(person__full_name__startswith=ANONYMOUS)
        .exclude(Exists(Membership.objects.filter(person=OuterRef("person"))))
        .exclude(
            Exists(Candidate.objects.filter(person=OuterRef("person")).exclude(stage__in=EXITS))
        )
        .select_related("person", "cell")
    )


def identifying(p: Person) -> list[str]:
    """The values that single a person out in free text and files: name and CCCD (a birth
    date alone is shared by thousands)."""
    terms = [unicodedata.normalize(form, p.full_name) for form in ("NFC", "NFD")]
    if p.citizen_id:
        terms += [p.citizen_id, p.citizen_id.lstrip("0")]  # a CCCD typed as a number
    return sorted({t for t in terms if len(t) >= 4})


@transaction.atomic
def anonymise(candidate: Candidate) -> list[str]:
    """Erase the person's data, and their values from the audit log; returns the values
    erased (for `erase_import_traces`)."""
    p: Person = candidate.person
    terms, old_birth = identifying(p), p.birth_date
    p.full_name = f"{ANONYMOUS} #{p.pk}"
    p.citizen_id = None
    p.birth_date = p.birth_date.replace(month=1, day=1)  # the year stays, for age bands
    p.phone = p.address = ""
    p.save()
    for event in Event.all_objects.filter(candidate__person=p):  # one by one: audited
        event.note = event.subject = event.document_number = ""
        event.card_number = event.approved_by = ""
        event.save(
            update_fields=["note", "subject", "document_number", "card_number", "approved_by"]
        )
    # The entries just written above hold the old values too: erased with the rest.
    erase_person(p.pk, [*terms, old_birth.strftime("%d/%m/%Y"), old_birth.isoformat()])
    log(A.DELETE, p, detail=RETENTION_DETAIL)
    return terms


SPILL_AGE = 24 * 3600  # an import's spill file is in use for minutes, never a day


def _found(stream, needles: list[bytes]) -> bool:
    """Whether a stream holds any needle, read a megabyte at a time."""
    overlap = max(map(len, needles)) - 1
    tail = b""
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        if any(n in data for n in needles):
            return True
        tail = data[-overlap:] if overlap else b""
    return False


def _mentions(path: Path, needles: list[bytes]) -> bool:
    """An upload (XLSX: its XML parts, unpacked as a stream; CSV; a spill file, whose
    pickled strings are UTF-8) that holds one of the values."""
    try:
        if path.suffix.lower() == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.endswith(".xml"):
                        with z.open(name) as part:
                            if _found(part, needles):
                                return True
            return False
        with open(path, "rb") as f:
            return _found(f, needles)
    except (OSError, zipfile.BadZipFile):
        return False


def erase_import_traces(terms: Iterable[str]) -> int:
    """Remove what imports keep of erased people: uploads and spill files in IMPORT_DIR
    that mention any of `terms` (unless an import is using them), and the problems
    listed for a row that names them (the error report). Returns files and runs changed.
    A namesake's waiting upload goes too (a name is all some candidates have): it is
    uploaded again, while a trace left behind could not be taken back."""
    from dangvien.imports.models import ImportRun  # imports sit above admission

    terms = sorted({t for t in terms if len(t) >= 4})
    if not terms:
        return 0
    needles = [t.encode() for t in terms]
    busy = ImportRun.Status.CHECKING, ImportRun.Status.WRITING
    runs = {r.stored: r for r in ImportRun.objects.exclude(stored="")}
    changed = 0
    folder = Path(settings.IMPORT_DIR)
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if not path.is_file() or path.suffix == ".progress":
            continue
        run = runs.get(path.name)
        if run is not None and run.status in busy:
            continue
        if run is None and time.time() - path.stat().st_mtime < SPILL_AGE:
            continue  # a spill file an import may be reading now
        if not _mentions(path, needles):
            continue
        path.unlink(missing_ok=True)
        changed += 1
        if run is not None:
            if run.status in (ImportRun.Status.READY, ImportRun.Status.INVALID):
                run.status = ImportRun.Status.CANCELLED
            run.stored = ""
            run.save(update_fields=["status", "stored"])
    for run in ImportRun.objects.exclude(problems=[]):
        text = json.dumps(run.problems, ensure_ascii=False)
        if not any(t in text for t in terms):
            continue
        rows = {
            p["row"]
            for p in run.problems
            if any(t in json.dumps(p, ensure_ascii=False) for t in terms)
        }
        for p in run.problems:
            if p["row"] in rows:  # every problem of a row that names them
                p["value"] = None
                for t in terms:
                    p["message"] = p["message"].replace(t, "…")
                    p["fix"] = (p.get("fix") or "").replace(t, "…")
        run.save(update_fields=["problems"])
        changed += 1
    return changed
