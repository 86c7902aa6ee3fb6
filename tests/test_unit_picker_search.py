"""The searchable unit picker of the people page: the page lists only the units that
match the field, and `unit_options` answers what is typed, within the user's scope, by
name with the superior's name, best matches first, through indexed queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangvien.orgs import picker
from dangvien.orgs.models import OrgUnit

from . import factories as f

K = OrgUnit.Kind


def options_of(html: str) -> list[str]:
    """The values the datalist offers, in order."""
    return [part.split('"')[0] for part in html.split('<option value="')[1:]]


def typed(client, text: str) -> list[str]:
    got = client.get(reverse("unit_options"), {"unit": text})
    assert got.status_code == 200
    return options_of(got.content.decode())


def test_matches_by_name_without_accents_within_scope(client, org, personas):
    client.force_login(personas.ward_a_officer)
    assert set(typed(client, "chi bo to dan pho")) == {
        "Chi bộ Tổ dân phố 1 – Đảng bộ phường A",
        "Chi bộ Tổ dân phố 2 – Đảng bộ phường A",
    }  # not B1: ward B is outside the officer's scope
    client.force_login(personas.city_officer)
    assert len(typed(client, "tổ dân phố")) == 3


def test_a_code_finds_its_unit_and_one_letter_finds_nothing(client, org, personas):
    client.force_login(personas.city_officer)
    assert typed(client, "b1") == ["Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"]
    assert typed(client, "c") == []


def test_the_options_show_names_not_codes(client, org, personas):
    client.force_login(personas.city_officer)
    html = client.get(reverse("unit_options"), {"unit": "đảng bộ"}).content.decode()
    assert "Đảng bộ phường A – Đảng bộ thành phố Thử" in html
    for code in ("WARDA", "WARDB", "CITY"):
        assert code not in html


def test_same_named_units_are_told_apart_by_their_superior(client, org, personas):
    twin = f.unit("B9", "Chi bộ Tổ dân phố 1", K.CELL, org.ward_b)
    client.force_login(personas.city_officer)
    labels = typed(client, "Chi bộ Tổ dân phố 1")
    assert labels[:2] == [
        "Chi bộ Tổ dân phố 1 – Đảng bộ phường A",
        "Chi bộ Tổ dân phố 1 – Đảng bộ phường B",
    ]
    day = f.D(2026, 1, 1)
    visible = OrgUnit.objects.all()
    assert picker.resolve_unit(visible, labels[0], day) == org.cell_a1
    assert picker.resolve_unit(visible, labels[1], day) == twin
    assert picker.resolve_unit(visible, "Chi bộ Tổ dân phố 1", day) is None  # which one?
    assert picker.resolve_unit(visible, "chi bo to dan pho 1 (b)", day) == org.cell_b1


def test_matches_are_ranked_exact_then_prefix_then_word_then_inside(client, org, personas):
    f.unit("X1", "Chi bộ Khoa học", K.CELL, org.ward_a)  # inside a word
    f.unit("X2", "Chi bộ Hoa Sen", K.CELL, org.ward_a)  # a later word starts so
    f.unit("X3", "Hòa Bình", K.CELL, org.ward_a)  # the name starts so
    f.unit("X4", "Hoa", K.CELL, org.ward_b)  # the whole name, deeper
    f.unit("X5", "Hoa", K.GRASSROOTS_COMMITTEE, org.city)  # the whole name, higher
    f.unit("X6", "Hoa An", K.CELL, org.ward_b)  # the name starts so
    client.force_login(personas.city_officer)
    assert typed(client, "hoa") == [
        "Hoa – Đảng bộ thành phố Thử",
        "Hoa – Đảng bộ phường B",
        "Hoa An – Đảng bộ phường B",
        "Hòa Bình – Đảng bộ phường A",
        "Chi bộ Hoa Sen – Đảng bộ phường A",
        "Chi bộ Khoa học – Đảng bộ phường A",
    ]


def test_the_search_never_reads_every_unit(client, org, personas):
    for i in range(40):
        f.unit(f"Z{i}", f"Chi bộ Thôn {i}", K.CELL, org.ward_a)
    client.force_login(personas.city_officer)
    with CaptureQueriesContext(connection) as context:
        found = typed(client, "chi bo")
    assert len(found) == picker.MATCHES
    sqls = [q["sql"] for q in context.captured_queries]
    units = [sql for sql in sqls if 'FROM "orgs_orgunit"' in sql and "search_name" in sql]
    assert units and all("LIMIT" in sql for sql in units), units
    assert len(units) <= 5  # the code, then one per rank until the page is full


def test_the_accent_free_name_follows_renames(org):
    org.cell_a1.name = "Chi bộ Đồi Thông"
    org.cell_a1.save(update_fields=["name"])
    org.cell_a1.refresh_from_db()
    assert org.cell_a1.search_name == "chi bo doi thong"


def test_at_most_a_bounded_number(client, org, personas, monkeypatch):
    monkeypatch.setattr(picker, "MATCHES", 1)
    client.force_login(personas.city_officer)
    got = client.get(reverse("unit_options"), {"unit": "đảng bộ"})
    assert len(options_of(got.content.decode())) == 1


@pytest.mark.parametrize("text", ["", "Chi bộ Tổ dân phố 1 (B)"])
def test_the_people_page_lists_only_the_matching_units(client, org, personas, text):
    client.force_login(personas.city_officer)
    got = client.get(reverse("person_list"), {"unit": text} if text else {})
    html = got.content.decode()
    datalist = html.split('<datalist id="unit-options">')[1].split("</datalist>")[0]
    assert options_of(datalist) == (["Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"] if text else [])
    assert 'hx-get="' + reverse("unit_options") in html


def test_a_merged_cell_whose_name_holds_the_dash_is_found_by_its_label(client, org, personas):
    """A merged cell's own name holds " – ", as the label's separator does: the label the
    list offers still names it, alone or with its superior."""
    merged = f.unit("A12", "Chi bộ Tổ dân phố 1 – Tổ dân phố 2", K.CELL, org.ward_a)
    client.force_login(personas.city_officer)
    label = "Chi bộ Tổ dân phố 1 – Tổ dân phố 2 – Đảng bộ phường A"
    assert label in typed(client, "tổ dân phố 2")
    day = f.D(2026, 1, 1)
    visible = OrgUnit.objects.all()
    assert picker.resolve_unit(visible, label, day) == merged
    assert picker.resolve_unit(visible, "Chi bộ Tổ dân phố 1 – Tổ dân phố 2", day) == merged
    assert picker.resolve_unit(visible, "Chi bộ Tổ dân phố 1 – Đảng bộ phường A", day) == (
        org.cell_a1
    )


def test_the_whole_name_comes_before_a_merged_name_that_holds_it(client, org, personas):
    """'Tổ dân phố 3' typed is the whole name of 'Chi bộ Tổ dân phố 3' (the kind's words
    aside): it comes first, then the names starting with it, then a merged cell's name
    that merely holds it."""
    f.unit("M23", "Chi bộ Tổ dân phố 2 – Tổ dân phố 3", K.CELL, org.ward_a)
    f.unit("T31", "Chi bộ Tổ dân phố 31", K.CELL, org.ward_a)
    f.unit("T30", "Tổ dân phố 30", K.CELL, org.ward_a)
    f.unit("T3", "Chi bộ Tổ dân phố 3", K.CELL, org.ward_a)
    client.force_login(personas.city_officer)
    expected = [
        "Chi bộ Tổ dân phố 3 – Đảng bộ phường A",
        "Tổ dân phố 30 – Đảng bộ phường A",
        "Chi bộ Tổ dân phố 31 – Đảng bộ phường A",
        "Chi bộ Tổ dân phố 2 – Tổ dân phố 3 – Đảng bộ phường A",
    ]
    assert typed(client, "Tổ dân phố 3") == expected
    assert typed(client, "to dan pho 3") == expected  # accents and case ignored
    assert typed(client, "Chi bộ Tổ dân phố 3")[0] == expected[0]
    day = f.D(2026, 1, 1)
    assert picker.resolve_unit(OrgUnit.objects.all(), "Tổ dân phố 3", day) is None  # 4 hold it
    assert picker.resolve_unit(OrgUnit.objects.all(), expected[0], day).code == "T3"
