"""Pages of the admission pipeline: source list, board, dossier, alerts."""

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, export_purpose, log
from dangvien.accounts.scoping import personal_everywhere, roles_for, scope_paths
from dangvien.core.civil import years_between
from dangvien.core.errors import ActionError
from dangvien.core.keyset import (
    BadCursor,
    bad_cursor,
    paginate,
    paginate_sorted,
    query_without_cursor,
)
from dangvien.core.views import day_from, get_visible, today
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.orgs.picker import labels_across, resolve_unit
from dangvien.people.models import Person
from dangvien.records.cards import without_card
from dangvien.records.transfers import transfer_alerts, visible_transfers
from dangvien.reports.exports import DOCX, attachment, table_response
from dangvien.reports.views import default_unit
from dangvien.rules import rulesets
from dangvien.stats import fresh

from . import deadlines, documents, services, voiding
from .forms import CandidateForm, StepForm, default_date, expected_step
from .models import (
    ADMITTED,
    CLOSED,
    PERSONAL_TAGS,
    SHOWN,
    Candidate,
    Event,
    Stage,
    Tag,
    personal_tag_refused,
    tags_shown,
)
from .services import Step, TransitionError

FORMS = documents.FORM_EVENTS  # the checklist of a dossier


def chosen_unit(request) -> tuple[OrgUnit | None, str | None]:
    visible = OrgUnit.objects.visible_to(request.user)
    typed = request.GET.get("unit", "").strip()
    if typed:
        unit = resolve_unit(visible, typed, today())
        if unit is None:
            return default_unit(request.user), _(
                "No unit in your scope is called “%(name)s”: pick one from the list."
            ) % {"name": typed}
        return unit, None
    return default_unit(request.user), None


def name_cells(candidates) -> None:
    """`c.cell_label`: the cell with its grassroots organisation where the list spans
    several (a city-wide list); a ward's own list names the cell alone."""
    labels = labels_across({c.cell for c in candidates})
    for c in candidates:
        c.cell_label = labels[c.cell.path]


def by_tag(request, unit, qs):
    """`qs` narrowed to the asked priority group: (candidates, tag, the groups offered,
    an error). A role that shows names only is offered no group that tells a personal
    detail, and asking for one by URL is refused with no rows, not ignored: who is left
    in the list would tell it (as the people list's personal filters)."""
    personal = personal_everywhere(request.user, under=unit.path if unit else None)
    offered = [(v, label) for v, label in Tag.choices if personal or v not in PERSONAL_TAGS]
    tag = request.GET.get("tag", "")
    if tag not in Tag.values:
        return qs, "", offered, None
    if not personal and tag in PERSONAL_TAGS:
        return qs.none(), tag, offered, personal_tag_refused(tag)
    return qs.tagged(tag), tag, offered, None


def scoped(request, unit):
    qs = Candidate.objects.visible_to(request.user).select_related("person", "cell", "helper")
    return qs.filter(cell__path__startswith=unit.path) if unit else qs.none()


def communes_with_lists(unit, day) -> tuple[int, int]:
    """Commune and ward committees in the subtree, and how many have a source list: kept
    until the rows change (`stats.fresh`), for the count reads every commune of the
    subtree and its cells (the source list and the home page show it on every visit)."""
    return fresh.cached("communes_with_lists", (unit.pk, day), lambda: count_communes(unit, day))


def count_communes(unit, day) -> tuple[int, int]:
    communes = OrgUnit.objects.subtree(unit, on=day).filter(
        category=OrgUnit.Category.COMMUNE_WARD, kind__in=OrgUnit.GRASSROOTS_KINDS
    )
    # On the list that day: listed by then, and not closed by then.
    listed = Candidate.objects.filter(
        Q(stage_since__gt=day) | ~Q(stage__in=CLOSED),
        listed_on__lte=day,
        cell__path__startswith=OuterRef("path"),
    )
    with_list = communes.filter(Exists(listed)).count()
    return with_list, communes.count()


def candidate_list(request):
    unit, error = chosen_unit(request)
    day = today()
    qs = scoped(request, unit).prefetch_related("tags", "events__introducer")
    stage = request.GET.get("stage", "active")
    if stage == "active":
        qs = qs.active()
    elif stage in Stage.values:
        qs = qs.filter(stage=stage)
    qs, tag, tags, refused = by_tag(request, unit, qs)
    error = error or refused
    paths = scope_paths(request.user, personal=True)

    def with_deadlines(candidates):
        rows = []
        for c in candidates:
            c.personal = paths is None or any(c.cell.path.startswith(p) for p in paths)
            c.shown_tags = tags_shown(c.tags.all(), c.personal)
            rows.append((c, deadlines.next_deadline(c, list(c.events.all()))))
        name_cells([c for c, _dl in rows])
        return rows

    # The source list's order (the Vietnamese name order), ended by the id to be unique.
    qs = qs.annotate(sname=F("person__sort_name"))
    fmt = request.GET.get("format", "")
    printing = request.GET.get("print") == "1"
    if fmt in ("xlsx", "csv"):
        rows = with_deadlines(qs.order_by("sname", "pk"))  # the file is never paged
        purpose = export_purpose(request)
        if not purpose:
            error = _("State the purpose of the export (the request it answers).")
        else:
            log(A.EXPORT, unit, detail=f"source list {fmt} purpose: {purpose}")
            return table_response(
                fmt,
                f"danh-sach-nguon-{day:%Y%m%d}",
                [
                    _("Full name"),
                    _("Date of birth"),
                    _("Cell"),
                    _("Listed on"),
                    _("Priority groups"),
                    _("Helper"),
                    _("Stage"),
                    _("Next deadline"),
                    _("Due"),
                ],
                (
                    [
                        c.person.full_name,
                        c.person.birth_date if c.personal else None,
                        c.cell_label,
                        c.listed_on,
                        "; ".join(str(t.get_tag_display()) for t in c.shown_tags),
                        c.helper.full_name if c.helper else "",
                        c.get_stage_display(),
                        dl.label if dl else "",
                        dl.due if dl else None,
                    ]
                    for c, dl in rows
                ),
            )
    page = None
    if printing:  # the printable list is the whole list, like the files
        rows = with_deadlines(qs.order_by("sname", "pk"))
    else:
        try:
            page = paginate(
                qs,
                ("sname", "pk"),
                request.GET.get("cursor"),
                name="candidates",
                query=query_without_cursor(request),
            )
        except BadCursor:
            return bad_cursor(request)
        rows = with_deadlines(page)
    with_list, communes = communes_with_lists(unit, day) if unit else (0, 0)
    return render(
        request,
        "admission/candidate_list.html",
        {
            "unit": unit,
            "rows": rows,
            "page": page,
            "error": error,
            "stage": stage,
            "tag": tag,
            "stages": [(s.value, s.label) for s in SHOWN],
            "tags": tags,
            # The Word source list carries birth dates: offered where the unit's are seen.
            "personal_unit": unit is not None
            and OrgUnit.objects.visible_to(request.user, personal=True).filter(pk=unit.pk).exists(),
            "with_list": with_list,
            "communes": communes,
            "day": day,
            "printing": printing,
            "can_add": editable_cells(request.user).exists(),
        },
    )


def editable_cells(user):
    from dangvien.accounts.models import Role
    from dangvien.accounts.scoping import is_unrestricted, prefix_q

    cells = OrgUnit.objects.on(today()).filter(
        kind__in=[OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL]
    )
    if is_unrestricted(user):
        return cells
    paths = list(
        roles_for(user, False).exclude(kind=Role.Kind.LEADER).values_list("unit__path", flat=True)
    )
    return cells.filter(prefix_q("path", paths))


def candidate_new(request):
    cells = editable_cells(request.user)
    if not cells.exists():
        raise PermissionDenied
    day = today()
    typed = (request.POST.get("cell") or request.GET.get("cell") or "").strip()
    cell = resolve_unit(cells, typed, day) if typed else None
    helpers = cell_helpers(cell, day) if cell else Person.objects.none()
    form = CandidateForm(
        request.POST or None,
        cells=cells,
        localities=Locality.objects.visible_to(request.user),
        helpers=helpers,
        # A link from a cell's page names it by code: the field shows its label.
        initial={"listed_on": day, "cell": cell or typed},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():  # a refused listing leaves no new person behind
                person = services.person_for(d, by=request.user)
                c = services.list_candidate(
                    person,
                    d["cell"],
                    listed_on=d["listed_on"],
                    tags=d["tags"],
                    helper=d["helper"],
                    by=request.user,
                    today=day,
                    difficult_area=d["difficult_area"],
                    youth_union_exists=d["youth_union_exists"],
                )
        except TransitionError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request, _("%(name)s is on the source list.") % {"name": person.full_name}
            )
            for finding in c.listing_warnings:
                messages.warning(request, finding.message)
            return redirect("candidate_detail", pk=c.pk)
    return render(request, "admission/candidate_new.html", {"form": form})


def helper_options(request):
    """htmx: the helper <select> options for the cell chosen (a code, or the name the
    cell picker offers)."""
    typed = request.GET.get("cell", "").strip()[:300]
    cell = resolve_unit(editable_cells(request.user), typed, today()) if typed else None
    helpers = cell_helpers(cell, today()) if cell else Person.objects.none()
    return render(request, "admission/_helper_options.html", {"helpers": helpers[:500]})


def cell_helpers(cell: OrgUnit, day):
    """The full members of the chosen cell on `day`, in Vietnamese name order: the people
    the cell can assign to follow and help a candidate."""
    return (
        services.eligible_helpers(cell, day)
        .filter(memberships__stints__in=Stint.objects.members_on(day).filter(unit=cell))
        .order_by("sort_name")
    )


BOARD_CARDS = 20  # cards shown per column of the board


def urgency(card) -> tuple:
    """A board card's order: the nearest deadline first (the overdue before them), then
    those with none, by name."""
    c, due = card
    return (due is None, due.due if due else dt.date.max, c.person.full_name)


def board(request):
    """Active candidates by stage (counted as home counts them); closed dossiers apart."""
    unit, error = chosen_unit(request)
    qs = scoped(request, unit).prefetch_related("events")
    qs, tag, tags, refused = by_tag(request, unit, qs)
    error = error or refused
    columns: dict[str, list] = {s: [] for s in SHOWN if s not in CLOSED}
    closed: Counter = Counter()
    qs = list(qs)
    name_cells(qs)
    for c in qs:
        if c.stage in CLOSED:
            closed[c.stage] += 1
        else:
            due = deadlines.next_deadline(c, list(c.events.all()))
            columns.setdefault(c.stage, []).append((c, due))
    return render(
        request,
        "admission/board.html",
        {
            "unit": unit,
            "error": error,
            # Each column's most urgent cards (overdue first, then the nearest deadline;
            # a province has hundreds per stage): the list by stage has them all.
            "columns": [
                (Stage(s), len(cards), sorted(cards, key=urgency)[:BOARD_CARDS])
                for s, cards in columns.items()
            ],
            "closed": [(Stage(s), closed[s]) for s in CLOSED],
            "closed_total": sum(closed.values()),
            "tag": tag,
            "tags": tags,
            "total": sum(len(columns[s]) for s in columns if s not in ADMITTED),
            "admitted_total": sum(len(columns.get(s, [])) for s in ADMITTED),
            "day": today(),
        },
    )


def candidate_detail(request, pk: int):
    c = get_visible(
        Candidate.objects.visible_to(request.user).select_related(
            "person__ethnicity", "person__religion", "cell__parent", "helper", "membership"
        ),
        pk=pk,
    )
    day = today()
    personal = (
        Person.objects.visible_to(request.user, personal=True).filter(pk=c.person_id).exists()
    )
    if request.method == "GET":
        log(A.READ, c, detail="" if personal else "names only")
    events = list(c.events.select_related("introducer", "recorded_by"))
    form = step_form(request, c, events, day)
    blocked = None
    if request.method == "POST":
        if not Candidate.objects.editable_by(request.user).filter(pk=c.pk).exists():
            raise PermissionDenied
        if not form.switched and form.is_valid():
            d = form.cleaned_data
            step = Step(**{k: v for k, v in d.items() if k not in ("version", "for_kind")})
            step.document_number = step.document_number.strip()
            try:
                services.record(c, step, by=request.user, version=d["version"], today=day)
            except services.Blocked as e:
                blocked = e
                form.add_error(None, _("Not recorded: the rule check blocks this step."))
            except TransitionError as e:
                form.add_error(getattr(e, "field", None), str(e))
            else:
                messages.success(request, recorded_message(c, step))
                return redirect("candidate_detail", pk=c.pk)
    as_of, error = day_from(request)
    asked = request.GET.get("rule_set", "")
    rule_set, findings = services.findings_for(
        c, events, as_of=as_of, rule_set=asked if asked in rulesets.BY_ID else None
    )
    present = {e.kind for e in events}
    may_edit = Candidate.objects.editable_by(request.user).filter(pk=c.pk).exists()
    # Voided steps too, struck through, with who voided them, when and why.
    timeline = list(
        Event.all_objects.filter(candidate=c).select_related(
            "introducer", "recorded_by", "voided_by"
        )
    )
    checklist = [
        (number, None if number in not_applicable(c, events) else any(k in present for k in kinds))
        for number, kinds in FORMS
    ]
    return render(
        request,
        "admission/candidate_detail.html",
        {
            "c": c,
            "events": events,
            "timeline": timeline,
            "voidable": voiding.voidable(c, events) if may_edit else None,
            "form": form,
            "findings": findings,
            "rule_set": rule_set,
            "rule_set_in_use": rulesets.BY_ID[rule_set],
            "blocked": blocked,
            "checklist": checklist,
            "membership": membership_line(c.membership, day) if c.membership else "",
            "cell_line": cell_line(c.cell),
            "day": day,
            "as_of": as_of,
            "personal": personal,
            "rule_sets": rulesets.RULE_SETS,
            "error": error,
            "deadline": deadlines.next_deadline(c, events),
            "can_edit": may_edit and c.stage not in CLOSED,
            "tags": tags_shown(c.tags.all(), personal),
            "printable": documents.applicable(c),
        },
    )


def not_applicable(c: Candidate, events: list[Event]) -> set[str]:
    """The forms of the checklist this dossier has no use for (shown as "–", not as
    missing): the sub-committee's appraisals (7-KNĐ, 14-KNĐ) where there is none, the
    grassroots committee's resolutions (8-KNĐ, 15-KNĐ) in a grassroots cell (chi bộ cơ sở,
    which is its own grassroots organisation), and the Youth Union's resolution (4-KNĐ)
    when two full members introduced someone past Youth Union age, or where there is no
    Youth Union."""
    out = set()
    if not services.has_sub_committee(c.cell):
        out |= {"7-KNĐ", "14-KNĐ"}
    if c.cell.kind == OrgUnit.Kind.GRASSROOTS_CELL:
        out |= {"8-KNĐ", "15-KNĐ"}
    intros = [e for e in events if e.kind == Event.Kind.INTRODUCTION]
    if len(intros) >= 2 and not any(e.kind == Event.Kind.YOUTH_UNION_RESOLUTION for e in events):
        # Unless the Youth Union's resolution was due (youth age, where there is one).
        day = intros[-1].date
        young = years_between(c.person.birth_date, day) <= (
            rulesets.in_force_on(day).youth_union_max_age
        )
        if not (young and c.youth_union_exists):
            out.add("4-KNĐ")
    return out


def cell_line(cell: OrgUnit) -> str:
    """The cell, then each unit above it up to its grassroots organisation ("Chi bộ 2 –
    Đảng bộ bộ phận Cảnh sát – Đảng bộ Công an thành phố Pleiku"): the board and the
    list name the cell by its grassroots organisation, so the dossier names that too."""
    names = [cell.name]
    if not cell.is_grassroots:
        for unit in reversed(cell.ancestors()):
            names.append(unit.name)
            if unit.is_grassroots:
                break
    return " – ".join(names)


def membership_line(m: Membership, day: dt.date) -> str:
    """The admitted member's standing on `day`, for the dossier's header."""
    if m.exit_on and m.exit_on <= day:
        return _("Left the party on %(d)s") % {"d": m.exit_on.strftime("%d/%m/%Y")}
    if m.confirmed_on and m.confirmed_on <= day:
        return _("Full member since %(d)s") % {"d": m.confirmed_on.strftime("%d/%m/%Y")}
    return _("Probationary member since %(d)s") % {"d": m.ceremony_on.strftime("%d/%m/%Y")}


def step_form(request, c: Candidate, events, day, keep_date: str = "") -> StepForm:
    """The step form for the step asked for, else for the one expected next."""
    expected = expected_step(c, events, sub_committee=services.has_sub_committee(c.cell))
    asked = request.POST.get("kind") or request.GET.get("kind") or ""
    kind = asked if asked in Event.Kind.values and asked != Event.Kind.LISTED else expected
    introducers = services.eligible_helpers(c.cell, day).order_by("sort_name")
    initial = {
        "kind": kind,
        "for_kind": kind,
        "date": default_date(events, day),
        "version": c.version,
    }
    # A post without `for_kind` (a script, a test) is taken as meant for its kind.
    if request.method == "POST" and request.POST.get("for_kind", kind) == kind:
        form = StepForm(request.POST, introducers=introducers, kind=kind, initial=initial)
    else:
        if request.method == "POST":  # the step was changed: its fields, the date kept
            keep_date = request.POST.get("date", "")
        if keep_date:
            initial["date"] = keep_date
        form = StepForm(introducers=introducers, kind=kind, initial=initial)
    form.expected = expected  # type: ignore[attr-defined]
    return form


def candidate_void_step(request, pk: int, event_id: int):
    """POST: void the dossier's last step (recorded by mistake), with a reason."""
    c = get_visible(Candidate.objects.visible_to(request.user).select_related("person"), pk=pk)
    if request.method != "POST":
        raise Http404
    if not Candidate.objects.editable_by(request.user).filter(pk=c.pk).exists():
        raise PermissionDenied
    event = Event.all_objects.filter(candidate=c, pk=event_id).first()
    if event is None:
        raise Http404(_("Not found, or outside your scope."))
    version = request.POST.get("version", "")
    try:
        voiding.void_step(
            event,
            reason=request.POST.get("reason", ""),
            by=request.user,
            version=int(version) if version.isdigit() else None,
        )
    except ActionError as e:
        messages.error(request, _("Not voided: %(why)s") % {"why": e})
    else:
        messages.success(
            request,
            _("Voided: %(step)s of %(d)s. The stage is now “%(stage)s”.")
            % {
                "step": Event.Kind(event.kind).label,
                "d": event.date.strftime("%d/%m/%Y"),
                "stage": Stage(Candidate.objects.get(pk=c.pk).stage).label,
            },
        )
    return redirect("candidate_detail", pk=c.pk)


def candidate_step_form(request, pk: int):
    """htmx: the step form for another kind of step (its own fields)."""
    c = get_visible(
        Candidate.objects.visible_to(request.user).select_related("cell", "person"), pk=pk
    )
    if not Candidate.objects.editable_by(request.user).filter(pk=c.pk).exists():
        raise PermissionDenied
    events = list(c.events.all())
    form = step_form(request, c, events, today(), keep_date=request.GET.get("date", ""))
    return render(request, "admission/_step_form.html", {"c": c, "form": form})


def recorded_message(c: Candidate, step: Step) -> str:
    """What was recorded, naming the person as what they now are."""
    name = c.person.full_name
    if step.kind == Event.Kind.CEREMONY:
        return _("Recorded. %(name)s is a probationary member from %(d)s.") % {
            "name": name,
            "d": step.date.strftime("%d/%m/%Y"),
        }
    if step.kind == Event.Kind.CONFIRMATION_DECISION:
        return _("Recorded. %(name)s is a full member.") % {"name": name}
    return _("Recorded: %(step)s, %(name)s.") % {"step": Event.Kind(step.kind).label, "name": name}


def alert_list(request):
    day, error = day_from(request)
    items = deadlines.alerts(Candidate.objects.visible_to(request.user), day)
    # The transfers not received in time are listed below the candidates' alerts, and
    # counted with them: the figure on the page is the number of rows it lists.
    moves = transfer_alerts(visible_transfers(request.user), day)
    by_kind = Counter(a.kind for a in items)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv") and not error:
        purpose = export_purpose(request)
        if not purpose:
            error = _("State the purpose of the export (the request it answers).")
        else:
            name_cells([a.candidate for a in items])  # the file is never paged
            log(A.EXPORT, detail=f"alerts {fmt} purpose: {purpose}")
            return table_response(
                fmt,
                f"canh-bao-{day:%Y%m%d}",
                [_("Candidate"), _("Cell"), _("Alert"), _("Due"), _("Overdue")],
                alert_rows(items, moves),
            )
    # The alerts are computed in Python from each dossier's events and the rule set in
    # force (deadlines.alerts), so no SQL order keys them: the computed list is paged by
    # a stable key of its own order (overdue first, then by due date, then the name
    # order the candidates were read in), made unique by the candidate's id and the rank
    # of the alert among theirs.
    seen: Counter = Counter()
    keys = {}
    for a in items:
        c = a.candidate
        seen[c.pk] += 1
        keys[id(a)] = (int(not a.overdue), a.due or day, c.person.sort_name, c.pk, seen[c.pk])
    try:
        page = paginate_sorted(
            items,
            lambda a: keys[id(a)],
            request.GET.get("cursor"),
            name="alerts",
            width=5,
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    name_cells([a.candidate for a in page])
    return render(
        request,
        "admission/alerts.html",
        {
            "alerts": page.items,
            "page": page,
            "transfer_alerts": moves,
            "total": len(items) + len(moves),
            "day": day,
            "error": error,
            "by_kind": by_kind,
        },
    )


def alert_rows(items, moves):
    """The rows of the alerts export: the candidates' alerts, then (under their own
    header, as the page shows them) the transfers not received in the legal time."""
    for a in items:
        yield [
            a.candidate.person.full_name,
            a.candidate.cell_label,
            a.message,
            a.due,
            # (an alert with no deadline, such as an introducer who left, is urgent,
            # not overdue)
            _("yes") if a.overdue and a.due else "",
        ]
    if not moves:
        return
    yield []
    yield [_("Transfers not yet received")]
    yield [_("Party member"), _("Sending unit"), _("Alert"), _("Due"), _("Overdue")]
    for m in moves:
        t = m.transfer
        yield [
            t.membership.person.full_name,
            t.from_unit.name if t.from_unit else "",
            m.message,
            m.due,
            _("yes") if m.overdue else "",
        ]


# ----- Word documents -------------------------------------------------------------------
def personal_candidate(request, pk: int) -> Candidate:
    """A candidate in the user's scope whose personal details the user may see."""
    c = get_visible(
        Candidate.objects.visible_to(request.user).select_related(
            "person__ethnicity",
            "person__religion",
            "person__residence__parent",
            "cell__parent",
            "helper",
            "membership",
        ),
        pk=pk,
    )
    if not Person.objects.visible_to(request.user, personal=True).filter(pk=c.person_id).exists():
        raise PermissionDenied
    return c


def candidate_form(request, pk: int, code: str):
    c = personal_candidate(request, pk)
    if code not in documents.applicable(c):
        raise Http404
    log(A.EXPORT, c, detail=f"form {code}")
    return attachment(documents.form_docx(c, code), documents.file_name(code, c.person), DOCX)


def candidate_forms_zip(request, pk: int):
    c = personal_candidate(request, pk)
    log(A.EXPORT, c, detail="forms " + ", ".join(documents.applicable(c)))
    name = documents.file_name("ho-so", c.person).replace(".docx", ".zip")
    return attachment(documents.forms_zip(c), name, "application/zip")


def personal_unit(request, code: str) -> OrgUnit:
    return get_visible(OrgUnit.objects.visible_to(request.user, personal=True), code=code.upper())


def unit_candidates_docx(request, code: str):
    """The source list of a unit (its subtree), active candidates, as a Word table."""
    unit = personal_unit(request, code)
    qs = (
        Candidate.objects.visible_to(request.user)
        .active()
        .filter(cell__path__startswith=unit.path)
        .filter(person__in=Person.objects.visible_to(request.user, personal=True))
        .select_related("person__ethnicity", "person__religion", "person__residence__parent")
        .select_related("cell", "helper")
        .prefetch_related("tags")
        .order_by("cell__path", "person__sort_name")
    )
    log(A.EXPORT, unit, detail="candidate list (docx)")
    day = today()
    return attachment(
        documents.candidate_list_docx(unit, list(qs), day),
        f"danh-sach-nguon-{unit.code}-{day:%Y%m%d}.docx",
        DOCX,
    )


def unit_cards_docx(request, code: str):
    """Mẫu 1-TĐV: full members in the unit's subtree who hold no card yet."""
    unit = personal_unit(request, code)
    day, _error = day_from(request)  # the unit page's date (default today)
    qs = (
        without_card(unit, day)
        .filter(person__in=Person.objects.visible_to(request.user, personal=True))
        .select_related("person")
        .order_by("person__sort_name")
    )
    log(A.EXPORT, unit, detail="card list 1-TĐV (docx)")
    return attachment(
        documents.card_list_docx(unit, list(qs), day),
        f"1-TDV-{unit.code}-{day:%Y%m%d}.docx",
        DOCX,
    )
