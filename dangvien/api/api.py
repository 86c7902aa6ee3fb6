"""The JSON API (django-ninja); OpenAPI at /api/openapi.json, documentation at /api/docs."""

from typing import Any

from ninja import Body, NinjaAPI, Schema, Status
from ninja.security import django_auth

from dangvien.admission.models import CalendarDay
from dangvien.api.schemas import ErrorOut
from dangvien.rules import rulesets
from dangvien.rules.checks import report
from dangvien.rules.dossier import DossierError, parse

api = NinjaAPI(
    title="dangvien API",
    version="1",
    description="Party-member development: candidates and their dossiers, rule checks. "
    "Log in to the web app first: the API uses the same session (and its CSRF token for "
    "writes). Every answer is limited to the user's scope.",
    auth=django_auth,
    urls_namespace="api",
)

EXAMPLE = {
    "person": {
        "birth_date": "1999-03-04",
        "sex": "F",
        "general_education": "12/12",
        "difficult_area": False,
        "youth_union_member": True,
        "religion": "none",
    },
    "course": {"certificate_date": "2016-05-10"},
    "introducers": [
        {
            "kind": "member",
            "full_member_since": "2009-01-01",
            "worked_together_since": "2016-01-01",
        },
        {"kind": "youth_union", "resolution_date": "2017-06-01"},
    ],
    "youth_union_exists": True,
    "verification": {"required": 4, "answered": 4},
    "cell_vote": {"date": "2017-07-01", "full_members": 12, "in_favour": 8},
    "grassroots_vote": {"date": "2017-07-20", "committee_members": 9, "in_favour": 7},
    "decision": {"date": "2017-09-01"},
    "ceremony": {"date": "2017-09-20"},
}


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    citation: str


class CheckOut(Schema):
    rule_set: str
    findings: list[FindingOut]


class RuleSetOut(Schema):
    id: str
    name: str
    in_force_from: str


api.add_router("/candidates", "dangvien.api.candidates.router")
api.add_router("", "dangvien.api.exits.router")  # /exits, /exemptions
api.add_router("/positions", "dangvien.api.positions.router")
api.add_router("/people", "dangvien.api.people.router")
api.add_router("/", "dangvien.api.cards.router")  # /cards, /badges, /ratings
api.add_router("/transfers", "dangvien.api.transfers.router")


@api.post(
    "/rules/check",
    response={200: CheckOut, 400: ErrorOut},
    summary="Check a dossier against the rule set in force (or the one named)",
    description="Dates are ISO YYYY-MM-DD; an absent key means the step has not happened "
    "yet. Nothing is stored. An empty `findings` list means the dossier passes so far. "
    "`grassroots_vote` (and `confirmation.grassroots_vote`) counts the grassroots "
    "committee's members (`committee_members`), checked under `vote.grassroots`; a list "
    "of such votes gives every attempt, earliest first.",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE}}}},
)
def rules_check(request, dossier: dict[str, Any] = Body(...), rule_set: str | None = None):
    try:
        days = CalendarDay.overrides()
        return Status(200, report(parse(dossier), rule_set, overrides=days))
    except DossierError as e:
        return Status(400, {"error": str(e)})
    except rulesets.UnknownRuleSet:
        known = ", ".join(rs.id for rs in rulesets.RULE_SETS)
        return Status(400, {"error": f"Không có bộ quy định “{rule_set}” (có: {known})."})


@api.get("/rules/sets", response=list[RuleSetOut], summary="The rule sets, oldest first")
def rule_sets(request):
    return [
        {"id": rs.id, "name": rs.name, "in_force_from": rs.in_force_from.isoformat()}
        for rs in rulesets.RULE_SETS
    ]
