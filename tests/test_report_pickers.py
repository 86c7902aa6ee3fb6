"""The report pages pick their unit by name from the server (`unit_picker`): the page
holds the chosen unit alone, never the list of every unit in scope; a bookmark's code
still works, a label the list offered is resolved, and a unit out of scope is refused
in Vietnamese with the user's own unit shown instead."""

import re

import pytest
from django.urls import reverse

from dangvien.orgs.models import OrgUnit

from . import factories as f

PAGES = ["/statistics/", "/statistics/coverage/", "/statistics/development/", "/targets/"]
PAGES_ALL = [*PAGES, "/dashboard/"]


def datalist(html: str) -> list[str]:
    """The options of the page's unit field, in order."""
    found = html.split('<datalist id="unit-options">')[1].split("</datalist>")[0]
    return re.findall(r'<option value="([^"]*)">', found)


def field_value(html: str) -> str:
    return re.search(r'<input name="unit" value="([^"]*)"', html).group(1)


@pytest.fixture
def many_cells(org):
    for i in range(40):
        f.unit(f"Z{i}", f"Chi bộ Thôn {i}", OrgUnit.Kind.CELL, org.ward_a)


@pytest.mark.parametrize("url", PAGES_ALL)
def test_the_page_holds_the_chosen_unit_alone(client, personas, org, many_cells, url):
    client.force_login(personas.city_officer)
    html = client.get(url).content.decode()
    assert field_value(html) == "Đảng bộ thành phố Thử"  # the top of the scope, by name
    assert datalist(html) == ["Đảng bộ thành phố Thử"]
    assert '<option value="Chi bộ Thôn' not in html and '<select name="unit"' not in html
    assert f'hx-get="{reverse("unit_options")}?list=unit"' in html
    # A bookmark's code: the field shows the unit's name and its superior's.
    html = client.get(url, {"unit": "a1"}).content.decode()
    assert field_value(html) == "Chi bộ Tổ dân phố 1 – Đảng bộ phường A"
    assert datalist(html) == ["Chi bộ Tổ dân phố 1 – Đảng bộ phường A"]


@pytest.mark.parametrize("url", PAGES_ALL)
def test_the_label_the_list_offers_picks_its_unit(client, personas, org, url):
    client.force_login(personas.city_officer)
    got = client.get(url, {"unit": "Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"})
    assert got.context["unit"] == org.cell_b1
    assert not got.context.get("error")


@pytest.mark.parametrize("url", PAGES)
def test_a_unit_out_of_scope_is_refused_in_vietnamese(client, personas, org, url):
    client.force_login(personas.ward_b_officer)
    by_code = client.get(url, {"unit": "A1"})
    assert by_code.status_code == 200
    assert by_code.context["unit"] == org.ward_b  # the officer's own, never ward A's
    assert (
        by_code.content.decode().count(
            "Không có đơn vị nào trong phạm vi của bạn có mã hoặc tên “A1”"
        )
        == 1
    )
    assert "Tổ dân phố 1 – Đảng bộ phường A" not in by_code.content.decode()
    by_name = client.get(url, {"unit": "Chi bộ Tổ dân phố 2 – Đảng bộ phường A"})
    assert by_name.context["unit"] == org.ward_b
    assert (
        "Không có đơn vị nào trong phạm vi của bạn tên “Chi bộ Tổ dân phố 2 – Đảng bộ phường A”"
        in by_name.content.decode()
    )


def test_the_dashboard_shows_its_own_unit_for_a_unit_out_of_scope(client, personas, org):
    client.force_login(personas.ward_b_officer)
    got = client.get("/dashboard/", {"unit": "WARDA"})
    assert got.context["unit"] == org.ward_b
    html = got.content.decode()
    assert field_value(html) == "Đảng bộ phường B – Đảng bộ thành phố Thử"
    assert html.count("Không có đơn vị nào trong phạm vi của bạn có mã hoặc tên “WARDA”") == 1


def test_the_options_offer_only_the_scope_and_cells_when_asked(client, personas, org):
    client.force_login(personas.ward_a_officer)
    url = reverse("unit_options")
    anything = datalist(client.get(url, {"unit": "tổ dân phố 1"}).content.decode())
    assert anything == ["Chi bộ Tổ dân phố 1 – Đảng bộ phường A"]  # not ward B's
    units = datalist(client.get(url, {"unit": "đảng bộ phường"}).content.decode())
    assert units == ["Đảng bộ phường A – Đảng bộ thành phố Thử"]
    cells = client.get(url, {"unit": "đảng bộ phường", "kind": "cell"}).content.decode()
    assert datalist(cells) == []


def test_the_ratings_table_picks_among_cells_only(client, personas, org, many_cells):
    client.force_login(personas.city_officer)
    html = client.get(reverse("ratings")).content.decode()
    assert '<option value="Chi bộ Thôn' not in html and datalist(html) == []
    assert "kind=cell" in html
    html = client.get(reverse("ratings"), {"unit": "A2"}).content.decode()
    assert field_value(html) == "Chi bộ Tổ dân phố 2 – Đảng bộ phường A"


def test_the_transfer_in_form_lists_no_cell_until_one_is_typed(client, personas, org, many_cells):
    client.force_login(personas.ward_a_officer)
    html = client.get("/transfers/in/").content.decode()
    assert '<option value="Chi bộ' not in html and '<datalist id="to_unit-options">' in html
    assert f'hx-get="{reverse("unit_options")}?list=to_unit&amp;kind=cell"' in html
    typed = client.get(
        reverse("unit_options"), {"list": "to_unit", "to_unit": "thôn 1", "kind": "cell"}
    )
    found = typed.content.decode()
    assert (
        '<datalist id="to_unit-options">' in found and "Chi bộ Thôn 1 – Đảng bộ phường A" in found
    )


def test_the_terms_form_searches_its_committee_by_name(client, personas, org, many_cells):
    from dangvien.targets.models import Term

    client.force_login(personas.city_officer)
    html = client.get("/targets/terms/").content.decode()
    assert '<datalist id="unit-options"></datalist>' in html  # no unit listed
    assert '<option value="Chi bộ' not in html and '<select name="unit"' not in html
    assert f'hx-get="{reverse("unit_options")}?list=unit"' in html
    form = {"name": "Nhiệm kỳ 2025–2030", "start": "01/07/2025", "end": "30/06/2030"}
    wrong = client.post("/targets/terms/", form | {"unit": "Đảng bộ phường C"})
    assert wrong.status_code == 200 and not Term.objects.exists()
    assert "Đảng bộ phường C không thuộc các đơn vị của bạn" in wrong.content.decode()
    client.post("/targets/terms/", form | {"unit": "Đảng bộ phường B – Đảng bộ thành phố Thử"})
    assert Term.objects.get().unit == org.ward_b


def test_a_word_that_is_also_a_closed_units_code_is_read_as_a_name(org):
    """ "Pleiku" typed on a page is the open ward named so, not the city committee closed
    in 2025 whose code is PLEIKU (its report said 0 everywhere); the code as a link
    writes it still opens the closed one."""
    import datetime as dt

    from dangvien.core.views import today
    from dangvien.orgs.picker import resolve_unit

    reform = dt.date(2025, 7, 1)
    old = f.unit("PLEIKU", "Đảng bộ thành phố Pleiku", OrgUnit.Kind.SUPERIOR, org.city)
    old.valid_to = reform
    old.save(update_fields=["valid_to"])
    new = f.unit(
        "PLEIKU-P", "Đảng bộ phường Pleiku", OrgUnit.Kind.GRASSROOTS_COMMITTEE, org.city,
        valid_from=reform,
    )  # fmt: skip
    everyone = OrgUnit.objects.all()
    assert resolve_unit(everyone, "Pleiku", today()) == new
    assert resolve_unit(everyone, "pleiku", today()) == new
    assert resolve_unit(everyone, "PLEIKU", today()) == old
    assert resolve_unit(everyone, "Pleiku", dt.date(2020, 1, 1)) == old  # open then
