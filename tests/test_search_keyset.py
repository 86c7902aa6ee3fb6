"""The people search at scale: word-prefix, accent-free, the scope in the same SQL as
the match, keyset pages (dangvien.core.keyset) on the people list and the unit tree."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangvien.core.keyset import BadCursor, make_cursor, paginate, read_cursor
from dangvien.people.models import Person

from . import factories as f

D = dt.date


def names(qs):
    return [p.full_name for p in qs]


def test_find_is_an_accent_free_word_prefix(org):
    f.person("Đỗ Thị Nguyệt", D(1990, 1, 1), "F", residence=org.tdp_a1)
    f.person("Trần Anh", D(1991, 1, 1), "M", residence=org.tdp_a1)
    everyone = Person.objects.all()
    assert set(names(everyone.find("ngu"))) == {"Nguyễn Văn An", "Đỗ Thị Nguyệt"}
    assert set(names(everyone.find("AN"))) == {"Nguyễn Văn An", "Trần Anh"}
    assert names(everyone.find("văn a")) == ["Nguyễn Văn An"]
    assert names(everyone.find("do thi")) == ["Đỗ Thị Nguyệt"]  # Đ → d
    assert names(everyone.find("đỗ")) == ["Đỗ Thị Nguyệt"]
    assert names(everyone.find("guyen")) == []  # inside a word: not a prefix
    assert everyone.find("  ").count() == everyone.count()


def test_scoped_is_visible_to(org, personas):
    """The UNION form of the scope keeps exactly the people `visible_to` keeps."""
    for user in vars(personas).values():
        expected = set(Person.objects.visible_to(user).values_list("pk", flat=True))
        assert set(Person.objects.scoped(user).values_list("pk", flat=True)) == expected
        assert set(Person.objects.scoped(user, personal=True).values_list("pk", flat=True)) == set(
            Person.objects.visible_to(user, personal=True).values_list("pk", flat=True)
        )


def test_an_officer_never_sees_matches_out_of_scope_in_one_query(client, org, personas):
    # Ward B's Lê Văn Cường matches "van"; ward A's officer must not see him.
    for i in range(5):
        f.person(f"Lê Văn Cường {i}", D(1970, 1, 1 + i), "M", residence=org.ward_b_loc)
    user = personas.ward_a_officer
    qs = Person.objects.scoped(user).find("van").order_by("skey", "pk")
    with CaptureQueriesContext(connection) as ctx:
        found = names(qs[:20])
    assert found == ["Nguyễn Văn An"]
    assert len(ctx.captured_queries) == 1  # match, scope, order and limit: one SELECT
    client.force_login(user)
    page = client.get(reverse("person_list"), {"q": "văn"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.content.decode() and "Cường" not in page.content.decode()


def test_the_search_page_takes_the_same_queries_for_10_or_60_matches(client, org, personas):
    user = personas.ward_a_officer
    client.force_login(user)
    client.get(reverse("person_list"), {"q": "an"})  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("person_list"), {"q": "an"}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(10):
        f.person(f"Hoàng Văn An {i:02}", D(1970, 1, 1), "M", residence=org.tdp_a1)
    few = count()
    for i in range(50):
        f.person(f"Hoàng Văn An {i + 10:02}", D(1970, 1, 1), "M", residence=org.tdp_a1)
    assert count() == few


def walk(qs, keys, size, name="t"):
    """Every page forwards, then back from the last one."""
    pages, cursor = [], None
    while True:
        page = paginate(qs, keys, cursor, name=name, size=size)
        pages.append(page)
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def test_keyset_pages_cover_everyone_once_and_go_back(org):
    for i in range(23):
        f.person(f"Vũ Văn Khoa {i:02}", D(1980, 1, 1), "M", residence=org.tdp_a1)
    qs = Person.objects.all()
    keys = ("sort_name", "birth_date", "pk")
    pages = walk(qs, keys, 5)
    seen = [p.pk for page in pages for p in page]
    assert seen == list(qs.order_by(*keys).values_list("pk", flat=True))
    assert not pages[0].has_previous and pages[1].has_previous
    back = paginate(qs, keys, pages[-1].previous_cursor, name="t", size=5)
    assert [p.pk for p in back] == [p.pk for p in pages[-2]]
    assert back.has_next and back.has_previous


def test_keyset_next_page_is_stable_under_inserts(org):
    for i in range(10):
        f.person(f"Vũ Văn Khoa {i:02}", D(1980, 1, 1), "M", residence=org.tdp_a1)
    qs = Person.objects.all().find("vu")
    first = paginate(qs, ("skey", "pk"), None, name="t", size=4)
    # Someone sorting before the page boundary is added: the next page neither repeats
    # nor skips anyone already after the boundary.
    f.person("Vũ Văn Khoa 00a", D(1980, 1, 1), "M", residence=org.tdp_a1)
    second = paginate(qs, ("skey", "pk"), first.next_cursor, name="t", size=4)
    assert names(second) == [f"Vũ Văn Khoa {i:02}" for i in range(4, 8)]


def test_forged_cursors_are_refused(org):
    good = make_cursor("n", ["x", 1], "t")
    assert read_cursor(good, 2, "t") == ("n", ("x", 1))
    for bad in [good + "x", "abc", good.replace(":", ";"), ""]:
        with pytest.raises(BadCursor):
            read_cursor(bad, 2, "t")
    with pytest.raises(BadCursor):  # made for another list
        read_cursor(good, 2, "other")
    with pytest.raises(BadCursor):  # another width
        read_cursor(good, 3, "t")
    with pytest.raises(BadCursor):  # a value of a type no key has
        read_cursor(make_cursor("n", [1.5, 1], "t"), 2, "t")


@pytest.mark.parametrize("url", ["person_list", "unit_tree"])
def test_a_forged_cursor_is_a_vietnamese_400(client, personas, url):
    client.force_login(personas.city_officer)
    for cursor in ["nonsense", make_cursor("n", ["a"], "units") + "0", "x" * 500]:
        response = client.get(reverse(url), {"cursor": cursor}, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 400
        assert "Liên kết trang không hợp lệ" in response.content.decode()


def test_people_list_pages_by_keyset(client, org, personas, settings):
    for i in range(60):
        f.person(f"Vũ Văn Khoa {i:02}", D(1980, 1, 1), "M", residence=org.tdp_a1)
    client.force_login(personas.ward_a_officer)
    seen, params = [], {"q": "khoa"}
    while True:
        response = client.get(reverse("person_list"), params)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [p.full_name for p in page]
        if not page.has_next:
            break
        params = {"q": "khoa", "cursor": page.next_cursor}
    assert seen == [f"Vũ Văn Khoa {i:02}" for i in range(60)]


def test_unit_tree_paginates(client, org, personas, settings):
    settings.KEYSET_PAGE_SIZE = 3
    client.force_login(personas.city_officer)
    response = client.get(reverse("unit_tree"), HTTP_ACCEPT_LANGUAGE="vi")
    page = response.context["page"]
    assert [u.code for u in page] == ["CITY", "WARDA", "A1"]
    assert page.has_next and not page.has_previous
    rows = response.context["rows"]
    assert [n for _u, n, _c in rows] == [3, 2, 1]  # members counted for the page's units
    response = client.get(reverse("unit_tree"), {"cursor": page.next_cursor})
    assert [u.code for u in response.context["page"]] == ["A2", "WARDB", "B1"]
    assert response.context["grassroots"] == 2
    export = client.get(reverse("unit_tree"), {"format": "csv"})
    assert export.content.decode().count("\n") == 1 + 6  # the file is never paged
