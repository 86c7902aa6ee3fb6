"""Pages as users see them: figures, filters, search, and bad input."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dangvien.people.models import Person


def test_statistics_page_shows_the_units_figures_on_a_date(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(reverse("statistics"), {"unit": "CITY", "date": "2017-11-30"})
    assert response.status_code == 200
    assert response.context["s"].figures["members"] == 3
    body = response.content.decode()
    assert 'id="members-total">3<' in body
    assert "30/11/2017" in body


def test_statistics_default_to_today_and_the_users_unit(client, personas, org):
    client.force_login(personas.ward_a_officer)
    response = client.get(reverse("statistics"))
    assert response.context["unit"].code == "WARDA"
    from django.utils import timezone

    assert response.context["day"] == timezone.localdate()


def test_bad_date_gets_a_vietnamese_message_not_a_500(client, personas, org):
    client.force_login(personas.city_officer)
    with translation.override("vi"):
        response = client.get(
            reverse("statistics"), {"date": "31/02/2017"}, HTTP_ACCEPT_LANGUAGE="vi"
        )
    assert response.status_code == 200
    assert "không phải là ngày hợp lệ" in response.content.decode()


def test_statistics_export_to_xlsx(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(
        reverse("statistics"), {"unit": "CITY", "date": "2017-11-30", "format": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert rows["THÀNH ỦY THỬ"] is None  # the issuing committee in the heading
    assert 3 in rows.values()


def test_accent_free_search_finds_the_person(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(reverse("person_list"), {"q": "nguyen van an"})
    assert [p.full_name for p in response.context["page"]] == ["Nguyễn Văn An"]
    assert [p.status_label for p in response.context["page"]] == ["Đảng viên chính thức"]
    response = client.get(reverse("person_list"), {"q": "BINH"})
    assert [p.full_name for p in response.context["page"]] == ["Trần Thị Bình"]


def test_name_search_has_a_trigram_index_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's (SQLite scans, fast enough there)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'person_search_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin (search_name gin_trgm_ops)" in definition
    query = Person.objects.search("nguyen van").order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:  # a tiny table is scanned; forbid that to see
        # On an empty table any index looks as cheap: set the word-prefix search's own
        # index aside (DDL inside the test's transaction, rolled back with it).
        cursor.execute("DROP INDEX IF EXISTS person_search_key")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "person_search_trgm" in plan


def test_person_filters(client, personas, org):
    client.force_login(personas.city_officer)

    def names(**params):
        response = client.get(reverse("person_list"), params)
        assert response.status_code == 200
        return [p.full_name for p in response.context["page"]]

    assert names(sex="F", status="member") == ["Trần Thị Bình"]
    assert names(status="non_member") == ["Phạm Thị Dung"]
    assert names(ethnicity="minority") == ["Trần Thị Bình"]
    assert names(religion="believer") == ["Trần Thị Bình"]
    assert names(unit="WARDB") == ["Lê Văn Cường"]
    assert names(status="probationary") == ["Trần Thị Bình"]
    # Sorted Vietnamese-style by given name: An, Bình, Cường, Dung.
    assert names() == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]


def test_person_filter_errors_are_shown_and_change_nothing(client, personas, org):
    client.force_login(personas.city_officer)
    with translation.override("vi"):
        response = client.get(
            reverse("person_list"), {"unit": "NOPE", "age_min": "x"}, HTTP_ACCEPT_LANGUAGE="vi"
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không có đơn vị nào trong phạm vi của bạn tên “NOPE”" in body


def test_person_page_shows_history_and_positions(client, personas, org):
    from dangvien.people.models import Position

    Position.objects.create(
        person=org.an,
        kind="RESIDENTIAL_GROUP_HEAD",
        locality=org.tdp_a1,
        start_on=org.an.birth_date.replace(year=2014),
    )
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert "064080123456" in body
    assert "01/06/2005" in body  # ceremony
    assert "Chi bộ Tổ dân phố 1" in body


def test_unit_tree_and_detail_show_member_counts(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(reverse("unit_tree"), {"date": "2017-11-30"})
    counts = {u.code: n for u, n, _closed in response.context["rows"]}
    assert counts == {"CITY": 3, "WARDA": 2, "WARDB": 1, "A1": 1, "A2": 1, "B1": 1}
    response = client.get(reverse("unit_detail", args=["WARDA"]), {"date": "2017-11-30"})
    assert response.context["total"] == 2


def test_localities_page_flags_localities_without_members(client, personas, org):
    client.force_login(personas.ward_a_officer)
    response = client.get(reverse("locality_list"), {"date": "2017-11-30"})
    rows = {r["loc"].code: r for g in response.context["groups"] for r in g["rows"]}
    assert rows["WA-TDP1"]["residents"] == 1 and rows["WA-TDP2"]["residents"] == 1
    assert [c.code for c in rows["WA-TDP1"]["cells"]] == ["A1"]


def test_english_is_selectable(client, personas, org):
    client.force_login(personas.city_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Statistics" in client.get("/statistics/").content.decode()
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Thống kê" in client.get("/statistics/").content.decode()


def test_home_shows_the_units_figures_and_pipeline(client, personas, org):
    client.force_login(personas.ward_a_officer)
    response = client.get("/", {"date": "2017-11-30"})
    assert response.context["unit"].code == "WARDA"
    assert response.context["s"].figures["members"] == 2
    assert response.context["pipeline"] == {
        "active": 0,
        "admitted": 0,
        "with_list": 0,
        "communes": 1,
    }


def test_people_list_exports_with_a_purpose_and_neutralised_cells(client, personas, org):
    from dangvien.accounts.models import AuditEntry

    org.dung.full_name = '=HYPERLINK("http://x")'
    org.dung.save()
    client.force_login(personas.ward_a_officer)
    refused = client.get(reverse("person_list"), {"format": "xlsx"})
    assert refused["Content-Type"].startswith("text/html")
    response = client.get(
        reverse("person_list"), {"format": "xlsx", "purpose": "Báo cáo quý IV/2026"}
    )
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên" and len(rows) == 4  # header + An, Bình, Dung
    names = [r[0] for r in rows[1:]]
    assert "Nguyễn Văn An" in names and '\'=HYPERLINK("http://x")' in names
    assert "Lê Văn Cường" not in names  # ward B
    csv_body = client.get(
        reverse("person_list"), {"format": "csv", "sex": "F", "purpose": "Báo cáo quý IV/2026"}
    )
    text = csv_body.content.decode("utf-8-sig")
    assert "Trần Thị Bình" in text and "Nguyễn Văn An" not in text
    assert AuditEntry.objects.filter(action="EXPORT", detail__contains="quý IV").count() == 2


f_D = dt.date
LOCALISED_ID = re.compile(
    r'(?:value|href|action|hx-get|data-[\w-]+)="[^"]*?\b\d{1,3}(?:\.\d{3})+\b'
)


def test_ids_above_1000_are_never_localised(client, personas, org):
    """`1.528` in an option value or a URL would be refused or 404: ids stay plain."""
    from dangvien.admission.models import Candidate

    from . import factories as f

    big = f.person("Đinh Văn Lực", f.D(1970, 4, 4), "M", residence=org.tdp_a1, pk=1528)
    f.member(big, org.cell_a1, ceremony=f.D(2001, 2, 3))
    other = f.person("Đinh Văn Lực", f.D(1985, 1, 1), "M", residence=org.tdp_a1, pk=2001)
    f.member(other, org.cell_a2, ceremony=f.D(2003, 2, 3))  # same name, the other cell
    p = f.person("Vũ Thị Lan", f.D(1995, 8, 15), "F", residence=org.tdp_a1, pk=3456)
    c = Candidate.objects.create(
        pk=1234,
        person=p,
        cell=org.cell_a1,
        listed_on=f.D(2016, 6, 1),
        stage_since=f.D(2016, 6, 1),
        helper=big,
    )
    client.force_login(personas.ward_a_officer)
    pages = {
        "new": reverse("candidate_new") + "?cell=A1",
        "helpers": reverse("candidate_helpers") + "?cell=A1",
        "list": reverse("candidate_list"),
        "board": reverse("candidate_board"),
        "dossier": reverse("candidate_detail", args=[c.pk]) + "?kind=INTRODUCTION",
        "people": reverse("person_list"),
        "person": reverse("person_detail", args=[big.pk]),
        "unit": reverse("unit_detail", args=["A1"]),
        "alerts": reverse("alerts"),
        "statistics": reverse("statistics"),
    }
    bodies = {}
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, name
        bodies[name] = response.content.decode()
        assert not LOCALISED_ID.search(bodies[name]), (name, LOCALISED_ID.search(bodies[name]))
    # The helper list is the chosen cell's, told apart by birth year.
    assert 'value="1528"' in bodies["helpers"] and "Đinh Văn Lực (1970)" in bodies["helpers"]
    assert 'value="2001"' not in bodies["helpers"]
    assert 'value="1528"' in bodies["new"] and 'value="2001"' not in bodies["new"]
    assert 'value="1528"' in bodies["dossier"]  # introducer picker
    assert "/candidates/1234/" in bodies["list"] and "/candidates/1234/" in bodies["board"]
    assert "/people/1528/" in bodies["unit"] and "/people/1528/export/" in bodies["person"]
    # The form posts the helper's id back and it is accepted.
    from tests.test_admission_pages import NEW

    response = client.post(reverse("candidate_new"), {**NEW, "helper": "1528"})
    assert response.status_code == 302
    assert Candidate.objects.get(person__citizen_id=NEW["citizen_id"]).helper == big


def test_export_form_marks_the_purpose_and_answers_its_absence_on_the_page(client, personas, org):
    client.force_login(personas.ward_a_officer)
    page = client.get(reverse("import_list"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    form = page[page.index('id="export-form"') :].split("</form>")[0]
    assert 'aria-required="true"' in form and 'class="required"' in form
    response = client.get(
        reverse("import_export"),
        {"kind": "members", "format": "csv", "purpose": "ab"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert 'id="purpose-error"' in body and "Hãy ghi mục đích xuất dữ liệu" in body
    assert '<option value="members" selected>' in body  # the choice is kept
    ok = client.get(
        reverse("import_export"), {"kind": "members", "format": "csv", "purpose": "Báo cáo quý IV"}
    )
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/csv")


# ----- issue 9, item 12: units picked by name, cells named with their organisation ------
def test_units_are_picked_by_name_from_a_list_limited_to_the_scope(client, personas, org):
    client.force_login(personas.city_officer)
    body = client.get(reverse("statistics"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'list="unit-options"' in body and 'value="Đảng bộ thành phố Thử"' in body
    assert "Chi bộ Tổ dân phố 1" not in body  # the page holds only the chosen unit's matches
    typed = client.get(reverse("unit_options"), {"unit": "tổ dân phố 1"}).content.decode()
    assert '<option value="Chi bộ Tổ dân phố 1 – Đảng bộ phường A"></option>' in typed  # no code
    # A name typed (or picked) instead of a code; accents and case ignored when unique.
    response = client.get(reverse("statistics"), {"unit": "Đảng bộ phường B"})
    assert response.context["unit"].code == "WARDB"
    response = client.get(reverse("statistics"), {"unit": "chi bo to dan pho 1 (b)"})
    assert response.context["unit"].code == "B1"
    response = client.get(reverse("candidate_board"), {"unit": "Đảng bộ phường A"})
    assert response.context["unit"].code == "WARDA"
    response = client.get(reverse("person_list"), {"unit": "Đảng bộ phường B"})
    assert [p.full_name for p in response.context["page"]] == ["Lê Văn Cường"]
    body = client.get(reverse("person_list"), {"unit": "B1"}).content.decode()
    assert 'value="Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"' in body  # a code from a link
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("person_list")).content.decode()
    assert "Đảng bộ phường A" in body and "phường B" not in body  # only the officer's scope
    response = client.get(reverse("statistics"), {"unit": "Đảng bộ phường B"})
    assert response.context["unit"].code == "WARDA" and response.context["error"]


def test_cells_and_localities_are_named_with_their_organisation_and_ward(client, personas, org):
    from tests.admission_helpers import lan

    lan(org)
    client.force_login(personas.city_officer)
    body = client.get(reverse("candidate_new")).content.decode()
    # Searched as typed, not listed whole: a province holds thousands of cells.
    assert "Chi bộ Tổ dân phố 1 – Đảng bộ phường A" not in body
    assert "/units/options/?list=cell&amp;kind=cell" in body
    assert "/localities/options/?list=residence&amp;kinds=base" in body
    cells = client.get("/units/options/?list=cell&kind=cell&cell=tổ dân phố 1").content.decode()
    assert '<option value="Chi bộ Tổ dân phố 1 – Đảng bộ phường A">' in cells
    places = client.get("/localities/options/?list=residence&residence=to dan pho 1")
    assert '<option value="Tổ dân phố 1, Phường A">' in places.content.decode()
    assert '<option value="Tổ dân phố 1, Phường B">' in places.content.decode()
    # ", B" after the name narrows to the ward named
    narrowed = client.get("/localities/options/?list=residence&residence=Tổ dân phố 1, B")
    assert "Phường A" not in narrowed.content.decode()
    assert "Tổ dân phố 1, Phường B" in narrowed.content.decode()
    # The helpers of the cell picked by its label
    helpers = client.get(
        reverse("candidate_helpers"), {"cell": "Chi bộ Tổ dân phố 1 – Đảng bộ phường A"}
    ).content.decode()
    assert org.an.full_name in helpers
    for name in ("candidate_list", "candidate_board"):
        body = client.get(reverse(name)).content.decode()
        # One organisation's candidates: the cell alone; the unit field lists no cell.
        assert "Chi bộ Tổ dân phố 1<" in body
        assert "Chi bộ Tổ dân phố 1 – Đảng bộ phường A" not in body


# ----- issue 9, item 13: counts agree; the page furniture -------------------------------
def test_board_counts_active_candidates_as_home_does_and_closed_ones_apart(client, personas, org):
    from dangvien.admission.models import Event
    from tests.admission_helpers import lan, step

    lan(org)
    other = lan(org, name="Hà Văn Tư", birth=f_D(1990, 1, 1))
    step(other, Event.Kind.WITHDRAWN, f_D(2016, 9, 1))
    client.force_login(personas.ward_a_officer)
    home = client.get("/").context["pipeline"]["active"]
    board = client.get(reverse("candidate_board"), HTTP_ACCEPT_LANGUAGE="vi")
    listed = client.get(reverse("candidate_list")).context["rows"]
    assert home == board.context["total"] == len(listed) == 1
    assert board.context["closed_total"] == 1
    body = board.content.decode()
    assert "1 quần chúng đang trong quy trình" in body and 'id="closed-total">1<' in body
    assert "CARD_ISSUED" not in [s.value for s, _n, _cards in board.context["columns"]]


def test_a_favicon_is_linked_and_shipped(client, personas):
    from django.contrib.staticfiles import finders

    client.force_login(personas.ward_a_officer)
    body = client.get("/").content.decode()
    assert 'rel="icon" type="image/svg+xml" href="/static/img/favicon.svg"' in body
    path = finders.find("img/favicon.svg")
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


def test_the_import_page_lists_the_codes_in_scope_with_names(client, personas, org):
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("import_list"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    codes = body[body.index('id="codes"') :].split("</details>")[0]
    assert "<code>" not in codes  # searched by name, never the whole scope
    assert "Gõ một phần tên đơn vị hoặc địa bàn" in codes
    # Without JavaScript the search reloads the page; with it, htmx asks for the table.
    for found in (
        client.get(reverse("import_list"), {"codes": "to dan pho 1"}),
        client.get(reverse("import_codes"), {"codes": "Tổ dân phố 1"}, HTTP_HX_REQUEST="true"),
    ):
        codes = found.content.decode()
        codes = codes[codes.index('id="code-results"') :].split("</div>")[0]
        assert "<code>A1</code></td><td>Chi bộ Tổ dân phố 1 – Đảng bộ phường A<" in codes
        assert "<code>WA-TDP1</code></td><td>Tổ dân phố 1, Phường A<" in codes
        assert "<code>B1</code>" not in codes and "WB-TDP1" not in codes  # ward B: out of scope
    nothing = client.get(reverse("import_codes"), {"codes": "xyzw"}).content.decode()
    assert "Không tìm thấy." in nothing


def test_page_links_past_page_1000_keep_plain_numbers():
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.utils import translation

    page = Paginator(range(100_000), 50).page(1500)
    with translation.override("vi"):
        html = render_to_string("_pages.html", {"page": page, "query": "q=an"})
    assert "page=1499" in html and "page=1501" in html
    assert "Trang 1.500" in html  # the text is localised, the links are not
    assert not LOCALISED_ID.search(html)
