"""Pages of cards, badges and ratings; each write calls the one action function of
`cards`, `badges` or `ratings`, the same as the JSON API."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, log
from dangvien.accounts.scoping import personal_everywhere, writable_paths
from dangvien.core.dates import parse_date
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.core.keyset import (
    BadCursor,
    bad_cursor,
    paginate_sorted,
    query_without_cursor,
)
from dangvien.core.views import day_from, get_visible, today
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import labels_across, resolve_unit
from dangvien.people.models import Person
from dangvien.reports.exports import DOCX, attachment

from . import badges, cards, exits, ratings
from .documents import badge_list_docx
from .models import QualityRating


# ----- shared ------------------------------------------------------------------------------
def default_unit(user) -> OrgUnit | None:
    visible = OrgUnit.objects.visible_to(user).order_by("depth", "path")
    return visible.on(today()).first() or visible.first()


def picked_unit(request, visible, day: dt.date, param: str = "unit"):
    """The unit typed or picked in `?unit=` among `visible`, else the top of the user's
    scope; with an error message when the text matches no unit."""
    typed = request.GET.get(param, "").strip()
    unit = resolve_unit(visible, typed, day) if typed else None
    if unit is None and typed:
        error = _("No unit in your scope is called “%(name)s”: pick one from the list.") % {
            "name": typed
        }
        return None, error
    return unit, None


def date_field(value: str, field: str, label: str) -> dt.date | None:
    if not (value or "").strip():
        return None
    try:
        return parse_date(value, field=label)
    except ValidationError as e:
        raise InvalidField(field, e.messages[0]) from None


def person_for_write(request, pk: int) -> Person:
    """The person (404 outside the user's scope) whose records the user may change (403
    for a role that only reads)."""
    person = get_visible(Person.objects.visible_to(request.user), pk=pk)
    if writable_paths(request.user) == []:
        raise PermissionDenied
    return person


def latest_membership(person: Person) -> Membership | None:
    return person.memberships.select_related("person").order_by("-ceremony_on").first()


def back(person: Person):
    return redirect("person_detail", pk=person.pk)


def _act(request, person: Person, action, done: str):
    try:
        action()
    except NotAllowed:
        raise PermissionDenied from None
    except ActionError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, done)
    return back(person)


# ----- cards -------------------------------------------------------------------------------
def card_issue(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    person = person_for_write(request, pk)
    m = latest_membership(person)
    post = request.POST

    def action():
        exits.refuse_if_dead(person)
        if m is None:
            raise InvalidField("number", _("%(name)s is not a party member.") % {"name": person})
        cards.issue_card(
            m,
            number=post.get("number", ""),
            issued_on=date_field(post.get("issued_on", ""), "issued_on", _("Card issued on")),
            issuing_body=post.get("issuing_body", ""),
            by=request.user,
        )

    return _act(
        request,
        person,
        action,
        _("Party card %(n)s issued.") % {"n": post.get("number", "").strip()},
    )


def card_reissue(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    person = person_for_write(request, pk)
    m = latest_membership(person)
    post = request.POST

    def action():
        exits.refuse_if_dead(person)
        if m is None:
            raise InvalidField("number", _("%(name)s is not a party member.") % {"name": person})
        cards.reissue_card(
            m,
            number=post.get("number", ""),
            issued_on=date_field(post.get("issued_on", ""), "issued_on", _("Card issued on")),
            reason=post.get("reason", ""),
            issuing_body=post.get("issuing_body", ""),
            by=request.user,
        )

    return _act(
        request,
        person,
        action,
        _("Party card %(n)s issued.") % {"n": post.get("number", "").strip()},
    )


def card_list(request):
    """Full members of a unit's subtree who hold no card in use on a day."""
    day, error = day_from(request)
    visible = OrgUnit.objects.visible_to(request.user)
    unit, unit_error = picked_unit(request, visible, day)
    unit = unit or default_unit(request.user)
    error = error or unit_error
    rows: list[Membership] = []
    page, total = None, 0
    # The list carries birth dates: a role showing names only gets a notice, not a "0".
    names_only = unit is not None and names_only_for(request, unit)
    if unit is not None and not names_only:
        # The same people as `visible_to`, read from the person → scope table: half the
        # time of gathering the scope from stints (1.9 s, not 4.0 s, nationwide at 300k).
        people = Person.objects.scoped(request.user, personal=True)
        # In the Vietnamese name order, ended by the id to be unique. The list is an anti-
        # join (full members of the subtree less those holding a card): no index reads it
        # in name order, and with a LIMIT PostgreSQL walks every person's name to find the
        # few without a card (2.5 s at 300k members). So the keys of the whole list are
        # read once (the count with them), paged here by the same signed cursors, and the
        # page's rows read by id.
        keys = list(
            cards.without_card(unit, day)
            .filter(person__in=people)
            .values_list("person__sort_name", "pk")
            .order_by()
        )
        try:
            page = paginate_sorted(
                keys,
                lambda k: k,
                request.GET.get("cursor"),
                name="cards",
                width=2,
                query=query_without_cursor(request),
            )
        except BadCursor:
            return bad_cursor(request)
        found = Membership.objects.select_related("person").in_bulk([pk for _n, pk in page])
        rows = [found[pk] for _n, pk in page]
        total = len(keys)
        units = {
            s.membership_id: s.unit
            for s in Stint.objects.on(day)
            .in_subtree(unit)
            .filter(membership__in=rows)
            .select_related("unit")
        }
        labels = labels_across(units.values())
        for m in rows:
            m.unit_now = units.get(m.pk)  # type: ignore[attr-defined]
            m.unit_label = labels[m.unit_now.path] if m.unit_now else ""  # type: ignore[attr-defined]
    return render(
        request,
        "records/card_list.html",
        {
            "unit": unit,
            "day": day,
            "rows": rows,
            "page": page,
            "total": total,
            "error": error,
            "names_only": names_only,
        },
    )


# ----- badges ------------------------------------------------------------------------------
def award_day_from(request) -> tuple[dt.date, str | None]:
    """The award day asked for (`year` and one of the four `day`s), else the next one."""
    nxt = badges.next_award_day(today())
    raw_year, raw_day = request.GET.get("year", ""), request.GET.get("day", "")
    if not raw_year and not raw_day:
        return nxt, None
    try:
        year = int(raw_year or nxt.year)
        month, day = (int(x) for x in (raw_day or f"{nxt.month}-{nxt.day}").split("-"))
        chosen = dt.date(year, month, day)
    except (TypeError, ValueError, OverflowError):  # a year past the C int: no date
        return nxt, _("Choose an award day among 3/2, 19/5, 2/9 and 7/11.")
    if (month, day) not in badges.AWARD_DAYS or not 1930 <= year <= 2100:
        return nxt, _("Choose an award day among 3/2, 19/5, 2/9 and 7/11.")
    return chosen, None


def _due(request):
    award_on, error = award_day_from(request)
    visible = OrgUnit.objects.visible_to(request.user)
    unit, unit_error = picked_unit(request, visible, today())
    unit = unit or default_unit(request.user)
    rows = []
    if unit is not None and not names_only_for(request, unit):
        people = Person.objects.visible_to(request.user, personal=True)
        rows = badges.due_list(unit, award_on, people=people)
    return unit, award_on, rows, error or unit_error


def names_only_for(request, unit: OrgUnit) -> bool:
    """Whether the user sees some of `unit`'s people by name only: the card and badge
    lists (birth dates, party age) are then a notice, not a "0"."""
    return not personal_everywhere(request.user, under=unit.path)


def badge_key(r: badges.DueRow) -> tuple:
    """The due list's order (highest badge first, then unit and name), made unique."""
    return (-r.years, r.unit.path, r.person.sort_name, r.person.pk, r.membership.pk)


def badge_list(request):
    unit, award_on, rows, error = _due(request)
    years = range(today().year - 1, today().year + 3)
    # Whether a badge is due is decided in Python (gaps, exits, badges held), so the
    # computed list is paged by its sort key; the Word list stays whole.
    try:
        page = paginate_sorted(
            rows,
            badge_key,
            request.GET.get("cursor"),
            name="badges",
            width=5,
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    labels = labels_across(r.unit for r in page.items)
    for r in page.items:
        r.unit_label = labels[r.unit.path]  # type: ignore[attr-defined]
    return render(
        request,
        "records/badge_list.html",
        {
            "unit": unit,
            "award_on": award_on,
            "rows": page.items,
            "page": page,
            "total": len(rows),
            "error": error,
            "years": years,
            "days": [(f"{m}-{d}", f"{d}/{m}") for m, d in badges.AWARD_DAYS],
            "chosen_day": f"{award_on.month}-{award_on.day}",
            "names_only": unit is not None and names_only_for(request, unit),
        },
    )


def badge_list_docx_view(request):
    unit, award_on, rows, error = _due(request)
    if unit is None or error:
        raise Http404(error or _("Not found, or outside your scope."))
    if names_only_for(request, unit):
        raise PermissionDenied(_("Your role shows names only; personal details need a grant."))
    log(A.EXPORT, unit, detail=f"badge list 4-HHĐ {award_on.isoformat()} (docx)")
    return attachment(
        badge_list_docx(unit, award_on, rows, today()),
        f"4-HHD-{unit.code}-{award_on:%Y%m%d}.docx",
        DOCX,
    )


def badge_award(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    person = person_for_write(request, pk)
    post = request.POST

    def action():
        try:
            years = int(post.get("years", ""))
        except ValueError:
            raise InvalidField("years", _("Choose the badge.")) from None
        badges.award_badge(
            person,
            years=years,
            awarded_on=date_field(post.get("awarded_on", ""), "awarded_on", _("Badge awarded on")),
            decision_number=post.get("decision_number", ""),
            by=request.user,
        )

    return _act(request, person, action, _("The badge is recorded."))


# ----- ratings -----------------------------------------------------------------------------
def rating_years() -> list[int]:
    now = today().year
    return list(range(now, now - 10, -1))


def _year(raw: str) -> int | None:
    """The year asked for; None for text or a year no rating can have (a date of year
    -99999999999 does not exist)."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return None
    return year if 1930 <= year <= 2100 else None


def rating_table(request):
    """A cell and a year: every member of the cell that year with their grade, entered in
    one table and saved at once (all rows or none)."""
    day = today()
    visible_cells = OrgUnit.objects.visible_to(request.user).filter(kind__in=ratings.RATING_UNITS)
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" and writable_paths(request.user) == []:
        raise PermissionDenied
    typed = source.get("unit", "").strip()
    cell = resolve_unit(visible_cells, typed, day) if typed else None
    raw_year = source.get("year", "").strip()
    year = _year(raw_year) or day.year - (1 if day.month < 10 else 0)
    error = None
    if typed and cell is None:
        error = _("No cell in your scope is called “%(name)s”: pick one from the list.") % {
            "name": typed
        }
    elif raw_year and _year(raw_year) is None:
        error = _("Choose a year from the list.")
        cell = None  # nothing read or saved for a year that is not one
    row_errors: dict[int, str] = {}
    members: list[Membership] = []
    posted: dict[int, str] = {}
    if cell is not None:
        members = list(
            ratings.members_of(cell, year).filter(
                person__in=Person.objects.visible_to(request.user, personal=True)
            )
        )
        if request.method == "POST":
            posted = {m.pk: source.get(f"grade-{m.pk}", "") for m in members}
            try:
                saved = ratings.rate_cell(cell, year, posted, by=request.user)
            except NotAllowed:
                raise PermissionDenied from None
            except ratings.RowErrors as e:
                row_errors = e.errors
                error = _("Nothing was saved: correct the rows marked below.")
            except ActionError as e:
                error = str(e)
            else:
                messages.success(
                    request,
                    _("%(n)s ratings saved for %(unit)s, %(y)s.")
                    % {"n": len(saved), "unit": cell.name, "y": year},
                )
                return redirect(f"{request.path}?unit={cell.code}&year={year}")
    elif request.method == "POST":
        error = error or _("Choose a cell.")
    stored = dict(
        QualityRating.objects.filter(membership__in=members, year=year).values_list(
            "membership_id", "grade"
        )
    )
    rows = [
        {
            "m": m,
            "grade": posted.get(m.pk, stored.get(m.pk, "")),
            "error": row_errors.get(m.pk, ""),
        }
        for m in members
    ]
    label = cell if cell is not None else typed  # the picker shows a chosen cell's name
    can_write = cell is not None and (
        writable_paths(request.user) is None
        or any(cell.path.startswith(p) for p in writable_paths(request.user) or [])
    )
    return render(
        request,
        "records/rating_table.html",
        {
            "cell": cell,
            "year": year,
            "years": rating_years(),
            "rows": rows,
            "grades": QualityRating.Grade.choices,
            "error": error,
            "label": label,
            "can_write": can_write,
        },
        status=400 if row_errors else 200,
    )


def rating_summary(request):
    day = today()
    visible = OrgUnit.objects.visible_to(request.user)
    unit, error = picked_unit(request, visible, day)
    unit = unit or default_unit(request.user)
    year = _year(request.GET.get("year", ""))
    if year is None:
        # The year being rated (from October), or the last one rated in the unit: a page
        # opened in December before any rating of the year is entered shows last year's.
        year = day.year - (1 if day.month < 10 else 0)
        if unit is not None:
            rated = QualityRating.objects.filter(
                unit__path__startswith=unit.path, year__lte=year
            ).aggregate(last=Max("year"))["last"]
            year = rated or year
    rows, total = ratings.summary(unit, year) if unit else ([], None)
    return render(
        request,
        "records/rating_summary.html",
        {
            "unit": unit,
            "year": year,
            "years": rating_years(),
            "rows": rows,
            "total": total,
            "grades": QualityRating.Grade.choices,
            "error": error,
        },
    )
