import json

from django.contrib import messages
from django.db.models import Case, Exists, F, OuterRef, Subquery, Value, When
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, export_purpose, log
from dangvien.accounts.models import AuditEntry
from dangvien.admission.models import Candidate
from dangvien.core.audit_text import describe_entries
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.core.views import get_visible, today
from dangvien.membership.models import Membership, Status, Stint, full_on_q, member_on_q
from dangvien.orgs.picker import label_units
from dangvien.records.exits import shown_death
from dangvien.records.timeline import timeline
from dangvien.reports.exports import attachment, table_response

from .forms import PersonFilter
from .models import Person, everyone_branches, scope_branches
from .record import full_record

PAGE_SIZE = 50


def with_columns(people, day):
    """The list's columns: ethnicity, religion, last unit and status on `day`."""
    latest = Stint.objects.filter(membership__person=OuterRef("pk")).order_by("-start_on")
    memberships = Membership.objects.filter(person=OuterRef("pk"))
    return people.select_related("ethnicity", "religion").annotate(
        unit_name=Subquery(latest.values("unit__name")[:1]),
        unit_parent=Subquery(latest.values("unit__parent__name")[:1]),
        status=Case(
            When(
                Exists(memberships.filter(member_on_q(day) & full_on_q(day))),
                then=Value(Status.FULL),
            ),
            When(Exists(memberships.filter(member_on_q(day))), then=Value(Status.PROBATIONARY)),
            When(Exists(memberships.filter(ceremony_on__lte=day)), then=Value(Status.LEFT)),
            default=Value(""),
        ),
    )


def person_list(request):
    day = today()
    form = PersonFilter(request.GET or None, user=request.user, today=day)
    people = Person.objects.scoped(request.user)
    everyone = Person.objects.all()  # for a scoped search: the scope is in its branches
    if form.is_bound and form.is_valid():
        people = form.apply(people)
        everyone = form.apply(everyone, search=False)
        if form.cleaned_data.get("unit"):  # a code from a link shows as the unit's name
            form.data = form.data.copy()
            form.data["unit"] = label_units([form.cleaned_data["unit"]])[0][1]
    elif form.is_bound:
        people = people.none()  # a refused filter lists nobody rather than everybody
    people = with_columns(people, day)
    fmt = request.GET.get("format", "")
    export_error = None
    if fmt in ("xlsx", "csv") and not form.errors:  # the errors say why there is no file
        purpose = export_purpose(request)
        if purpose:
            return export_people(request, people, fmt, purpose)
        export_error = _("State the purpose of the export (the request it answers).")
    # A search reads the accent-free name index in order; the plain list, the Vietnamese
    # name order. Either way a keyset page (no OFFSET, no COUNT over the whole scope).
    searched = form.is_bound and not form.errors and form.cleaned_data.get("q")
    keys: tuple[str, ...] = ("sort_name", "birth_date", "pk")
    name, branches, rows = "people", [], None
    scope = Person.objects.scope_keys(request.user) if searched else None
    if searched and scope is None:
        # One OR no index reads in order: its two halves apart, then merged; the later
        # words through the table of name suffixes (`everyone_branches`).
        keys, name, people = ("skey", "pk"), "people-search", everyone
        branches = everyone_branches(form.cleaned_data["q"])
        # The page's people by id: the branches' queries applied the filters.
        rows = with_columns(Person.objects.with_search_key(), day)
    elif searched:
        # Each key of the scope and each half of the match read apart through the index
        # of the person → scope table (key, name, person): the scope is the joined key.
        keys, name, people = ("skey", "pid"), "people-scope-search", everyone
        branches = scope_branches(form.cleaned_data["q"], scope)
        rows = with_columns(Person.objects.with_search_key().annotate(pid=F("pk")), day)
    try:
        page = paginate(
            people,
            keys,
            request.GET.get("cursor"),
            name=name,
            size=PAGE_SIZE,
            query=query_without_cursor(request),
            branches=branches,
            rows=rows,
        )
    except BadCursor:
        return bad_cursor(request)
    labels = dict(Status.choices)
    personal_ids = set(
        Person.objects.visible_to(request.user, personal=True)
        .filter(pk__in=[p.pk for p in page])
        .values_list("pk", flat=True)
    )
    for p in page:
        p.status_label = labels.get(p.status, "")
        p.personal = p.pk in personal_ids
    return render(
        request,
        "people/person_list.html",
        {
            "form": form,
            "page": page,
            "error": export_error,
            "day": day,
        },
    )


def person_detail(request, pk: int):
    person = get_visible(
        Person.objects.visible_to(request.user).select_related(
            "ethnicity", "religion", "residence__parent"
        ),
        pk=pk,
    )
    day = today()
    memberships = person.memberships.prefetch_related("stints__unit").order_by("ceremony_on")
    # The admission dossier behind a membership, where the user may open it.
    dossiers = dict(
        Candidate.objects.visible_to(request.user)
        .filter(membership__person=person)
        .values_list("membership_id", "pk")
    )
    history = [
        {
            "m": m,
            "status": m.status_on(day),
            # Left already: the status holds since that day, not just today.
            "left_on": m.exit_on if m.exit_on is not None and m.exit_on <= day else None,
            "changes": m.status_changes(),
            "stints": m.stints.all(),
            # The number stays after an exit, the card it names no longer in use.
            "card_ended": card_ended(m),
            "dossier": dossiers.get(m.pk),
        }
        for m in memberships
    ]
    positions = person.positions.select_related("locality", "unit")
    personal = Person.objects.visible_to(request.user, personal=True).filter(pk=person.pk).exists()
    log(A.READ, person, detail="" if personal else "names only")
    death = shown_death(person)  # then the age at death, not the age today
    changes = list(AuditEntry.objects.filter(person_id=person.pk).exclude(action=A.READ)[:50])
    describe_entries(changes)  # said in the page's language, not as stored for operators
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "history": history,
            "timeline": timeline(person) if personal else [],
            "positions": positions,
            "day": day,
            "age": person.age_on(death.on if death else day),
            "death": death,
            "audit": changes if personal else [],
            "personal": personal,
            "current_unit": Stint.objects.filter(membership__person=person)
            .order_by("-start_on")
            .select_related("unit")
            .first(),
        },
    )


def card_ended(m: Membership):
    """The end of the card whose number the membership keeps, once it is no longer in use
    (an exit ends it: `records.cards.end_cards_on_exit`); None while in use."""
    if not m.card_number or m.exit_on is None:
        return None
    return m.cards.filter(number=m.card_number, ended_on__isnull=False).first()


def person_export(request, pk: int):
    """The person's full record as JSON, for a lawful request: POST with a purpose."""
    person = get_visible(Person.objects.visible_to(request.user, personal=True), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    purpose = export_purpose(request)
    if purpose is None:
        messages.error(request, _("State the purpose of the export (the request it answers)."))
        return redirect("person_detail", pk=pk)
    log(A.EXPORT, person, detail=f"full record; purpose: {purpose}"[:400])
    body = json.dumps(full_record(person), ensure_ascii=False, indent=2, default=str)
    return attachment(body, f"ho-so-{person.pk}.json", "application/json; charset=utf-8")


EXPORT_LIMIT = 100_000


def export_people(request, people, fmt: str, purpose: str):
    """The filtered list; personal columns only where the user may see them."""
    personal = (
        set(Person.objects.visible_to(request.user, personal=True).values_list("pk", flat=True))
        if people.exists()
        else set()
    )
    labels = dict(Status.choices)
    rows = []
    for p in people[:EXPORT_LIMIT]:
        shown = p.pk in personal
        rows.append(
            [
                p.full_name,
                # A date cell in the workbook; the CSV keeps the day as it is written.
                (p.birth_date if fmt == "xlsx" else p.birth_date.strftime("%d/%m/%Y"))
                if shown
                else "",
                p.get_sex_display() if shown else "",
                (p.citizen_id or "") if shown else "",
                p.ethnicity.name if shown else "",
                p.religion.name if shown else "",
                labels.get(p.status, "") or _("Not a member"),
                p.unit_name or "",
            ]
        )
    log(
        A.EXPORT,
        detail=f"people list {fmt}, {len(rows)} rows; purpose: {purpose}; "
        f"{request.GET.urlencode()}"[:400],
    )
    headers = [
        _("Full name"),
        _("Date of birth"),
        _("Sex"),
        _("Citizen ID (CCCD)"),
        _("Ethnicity"),
        _("Religion"),
        _("Status"),
        _("Unit"),
    ]
    return table_response(fmt, "danh-sach", headers, rows)
