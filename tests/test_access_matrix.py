"""The access matrix: every URL pattern and API route × every persona, with an object
inside and outside their scope: the expected status, and no personal field of an
out-of-scope person in any response body."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dangvien.accounts.models import Role
from dangvien.admission.models import Event
from dangvien.imports.models import ImportRun
from dangvien.records.exits import record_exit
from dangvien.records.models import Exemption, OutOfContact
from dangvien.targets.models import Term

from . import factories as f
from .admission_helpers import lan

PERSONAS = ["anonymous", "city", "ward_a", "ward_b", "secretary_a", "leader_a"]
USERS = ["city", "ward_a", "ward_b", "secretary_a", "leader_a"]
# (route name or API path, how to call it, expected status per persona)
OK = 200


def matrix(o):
    a = o.an.pk
    c = o.candidate.pk
    r = o.run.pk
    t = o.term.pk
    ev = Event.objects.filter(candidate=o.candidate).last().pk  # the last step of the dossier
    everyone = dict.fromkeys(PERSONAS[1:], OK) | {"anonymous": 302}
    importers = everyone | {"leader_a": 403}
    ward_a_run = importers | {"ward_b": 404, "secretary_a": 404}
    board = dict.fromkeys(PERSONAS[1:], 403) | {"anonymous": 302, "city": OK}
    # Exits and exemptions
    left, x, y, p = o.left.pk, o.exit.pk, o.exemption.pk, o.period.pk
    writers = everyone | {"ward_b": 404, "leader_a": 403}
    forged = dict.fromkeys(PERSONAS[1:], 404) | {"anonymous": 302}
    in_personal_scope = everyone | {"ward_b": 404, "leader_a": 404}
    personal = everyone | {"anonymous": 401, "ward_b": 404, "leader_a": 404}
    api_body = dict.fromkeys(PERSONAS[1:], 422) | {"anonymous": 401}
    writes_person = dict.fromkeys(PERSONAS, 302) | {"ward_b": 404, "leader_a": 403}
    api_person = everyone | {"anonymous": 401, "ward_b": 404, "leader_a": 404}
    api_write = dict.fromkeys(PERSONAS, 422) | {"anonymous": 401, "ward_b": 404, "leader_a": 403}
    api_unit = everyone | {"anonymous": 401, "ward_b": 400}
    return [
        ("home", "GET", "/", everyone),
        ("unit_tree", "GET", "/units/", everyone),
        # The searchable unit picker's options: each user's own scope (its tests).
        ("unit_options", "GET", "/units/options/?unit=chi", everyone),
        ("locality_options", "GET", "/localities/options/?locality=to", everyone),
        # Restructuring is the organisation board's (and administrators') work only.
        ("restructure", "GET", "/units/restructure/", board),
        ("restructure_split", "GET", "/units/restructure/split/", board),
        ("locality_restructure", "GET", "/localities/restructure/", board),
        ("restructure_undo", "POST", "/units/restructure/999999/undo/", board | {"city": 404}),
        (
            "restructure_task",
            "GET",
            "/units/restructure/task/00000000-0000-4000-8000-000000000000/",
            board | {"city": 404},
        ),
        ("unit_detail", "GET", "/units/A1/", everyone | {"ward_b": 404}),
        ("locality_list", "GET", "/localities/", everyone),
        ("person_list", "GET", "/people/", everyone),
        ("person_detail", "GET", f"/people/{a}/", everyone | {"ward_b": 404}),
        # Without a purpose the export sends back to the person page (302); a leader may
        # not export personal data at all.
        (
            "person_export",
            "POST",
            f"/people/{a}/export/",
            dict.fromkeys(PERSONAS, 302) | {"ward_b": 404, "leader_a": 404},
        ),
        ("statistics", "GET", "/statistics/?unit=WARDA", everyone),
        ("development", "GET", "/statistics/development/?unit=WARDA", everyone | {"ward_b": 200}),
        ("coverage", "GET", "/statistics/coverage/?unit=WARDA", everyone),
        ("targets", "GET", "/targets/?unit=WARDA", everyone),
        ("dashboard", "GET", "/dashboard/", everyone),
        # Terms and their targets are defined by the organisation board (and administrators).
        ("term_list", "GET", "/targets/terms/", board),
        ("term_list", "POST", "/targets/terms/", board),  # the form's errors: 200
        ("term_targets", "GET", f"/targets/terms/{t}/", board),
        ("term_targets", "POST", f"/targets/terms/{t}/", board | {"city": 302}),
        ("term_targets", "GET", "/targets/terms/999999/", board | {"city": 404}),
        # The documents of the reports: a unit out of scope is not found.
        (
            "development_pdf",
            "GET",
            "/statistics/development/report.pdf?unit=A1&from=2017-01-01&to=2017-12-31",
            everyone | {"ward_b": 404},
        ),
        (
            "coverage_pdf",
            "GET",
            "/statistics/coverage/report.pdf?unit=A1",
            everyone | {"ward_b": 404},
        ),
        ("targets_pdf", "GET", "/targets/report.pdf?unit=A1", everyone | {"ward_b": 404}),
        ("dashboard_pdf", "GET", "/dashboard/report.pdf?unit=A1", everyone | {"ward_b": 404}),
        ("report_draft", "GET", "/reports/draft.docx?unit=A1", everyone | {"ward_b": 404}),
        # A report file made by the worker: only its asker's (an unknown id: not found).
        ("export_task", "GET", "/exports/00000000-0000-4000-8000-000000000000/", forged),
        ("export_file", "GET", "/exports/00000000-0000-4000-8000-000000000000/file/", forged),
        ("candidate_list", "GET", "/candidates/", everyone),
        ("candidate_new", "GET", "/candidates/new/", everyone | {"leader_a": 403}),
        ("candidate_helpers", "GET", "/candidates/helpers/?cell=A1", everyone),
        ("candidate_board", "GET", "/candidates/board/", everyone),
        ("candidate_detail", "GET", f"/candidates/{c}/", everyone | {"ward_b": 404}),
        (
            "candidate_step_form",
            "GET",
            f"/candidates/{c}/step-form/?kind=DECISION",
            everyone | {"ward_b": 404, "leader_a": 403},
        ),
        (
            "candidate_detail",
            "POST",
            f"/candidates/{c}/",
            everyone | {"ward_b": 404, "leader_a": 403},
        ),
        # Word documents hold personal data: a names-only leader gets 403.
        (
            "candidate_form",
            "GET",
            f"/candidates/{c}/forms/6-KNĐ.docx",
            ward_a_run | {"secretary_a": OK},
        ),
        ("candidate_forms", "GET", f"/candidates/{c}/forms.zip", ward_a_run | {"secretary_a": OK}),
        (
            "unit_candidates_docx",
            "GET",
            "/units/A1/candidates.docx",
            ward_a_run | {"secretary_a": OK, "leader_a": 404},
        ),
        (
            "unit_cards_docx",
            "GET",
            "/units/A1/cards.docx",
            ward_a_run | {"secretary_a": OK, "leader_a": 404},
        ),
        ("alerts", "GET", "/alerts/", everyone),
        ("import_list", "GET", "/imports/", importers),
        ("import_codes", "GET", "/imports/codes/?codes=to", importers),
        ("import_template", "GET", "/imports/template/members.xlsx", importers),
        (
            "import_export",
            "GET",
            "/imports/export/?kind=members&format=csv&purpose=ki%E1%BB%83m+tra",
            importers,
        ),
        ("import_export", "GET", "/imports/export/?kind=units&format=xlsx", importers),
        ("import_new", "POST", "/imports/new/", importers | dict.fromkeys(PERSONAS[1:5], 400)),
        ("import_detail", "GET", f"/imports/{r}/", ward_a_run),
        ("import_report", "GET", f"/imports/{r}/report.xlsx", ward_a_run),
        ("import_write", "POST", f"/imports/{r}/write/", ward_a_run | {"city": 409, "ward_a": 409}),
        (
            "import_cancel",
            "POST",
            f"/imports/{r}/cancel/",
            ward_a_run | {"city": 302, "ward_a": 302},
        ),
        ("audit_log", "GET", "/audit/", dict.fromkeys(PERSONAS[1:], 403) | {"anonymous": 302}),
        (
            "audit_user_options",
            "GET",
            "/audit/users/?user=ward",
            dict.fromkeys(PERSONAS[1:], 403) | {"anonymous": 302},
        ),
        (
            "two_factor_setup",
            "GET",
            "/accounts/2fa/setup/",
            everyone | {"city": 302},
        ),  # the city officer is enrolled: sent to verify
        ("two_factor_verify", "GET", "/accounts/2fa/verify/", everyone),
        ("api", "GET", "/api/candidates", everyone | {"anonymous": 401}),
        # A names-only leader reads the dossier as the page shows it: no personal field.
        ("api", "GET", f"/api/candidates/{c}", everyone | {"anonymous": 401, "ward_b": 404}),
        (
            "api",
            "POST",
            f"/api/candidates/{c}/events",
            dict.fromkeys(PERSONAS, 409) | {"anonymous": 401, "ward_b": 404, "leader_a": 403},
        ),
        ("api", "POST", "/api/rules/check", everyone | {"anonymous": 401}),
        ("api", "GET", "/api/rules/sets", everyone | {"anonymous": 401}),
        ("api", "GET", "/api/docs", everyone | {"anonymous": 401}),
        # Exits and exemptions: written in the member's unit (a leader only reads: 403).
        ("person_exit", "GET", f"/people/{a}/exit/", writers),
        ("person_exit", "POST", f"/people/{a}/exit/", writers),  # the form's errors: 200
        ("exit_reverse", "GET", f"/people/{left}/exits/{x}/reverse/", writers),
        ("exit_reverse", "POST", f"/people/{left}/exits/{x}/reverse/", writers),
        ("exit_reverse", "GET", f"/people/{a}/exits/{x}/reverse/", forged),
        ("exit_expunged", "GET", f"/people/{left}/exits/{x}/expunged/", writers),
        ("exit_expunged", "POST", f"/people/{left}/exits/{x}/expunged/", writers),
        ("exemption_new", "GET", f"/people/{a}/exemptions/new/", writers),
        ("exemption_new", "POST", f"/people/{a}/exemptions/new/", writers),
        ("exemption_end", "GET", f"/people/{a}/exemptions/{y}/end/", writers),
        ("exemption_end", "POST", f"/people/{a}/exemptions/{y}/end/", writers),
        ("exemption_end", "GET", f"/people/{left}/exemptions/{y}/end/", forged),
        # Periods out of contact: personal dates, read and written in the personal scope.
        ("out_of_contact", "GET", f"/people/{a}/out-of-contact/", in_personal_scope),
        ("out_of_contact", "POST", f"/people/{a}/out-of-contact/", in_personal_scope),
        # Correcting or deleting one: the matrix's body is no valid form (200, nothing
        # changed; the delete needs its confirmation); another person's period: 404.
        ("out_of_contact_edit", "GET", f"/people/{a}/out-of-contact/{p}/edit/", in_personal_scope),
        ("out_of_contact_edit", "POST", f"/people/{a}/out-of-contact/{p}/edit/", in_personal_scope),
        ("out_of_contact_edit", "GET", f"/people/{left}/out-of-contact/{p}/edit/", forged),
        (
            "out_of_contact_delete",
            "GET",
            f"/people/{a}/out-of-contact/{p}/delete/",
            in_personal_scope,
        ),
        (
            "out_of_contact_delete",
            "POST",
            f"/people/{a}/out-of-contact/{p}/delete/",
            in_personal_scope,
        ),
        ("out_of_contact_delete", "POST", f"/people/{left}/out-of-contact/{p}/delete/", forged),
        # Read with personal details only; a write with the matrix's body is refused by
        # its schema (422) before scope, which tests/test_exits.py checks with real ones.
        ("api", "GET", f"/api/exits?person={a}", personal),
        ("api", "GET", f"/api/exemptions?person={a}", personal),
        ("api", "POST", "/api/exits", api_body),
        ("api", "POST", f"/api/exits/{x}/reverse", api_body),
        ("api", "POST", f"/api/exits/{x}/expunged", api_body),
        ("api", "POST", "/api/exemptions", api_body),
        ("api", "POST", f"/api/exemptions/{y}/end", api_body),
        # Positions held, and voiding a dossier step (area: positions). The page POSTs
        # carry no position or reason: refused with a message (302 back to the page).
        ("position_list", "GET", "/positions/?unit=WARDA", everyone),
        ("position_list", "GET", "/positions/?locality=WA-TDP1", everyone),
        (
            "position_assign",
            "POST",
            f"/people/{a}/positions/",
            dict.fromkeys(PERSONAS, 302) | {"ward_b": 404, "leader_a": 403},
        ),
        (
            "position_end",
            "POST",
            "/positions/999999/end/",
            dict.fromkeys(USERS, 404) | {"anonymous": 302},
        ),
        (
            "candidate_void_step",
            "POST",
            f"/candidates/{c}/events/{ev}/void/",
            dict.fromkeys(PERSONAS, 302) | {"ward_b": 404, "leader_a": 403},
        ),
        (
            "api",
            "GET",
            "/api/positions?unit=WARDA",
            everyone | {"anonymous": 401, "ward_b": 400, "secretary_a": 400},
        ),
        ("api", "POST", "/api/positions", dict.fromkeys(PERSONAS, 422) | {"anonymous": 401}),
        (
            "api",
            "POST",
            "/api/positions/999999/end",
            dict.fromkeys(PERSONAS, 422) | {"anonymous": 401},
        ),
        (
            "api",
            "POST",
            f"/api/candidates/{c}/events/{ev}/void",
            dict.fromkeys(PERSONAS, 400) | {"anonymous": 401, "ward_b": 404, "leader_a": 403},
        ),
        # person: editing a person's details, residence history. An invalid form is
        # shown again (200) or sent back to the person page (302); nothing is written.
        ("person_edit", "GET", f"/people/{a}/edit/", everyone | {"ward_b": 404, "leader_a": 403}),
        ("person_edit", "POST", f"/people/{a}/edit/", everyone | {"ward_b": 404, "leader_a": 403}),
        (
            "person_move",
            "POST",
            f"/people/{a}/residence/",
            dict.fromkeys(PERSONAS, 302) | {"ward_b": 404, "leader_a": 403},
        ),
        ("api", "GET", f"/api/people/{a}", everyone | {"anonymous": 401, "ward_b": 404}),
        (  # version 99 is not the one stored: 409, nothing written
            "api",
            "PATCH",
            f"/api/people/{a}",
            dict.fromkeys(PERSONAS, 409) | {"anonymous": 401, "ward_b": 404, "leader_a": 403},
        ),
        (  # a locality code nobody has: 400, nothing written
            "api",
            "POST",
            f"/api/people/{a}/residence",
            dict.fromkeys(PERSONAS, 400) | {"anonymous": 401, "ward_b": 404, "leader_a": 403},
        ),
        # Cards, badges, ratings: the lists follow the unit picked (one out of scope is an
        # error on the page, 404 for a file, 400 in the API); writes about a person are
        # 404 out of scope and 403 for a role that only reads; the API's refusals of an
        # empty body are 422 (a field) or 400 (no cell).
        ("card_list", "GET", "/cards/?unit=A1", everyone),
        ("card_issue", "POST", f"/people/{a}/cards/issue/", writes_person),
        ("card_reissue", "POST", f"/people/{a}/cards/reissue/", writes_person),
        ("badge_list", "GET", "/badges/?unit=A1", everyone),
        # The list carries each member's party age: names only is refused (403), not
        # handed an empty file.
        (
            "badge_list_docx",
            "GET",
            "/badges/list.docx?unit=A1",
            everyone | {"ward_b": 404, "leader_a": 403},
        ),
        ("badge_award", "POST", f"/people/{a}/badges/award/", writes_person),
        ("ratings", "GET", "/ratings/?unit=A1", everyone),
        ("ratings", "POST", "/ratings/", everyone | {"leader_a": 403}),
        ("rating_summary", "GET", "/ratings/summary/?unit=A1", everyone),
        ("api", "GET", f"/api/cards/people/{a}", api_person),
        ("api", "POST", f"/api/cards/people/{a}", api_write),
        ("api", "GET", "/api/cards/without?unit=A1", api_unit),
        ("api", "GET", f"/api/badges/people/{a}", api_person),
        ("api", "POST", f"/api/badges/people/{a}", api_write),
        ("api", "GET", "/api/badges/due?unit=A1", api_unit),
        ("api", "GET", "/api/ratings?unit=A1", api_unit),
        (
            "api",
            "POST",
            "/api/ratings",
            dict.fromkeys(PERSONAS, 400) | {"anonymous": 401, "leader_a": 403},
        ),
        ("api", "GET", "/api/ratings/summary?unit=A1", api_unit),
        # records/transfers: a member of A2 in transit to B1 (`tr`), Bình of A2 in temporary
        # activity at B1 (`st`). Each side acts on its own step only; leaders only read.
        *transfer_rows(o, everyone),
        ("api", "GET", "/api/openapi.json", everyone | {"anonymous": 401}),
    ]


def person_payload(url: str) -> dict | None:
    """The body of a person API call in the matrix (a stale version, an unknown place)."""
    if url.endswith("/residence"):
        return {"locality": "NO-SUCH-PLACE", "on": "2017-01-05"}
    if url.startswith("/api/people/"):
        return {"version": 99, "phone": "0905000000"}
    return None


def transfer_rows(o, everyone):
    """The transfer pages and API: rows for the matrix, with the records they act on."""
    from dangvien.membership.models import Membership
    from dangvien.records.models import TemporaryStay, Transfer

    t = Transfer.objects.filter(document_number="MATRIX").first()
    if t is None:
        mover = f.person("Đặng Văn Chuyển", f.D(1985, 1, 1), "M")
        m = f.member(mover, o.cell_a2, ceremony=f.D(2010, 1, 1), stint_end=f.D(2020, 3, 2))
        m.stints.update(reason_out="TRANSFER")
        t = Transfer.objects.create(
            membership=m,
            kind="OFFICIAL",
            from_unit=o.cell_a2,
            to_unit=o.cell_b1,
            issued_on=f.D(2020, 3, 2),
            document_number="MATRIX",
        )
        TemporaryStay.objects.create(
            membership=Membership.objects.get(person=o.binh),
            host_unit=o.cell_b1,
            start_on=f.D(2021, 2, 1),
        )
    tr, st, a = t.pk, TemporaryStay.objects.get().pk, o.an.pk
    writer = everyone | {"leader_a": 403}
    of_an = writer | {"ward_b": 404}  # An of A1: ward A's, the A1 secretary's, the board's
    sender = everyone | {"ward_b": 403, "secretary_a": 404, "leader_a": 403}
    receiver = everyone | {"ward_a": 403, "secretary_a": 404, "leader_a": 403}
    sides = everyone | {"secretary_a": 404, "leader_a": 403}
    api_422 = dict.fromkeys(PERSONAS, 422) | {"anonymous": 401}
    return [
        ("transfer_list", "GET", "/transfers/", everyone),
        ("transfer_in", "GET", "/transfers/in/", writer),
        ("transfer_in", "POST", "/transfers/in/", writer),  # the form's errors: 200
        ("transfer_issue", "GET", f"/people/{a}/transfer/", of_an),
        ("transfer_issue", "POST", f"/people/{a}/transfer/", of_an),
        ("transfer_out", "GET", f"/people/{a}/transfer-out/", of_an),
        ("transfer_out", "POST", f"/people/{a}/transfer-out/", of_an),
        ("temporary_start", "GET", f"/people/{a}/temporary/", of_an),
        ("temporary_start", "POST", f"/people/{a}/temporary/", of_an),
        ("transfer_receive", "GET", f"/transfers/{tr}/receive/", receiver),
        ("transfer_receive", "POST", f"/transfers/{tr}/receive/", receiver),
        (
            "transfer_receive_cells",
            "GET",
            f"/transfers/{tr}/receive/cells/?on=20/03/2020",
            receiver,
        ),
        # Any ward's cells (a transfer crosses wards), to a user who may issue one.
        ("transfer_unit_options", "GET", "/transfers/units/?to_unit=chi", writer),
        ("transfer_cancel", "GET", f"/transfers/{tr}/cancel/", sender),
        ("transfer_cancel", "POST", f"/transfers/{tr}/cancel/", sender),
        ("temporary_end", "GET", f"/temporary/{st}/end/", sides),
        ("temporary_end", "POST", f"/temporary/{st}/end/", sides),
        (
            "transfer_receive",
            "GET",
            "/transfers/999999/receive/",
            everyone | dict.fromkeys(USERS, 404),
        ),
        ("api", "GET", "/api/transfers", everyone | {"anonymous": 401}),
        ("api", "GET", "/api/transfers?all=true", everyone | {"anonymous": 401}),
        # The matrix's payload lacks every required field: refused before any scope check.
        ("api", "POST", "/api/transfers", api_422),
        ("api", "POST", "/api/transfers/out", api_422),
        ("api", "POST", "/api/transfers/in", api_422),
        ("api", "POST", "/api/transfers/temporary", api_422),
        ("api", "POST", f"/api/transfers/{tr}/receive", api_422),
        ("api", "POST", f"/api/transfers/{tr}/cancel", api_422),
        ("api", "POST", f"/api/transfers/temporary/{st}/end", api_422),
    ]


def named_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin",) or "i18n" in str(p.pattern):
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and not namespace:
                names.add(p.name)

    walk(get_resolver().url_patterns)
    auth = {
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
    return names - auth


@pytest.fixture
def world(org, personas, settings):
    org.candidate = lan(org)
    org.term = Term.objects.create(
        unit=org.ward_b, name="2015–2020", start=f.D(2015, 7, 1), end=f.D(2020, 6, 30)
    )
    personas.leader_a = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    # Exits and exemptions: an exemption of An, a former member of cell A1 who died.
    org.exemption = Exemption.objects.create(
        membership=org.an.memberships.get(), reason="AGE", start_on=f.D(2019, 1, 1)
    )
    org.period = OutOfContact.objects.create(
        membership=org.an.memberships.get(), start_on=f.D(2015, 1, 1), end_on=f.D(2016, 1, 1)
    )
    org.left = f.person("Hồ Văn Em", f.D(1940, 1, 1), residence=org.tdp_a1)
    m = f.member(org.left, org.cell_a1, ceremony=f.D(1970, 1, 1))
    org.exit = record_exit(m, on=f.D(2020, 1, 1), reason="DEATH", by=None)
    # An import by the ward A officer that found a problem: its file waits for the report.
    folder = settings.IMPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "upload.csv").write_text("Mã đơn vị,Tên đơn vị\nA9,Chi bộ 9\n", encoding="utf-8")
    org.run = ImportRun.objects.create(
        kind="units",
        file_name="units.csv",
        stored="upload.csv",
        sha256="0" * 64,
        user=personas.ward_a_officer,
        status=ImportRun.Status.INVALID,
        problem_count=1,
        problems=[{"row": 1, "column": "Loại", "value": None, "message": "thiếu cột", "fix": ""}],
    )
    return org, personas


def test_every_route_is_in_the_matrix(world):
    org, _ = world
    covered = {name for name, *_ in matrix(org)}
    assert named_routes() <= covered, named_routes() - covered


def login(client, personas, persona):
    user = {
        "city": personas.city_officer,
        "ward_a": personas.ward_a_officer,
        "ward_b": personas.ward_b_officer,
        "secretary_a": personas.secretary_a,
        "leader_a": personas.leader_a,
    }.get(persona)
    if user:
        client.force_login(user)
    return user


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(client, world, persona):
    org, personas = world
    login(client, personas, persona)
    # Personal fields of people outside the persona's personal scope.
    an, lan_ = org.an, org.candidate.person
    hidden = {
        "ward_b": [an.full_name, an.citizen_id, "01/05/1980", lan_.full_name],
        "leader_a": [an.citizen_id, "01/05/1980", "15/08/1995", "1980-05-01", "1995-08-15"],
        "anonymous": [an.full_name, lan_.full_name],
    }.get(persona, [])
    failures = []
    for _name, method, url, expected in matrix(org):
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            payload = (
                {"kind": "APPLICATION", "date": "2017-01-05", "version": 99}
                if "events" in url
                else {"person": {"birth_date": "1990-01-01"}}
            )
            payload = person_payload(url) or payload
            response = client.generic(
                method, url, json.dumps(payload), content_type="application/json"
            )
        else:
            response = client.post(
                url, {"kind": "APPLICATION", "date": "05/01/2017", "version": 99}
            )
        if response.status_code != expected[persona]:
            failures.append(f"{method} {url}: {response.status_code} != {expected[persona]}")
        body = response.content.decode(errors="replace")
        for secret in hidden:
            if secret and secret in body:
                failures.append(f"{method} {url} shows “{secret}” to {persona}")
    assert not failures, "\n".join(failures)


# ----- filters and list fields × persona ------------------------------------------------
# Every filter on a personal field of the people list (page and export): a leader without
# the personal-data grant is refused, with a message, rather than learning who is, say, a
# believer from who is left in the list.
PERSONAL_FILTERS = [
    {"sex": "F"},
    {"ethnicity": "minority"},
    {"ethnicity": "10"},
    {"religion": "believer"},
    {"religion": "03"},
    {"age_min": "20"},
    {"age_max": "30"},
    {"education": "UPPER_SECONDARY"},
    {"professional": "college_plus"},
    {"professional": "UNIVERSITY"},
]
OPEN_FILTERS = [{"q": "an"}, {"status": "full"}, {"unit": "A1"}]
REFUSED = "chỉ xem được họ tên"


@pytest.mark.parametrize("persona", USERS)
def test_filters_by_persona(client, world, persona):
    org, personas = world
    login(client, personas, persona)
    names_only = persona == "leader_a"
    failures = []
    for query in PERSONAL_FILTERS + OPEN_FILTERS:
        refused = names_only and query in PERSONAL_FILTERS
        foreign_unit = persona == "ward_b" and "unit" in query  # A1: an error of its own
        page = client.get("/people/", query, HTTP_ACCEPT_LANGUAGE="vi")
        body = page.content.decode()
        if page.status_code != 200 or (REFUSED in body) != refused:
            failures.append(f"page {query}: {page.status_code}, refused={REFUSED in body}")
        if refused and len(page.context["page"]):
            failures.append(f"page {query}: a refused filter still lists people")
        export = client.get(
            "/people/", {**query, "format": "csv", "purpose": "kiểm tra"}, HTTP_ACCEPT_LANGUAGE="vi"
        )
        is_file = "attachment" in export.get("Content-Disposition", "")
        if is_file == (refused or foreign_unit):
            failures.append(f"export {query}: file={is_file} for {persona}")
    assert not failures, "\n".join(failures)


def test_a_refused_filter_is_not_applied_and_writes_no_export(client, world):
    org, personas = world
    client.force_login(personas.leader_a)
    from dangvien.accounts.models import AuditEntry

    exports = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count()
    body = client.get(
        "/people/", {"religion": "03", "format": "xlsx", "purpose": "kiểm tra"}
    ).content.decode()
    assert REFUSED in body and "Trần Thị Bình" not in body  # Bình is the believer
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == exports


PERSON_KEYS = {"id", "full_name", "birth_date", "sex"}
NAMES_ONLY_KEYS = {"id", "full_name"}
DOSSIER_KEYS = {"events", "rule_set", "findings"}


@pytest.mark.parametrize("persona", USERS)
def test_list_fields_by_persona(client, world, persona):
    """The API gives each persona exactly the fields the pages show them."""
    org, personas = world
    login(client, personas, persona)
    names_only = persona == "leader_a"
    rows = client.get("/api/candidates").json()
    sees_lan = persona in ("city", "ward_a", "secretary_a", "leader_a")
    assert [r["person"]["full_name"] for r in rows] == (["Vũ Thị Lan"] if sees_lan else [])
    for r in rows:
        assert set(r["person"]) == (NAMES_ONLY_KEYS if names_only else PERSON_KEYS)
    detail = client.get(f"/api/candidates/{org.candidate.pk}")
    if not sees_lan:
        assert detail.status_code == 404
        return
    data = detail.json()
    assert detail.status_code == 200
    assert set(data["person"]) == (NAMES_ONLY_KEYS if names_only else PERSON_KEYS)
    assert (DOSSIER_KEYS & set(data)) == (set() if names_only else DOSSIER_KEYS)
    # The pages: the people list and its export show the personal columns, or not.
    page = client.get("/people/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert ("01/05/1980" in page) == (not names_only and persona != "ward_b")
    export = client.get("/people/", {"format": "csv", "purpose": "kiểm tra"})
    lines = [line.split(",") for line in export.content.decode("utf-8-sig").splitlines()]
    an = next(line for line in lines if line[0] == "Nguyễn Văn An")
    assert (an[1:6] == [""] * 5) == names_only
    source_list = client.get("/candidates/", {"format": "csv", "purpose": "kiểm tra"})
    assert source_list.status_code == 200 and "Vũ Thị Lan" in source_list.content.decode()
    assert ("1995-08-15" in source_list.content.decode()) == (not names_only)
