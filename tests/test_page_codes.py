"""The report pages name units and localities in words: their codes stay in the links
and the form values, never in the text a user reads."""

import re

import pytest

CODES = ("CITY", "WARDA", "WARDB", "A1", "A2", "B1", "WA-TDP1", "WA-TDP2", "WB-TDP1")


def visible_text(html: str) -> str:
    """The page's words: tags (and the codes in their attributes) left out."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.parametrize(
    "url",
    ["/statistics/", "/statistics/coverage/", "/statistics/development/", "/targets/"],
)
def test_report_pages_show_no_unit_or_locality_code(client, personas, org, url):
    client.force_login(personas.city_officer)
    got = client.get(url, {"unit": "CITY", "date": "30/11/2017"})
    assert got.status_code == 200
    words = visible_text(got.content.decode())
    assert "Đảng bộ thành phố Thử" in words  # the unit shown, by name
    found = [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", words)]
    assert found == []
