"""A person's whole history in date order, as the member page shows it: residence, stints
and status, transfers, temporary activity, exits and reversals, exemptions, periods out of
contact, cards, badges, positions and ratings. Each entry is (date, what, detail); a
residence known only "since before the records begin" comes first, without a date."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dangvien.membership.models import Stint
from dangvien.people.models import Person


@dataclass
class Entry:
    day: dt.date | None
    what: str
    detail: str = ""
    struck: bool = False  # a reversed or cancelled record, kept and shown struck through

    @property
    def key(self) -> tuple:
        return (self.day or dt.date.min,)


def _unit(unit) -> str:
    return unit.name if unit else ""


def _doc(number: str) -> str:
    return _("document %(n)s") % {"n": number} if number else ""


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def timeline(person: Person) -> list[Entry]:
    out: list[Entry] = []
    for res in person.residences.select_related("locality__parent"):
        out.append(Entry(res.start_on, _("Lives in"), res.locality.long_name))
    for m in person.memberships.all():
        out.append(Entry(m.decision_on, _("Admission decision"), _doc(m.decision_number)))
        out.append(Entry(m.ceremony_on, _("Admission ceremony")))
        if m.confirmed_on:
            out.append(Entry(m.confirmed_on, _("Full member")))
        for s in Stint.objects.filter(membership=m).select_related("unit"):
            if s.reason_in != Stint.ReasonIn.ADMITTED:
                out.append(Entry(s.start_on, s.get_reason_in_display(), _unit(s.unit)))
            elif s.start_on != m.ceremony_on:
                out.append(Entry(s.start_on, _("Party activity in"), _unit(s.unit)))
            if s.end_on and s.reason_out not in ("", Stint.ReasonOut.EXIT):
                out.append(Entry(s.end_on, s.get_reason_out_display(), _unit(s.unit)))
        for t in m.transfers.select_related("from_unit", "to_unit", "received_in"):
            where = _unit(t.to_unit) or t.outside_body
            if t.issued_on:
                out.append(
                    Entry(
                        t.issued_on,
                        _("Transfer issued: %(kind)s") % {"kind": t.get_kind_display()},
                        _join(
                            _unit(t.from_unit),
                            "→ " + where if where else "",
                            _doc(t.document_number),
                        ),
                        struck=bool(t.cancelled_on),
                    )
                )
            if t.received_on:
                out.append(
                    Entry(
                        t.received_on,
                        _("Transfer received"),
                        _join(
                            _unit(t.received_in or t.to_unit),
                            t.outside_body if not t.issued_on else "",
                            _doc(t.received_document),
                        ),
                    )
                )
            if t.cancelled_on:
                out.append(Entry(t.cancelled_on, _("Transfer cancelled"), t.cancel_reason))
        for st in m.temporary_stays.select_related("host_unit"):
            host = _unit(st.host_unit) or st.host_body
            out.append(
                Entry(
                    st.start_on,
                    _("Temporary party activity in"),
                    _join(host, _doc(st.document_number)),
                )
            )
            if st.end_on:
                out.append(Entry(st.end_on, _("Temporary party activity ends"), host))
        for e in m.exits.all():
            out.append(
                Entry(
                    e.on,
                    _("Left the party: %(reason)s") % {"reason": e.get_reason_display()},
                    _join(e.decided_by, _doc(e.document_number)),
                    struck=bool(e.reversed_on),
                )
            )
            if e.reversed_on:
                out.append(Entry(e.reversed_on, _("Exit reversed"), e.reversal_reason))
        for x in m.exemptions.all():
            out.append(
                Entry(
                    x.start_on,
                    _("Exempt from party work and activity: %(reason)s")
                    % {"reason": x.get_reason_display()},
                    _doc(x.document_number),
                )
            )
            if x.end_on:
                out.append(Entry(x.end_on, _("Exemption ends")))
        for o in m.out_of_contact.all():
            out.append(Entry(o.start_on, _("Out of contact with the party organisation"), o.note))
            if o.end_on:
                out.append(Entry(o.end_on, _("Contact with the party organisation restored")))
        for c in m.cards.all():
            out.append(
                Entry(
                    c.issued_on,
                    c.get_reason_display(),
                    _join(_("card %(n)s") % {"n": c.number}, c.issuing_body),
                )
            )
        for q in m.ratings.select_related("unit"):
            out.append(
                Entry(
                    dt.date(q.year, 12, 31),
                    _("Rated for %(year)d: %(grade)s")
                    % {"year": q.year, "grade": q.get_grade_display()},
                    _unit(q.unit),
                )
            )
    for b in person.badges.all():
        out.append(Entry(b.awarded_on, b.get_years_display(), _doc(b.decision_number)))
    for p in person.positions.select_related("locality", "unit"):
        where = p.locality.name if p.locality else _unit(p.unit)
        out.append(Entry(p.start_on, p.get_kind_display(), where))
        if p.end_on:
            out.append(
                Entry(
                    p.end_on,
                    _("No longer %(post)s") % {"post": p.get_kind_display().lower()},
                    where,
                )
            )
    out.sort(key=lambda e: e.key)
    return out
