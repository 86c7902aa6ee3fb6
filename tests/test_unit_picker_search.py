"""The searchable unit picker of the people page: the page lists only the units that
match the field, and `unit_options` answers what is typed, within the user's scope."""

import pytest
from django.urls import reverse

from dangvien.orgs import picker


def options_of(html: str) -> list[str]:
    return [part.split("</option>")[0] for part in html.split('">')[1:] if "</option>" in part]


def test_matches_by_name_without_accents_within_scope(client, org, personas):
    client.force_login(personas.ward_a_officer)
    got = client.get(reverse("unit_options"), {"unit": "chi bo to dan pho"})
    assert got.status_code == 200
    codes = options_of(got.content.decode())
    assert set(codes) == {"A1", "A2"}  # not B1: ward B is outside the officer's scope
    client.force_login(personas.city_officer)
    codes = options_of(client.get(reverse("unit_options"), {"unit": "tổ dân phố"}).content.decode())
    assert set(codes) == {"A1", "A2", "B1"}


def test_a_code_finds_its_unit_and_one_letter_finds_nothing(client, org, personas):
    client.force_login(personas.city_officer)
    assert options_of(client.get(reverse("unit_options"), {"unit": "b1"}).content.decode()) == [
        "B1"
    ]
    assert options_of(client.get(reverse("unit_options"), {"unit": "c"}).content.decode()) == []


def test_at_most_a_bounded_number(client, org, personas, monkeypatch):
    monkeypatch.setattr(picker, "MATCHES", 1)
    client.force_login(personas.city_officer)
    got = client.get(reverse("unit_options"), {"unit": "đảng bộ"})
    assert len(options_of(got.content.decode())) == 1


@pytest.mark.parametrize("typed", ["", "Chi bộ Tổ dân phố 1 (B)"])
def test_the_people_page_lists_only_the_matching_units(client, org, personas, typed):
    client.force_login(personas.city_officer)
    got = client.get(reverse("person_list"), {"unit": typed} if typed else {})
    html = got.content.decode()
    datalist = html.split('<datalist id="unit-options">')[1].split("</datalist>")[0]
    assert options_of(datalist) == (["B1"] if typed else [])
    assert 'hx-get="' + reverse("unit_options") in html
