"""Keyset pages (dangvien.core.keyset) on the candidates, cards, badges, targets,
localities, imports and alerts lists: more rows than a page, walked forwards to the end
through the pages' own links and back, every row once in the list's order, the filters
kept in the links, the files never paged, and a forged cursor a Vietnamese 400."""

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from dangvien.admission import deadlines
from dangvien.admission.models import Candidate, CandidateTag, Stage, Tag
from dangvien.core.keyset import make_cursor
from dangvien.imports.models import ImportRun
from dangvien.membership.models import Membership
from dangvien.orgs.models import Locality
from dangvien.records import badges
from dangvien.targets.models import Target, Term
from dangvien.targets.pace import targets_report

from . import factories as f

D = dt.date
SIZE = 5


@pytest.fixture(autouse=True)
def _small_pages(settings):
    settings.KEYSET_PAGE_SIZE = SIZE


def walk(client, url, params, rows, page_of=lambda r: r.context["page"], full=True):
    """The rows (`rows(response)`) of every page, forwards from the first through each
    page's "next" link to the last, then back through the "previous" links; the filters
    `params` are in every link. Returns the rows forwards, in order."""
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="vi")
    forwards = []
    while True:
        assert response.status_code == 200
        page = page_of(response)
        assert len(rows(response)) <= SIZE
        forwards.append(rows(response))
        if not page.has_next:
            break
        link = page.next_link
        query = parse_qs(urlsplit(link).query)
        assert {k: v[0] for k, v in query.items() if k != "cursor"} == params
        response = client.get(url + link, HTTP_ACCEPT_LANGUAGE="vi")
    assert len(forwards) >= 3  # the list is longer than two pages
    assert not page_of(client.get(url, params)).has_previous
    backwards = []
    while page.has_previous:
        link = page.previous_link
        assert {k: v[0] for k, v in parse_qs(urlsplit(link).query).items() if k != "cursor"} == (
            params
        )
        response = client.get(url + link, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200
        page = page_of(response)
        backwards.append(rows(response))
    assert backwards == forwards[-2::-1]
    if full:  # (a page of localities also holds its communes' headings)
        assert all(len(p) == SIZE for p in forwards[:-1])
    return [row for p in forwards for row in p]


def once_in_order(seen, expected):
    assert len(seen) == len(set(seen))
    assert seen == expected


# ----- candidates -------------------------------------------------------------------------
def candidates(org, n=13):
    """`n` listed candidates in ward A (two in three tagged women), some in ward B, and one
    closed dossier."""
    made = []
    for i in range(n):
        p = f.person(f"Hồ Thị Quần {chr(65 + (i * 7) % n)}{i:02}", D(1990, 1, 1), "F")
        c = Candidate.objects.create(
            person=p,
            cell=org.cell_a1 if i % 2 else org.cell_a2,
            listed_on=D(2016, 1, 1),
            stage_since=D(2016, 1, 1),
        )
        if i % 3 != 2:
            CandidateTag.objects.create(candidate=c, tag=Tag.WOMAN)
        made.append(c)
    for i in range(3):
        p = f.person(f"Hồ Thị Ngoài {i}", D(1990, 1, 1), "F")
        c = Candidate.objects.create(
            person=p, cell=org.cell_b1, listed_on=D(2016, 1, 1), stage_since=D(2016, 1, 1)
        )
        CandidateTag.objects.create(candidate=c, tag=Tag.WOMAN)
    closed = Candidate.objects.create(
        person=f.person("Hồ Thị Đóng", D(1990, 1, 1), "F"),
        cell=org.cell_a1,
        listed_on=D(2016, 1, 1),
        stage_since=D(2016, 6, 1),
        stage=Stage.WITHDRAWN,
    )
    CandidateTag.objects.create(candidate=closed, tag=Tag.WOMAN)
    return made


def test_candidates_list_pages_with_its_filters(client, org, personas):
    candidates(org, 17)
    client.force_login(personas.city_officer)
    url = reverse("candidate_list")
    ward_a = Candidate.objects.filter(cell__path__startswith=org.ward_a.path)

    def pks(r):
        return [c.pk for c, _dl in r.context["rows"]]

    seen = walk(client, url, {"unit": "WARDA"}, pks)
    expected = ward_a.active().order_by("person__sort_name", "pk")
    once_in_order(seen, list(expected.values_list("pk", flat=True)))
    # A filter by priority group and stage is kept from page to page.
    women = walk(client, url, {"unit": "WARDA", "tag": "WOMAN", "stage": "all"}, pks)
    expected = ward_a.filter(tags__tag=Tag.WOMAN).order_by("person__sort_name", "pk")
    once_in_order(women, list(expected.values_list("pk", flat=True)))
    assert Candidate.objects.get(person__full_name="Hồ Thị Đóng").pk in women
    # The file and the printable list are the whole filtered list, never a page.
    export = client.get(
        url,
        {"unit": "WARDA", "tag": "WOMAN", "stage": "all", "format": "csv", "purpose": "Báo cáo"},
    )
    assert export.status_code == 200
    assert export.content.decode().count("Hồ Thị") == len(women) > SIZE
    printed = client.get(url, {"unit": "WARDA", "print": "1"})
    assert len(printed.context["rows"]) == 17 and printed.context["page"] is None


@pytest.mark.parametrize(
    "url",
    ["candidate_list", "card_list", "badge_list", "targets", "locality_list", "alerts"]
    + ["import_list"],
)
def test_a_forged_cursor_is_a_vietnamese_400(client, org, personas, url):
    client.force_login(personas.city_officer)
    forged = [
        "nonsense",
        make_cursor("n", ["A", 1], "people") + "0",
        make_cursor("n", ["A", 1], "other-list"),  # well signed, for another list
        "x" * 500,
    ]
    for cursor in forged:
        response = client.get(reverse(url), {"cursor": cursor}, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 400
        assert "Liên kết trang không hợp lệ" in response.content.decode()


def test_a_signed_key_of_the_wrong_types_is_a_400_on_a_computed_list(client, org, personas):
    p = f.person("Đinh Văn Lão", D(1957, 3, 1), "M")
    Candidate.objects.create(
        person=p, cell=org.cell_a1, listed_on=D(2016, 1, 1), stage_since=D(2016, 1, 1)
    )
    client.force_login(personas.city_officer)
    params = {"date": "01/09/2017"}
    assert len(client.get(reverse("alerts"), params).context["alerts"]) == 1
    # Signed for the alerts, as wide as their key, but of other types: refused, not a 500.
    params["cursor"] = make_cursor("n", ["x", 1, 2, "y", "z"], "alerts")
    response = client.get(reverse("alerts"), params, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert "Liên kết trang không hợp lệ" in response.content.decode()


# ----- cards ------------------------------------------------------------------------------
def test_card_list_pages_with_its_filters(client, org, personas):
    for i in range(12):
        p = f.person(f"Tạ Văn Thẻ {chr(75 - i)}", D(1970, 1, 1 + i), "M", residence=org.tdp_a1)
        f.member(p, org.cell_a1 if i % 2 else org.cell_a2, ceremony=D(2010, 1, 1 + i))
    for i in range(3):  # in ward B: never on ward A's list
        p = f.person(f"Tạ Văn Bê {i}", D(1970, 1, 1), "M")
        f.member(p, org.cell_b1, ceremony=D(2010, 1, 1))
    # Admitted in 2016: a full member by 2018, not yet on 01/06/2016.
    late = f.person("Tạ Văn Muộn", D(1980, 1, 1), "M", residence=org.tdp_a1)
    f.member(late, org.cell_a1, ceremony=D(2016, 1, 1))
    client.force_login(personas.city_officer)
    url = reverse("card_list")
    params = {"unit": "WARDA", "date": "30/11/2018"}
    seen = walk(client, url, params, lambda r: [m.pk for m in r.context["rows"]])
    in_a = Membership.objects.filter(stints__unit__path__startswith=org.ward_a.path)
    full = in_a.filter(confirmed_on__lte=D(2018, 11, 30)).order_by("person__sort_name", "pk")
    once_in_order(seen, list(full.values_list("pk", flat=True)))
    assert len(seen) == 14  # the 12, An (2005) and the one admitted in 2016
    first = client.get(url, params)
    assert "14 đảng viên chính thức chưa có thẻ" in first.content.decode()
    second = client.get(url + first.context["page"].next_link).content.decode()
    assert "<tr><td>6</td>" in second and "<tr><td>1</td>" not in second  # numbered on
    earlier = walk(
        client,
        url,
        {"unit": "WARDA", "date": "01/06/2016"},
        lambda r: [m.pk for m in r.context["rows"]],
    )
    assert late.memberships.get().pk not in earlier and len(earlier) == 13


# ----- badges -----------------------------------------------------------------------------
def test_badge_list_pages_in_its_order(client, org, personas):
    for i in range(14):
        p = f.person(f"Mai Văn Cựu {chr(80 - i)}", D(1940, 1, 1), "M")
        ceremony = D(1966 + (i % 4) * 5, 3, 1)  # 60, 55, 50 and 45 years by 2026
        f.member(p, org.cell_a1 if i % 2 else org.cell_a2, ceremony=ceremony)
    veteran_b = f.person("Mai Văn Bê", D(1940, 1, 1), "M")
    f.member(veteran_b, org.cell_b1, ceremony=D(1966, 3, 1))
    client.force_login(personas.city_officer)
    params = {"unit": "WARDA", "year": "2026", "day": "9-2"}
    seen = walk(
        client, reverse("badge_list"), params, lambda r: [d.person.pk for d in r.context["rows"]]
    )
    due = badges.due_list(org.ward_a, D(2026, 9, 2))
    once_in_order(seen, [d.person.pk for d in due])
    assert len(seen) == 14 and veteran_b.pk not in seen
    first = client.get(reverse("badge_list"), params)
    last = client.get(reverse("badge_list") + first.context["page"].next_link)
    last = client.get(reverse("badge_list") + last.context["page"].next_link).content.decode()
    assert "<tr><td>11</td>" in last and "<tr><td>14</td>" in last
    assert [d.years for d in due] == sorted((d.years for d in due), reverse=True)
    # The Word list 4-HHĐ has every member due, not a page.
    docx = client.get(reverse("badge_list_docx"), params)
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Tổng số: 14 đảng viên" in text


# ----- targets ----------------------------------------------------------------------------
def test_targets_page_pages_laggards_first(client, org, personas):
    term = Term.objects.create(
        unit=org.city, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    units = [org.city, org.ward_a, org.ward_b, org.cell_a1, org.cell_a2, org.cell_b1]
    metrics = ["ADMITTED", "OWN_CELL", "CELL_COMMITTEES", "HEADS_MEMBERS"]
    for n, unit in enumerate(units):
        for metric in metrics:
            Target.objects.create(term=term, unit=unit, metric=metric, value=1 + n)
    client.force_login(personas.city_officer)
    url = reverse("targets")

    def pks(r):
        return [p.target.pk for p, _sum in r.context["rows"]]

    seen = walk(client, url, {"unit": "CITY", "date": "30/11/2017"}, pks)
    once_in_order(seen, [p.target.pk for p in targets_report(org.city, D(2017, 11, 30))])
    assert len(seen) == 24
    ward = walk(client, url, {"unit": "WARDA", "date": "30/11/2017"}, pks)
    once_in_order(ward, [p.target.pk for p in targets_report(org.ward_a, D(2017, 11, 30))])
    assert len(ward) == 12  # the ward and its two cells
    # The children's sum beside a parent is over every child, not the page's.
    sums = {}
    response = client.get(url, {"unit": "CITY", "date": "30/11/2017"})
    while True:
        for p, total in response.context["rows"]:
            sums[(p.target.unit.code, p.target.metric)] = total
        page = response.context["page"]
        if not page.has_next:
            break
        response = client.get(url + page.next_link)
    assert sums[("CITY", "ADMITTED")] == 2 + 3  # the two wards' targets
    export = client.get(url, {"unit": "CITY", "date": "30/11/2017", "format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


# ----- localities -------------------------------------------------------------------------
def test_locality_list_pages_by_path_with_its_headings(client, org, personas):
    kind = Locality.Kind.RESIDENTIAL_GROUP
    for i in range(11):
        f.locality(f"WA-TDP{i + 3:02}", f"Tổ dân phố {i + 3}", kind, org.ward_a_loc)
    f.locality("WA-OLD", "Tổ dân phố cũ", kind, org.ward_a_loc, valid_to=D(2015, 1, 1))
    f.locality("WB-TDP2", "Tổ dân phố 2 (B)", kind, org.ward_b_loc)
    client.force_login(personas.city_officer)
    url = reverse("locality_list")

    def codes(r):
        return [row["loc"].code for g in r.context["groups"] for row in g["rows"]]

    def headings(r):
        return [g["top"].code for g in r.context["groups"]]

    seen = walk(client, url, {"date": "30/11/2017"}, codes, full=False)
    everyone = Locality.objects.on(D(2017, 11, 30)).filter(kind__in=Locality.BASE_KINDS)
    once_in_order(seen, list(everyone.order_by("path", "pk").values_list("code", flat=True)))
    assert "WA-OLD" not in seen and len(seen) == 15
    # Every page names the ward of its rows, even one that starts inside a ward, and a
    # ward's count is its whole number of localities.
    response = client.get(url, {"date": "30/11/2017"})
    while True:
        groups = response.context["groups"]
        for g in groups:
            assert all(row["loc"].parent_id == g["top"].pk for row in g["rows"])
        assert {g["top"].code: g["count"] for g in groups}.get("WA", 13) == 13
        page = response.context["page"]
        if not page.has_next:
            break
        response = client.get(url + page.next_link)
    assert response.context["totals"]["base"] == 15
    # Totals are of the whole list: one TDP with members living there (An's, A1)... and
    # of the 15, only the original three have a cell.
    assert response.context["totals"]["no_cell"] == 12
    assert response.context["totals"]["no_members"] == 15 - 3
    # Ward A's officer: ward A's localities only; earlier, the closed one is listed.
    client.force_login(personas.ward_a_officer)
    mine = walk(client, url, {"date": "01/06/2014"}, codes, full=False)
    assert "WA-OLD" in mine and not any(c.startswith("WB") for c in mine)
    export = client.get(url, {"date": "30/11/2017", "format": "csv"})
    assert export.content.decode().count("WA-TDP") == 13  # the file is never paged


# ----- imports ----------------------------------------------------------------------------
def test_import_list_pages_newest_first(client, org, personas):
    base = timezone.now() - dt.timedelta(days=1)
    for i in range(13):
        run = ImportRun.objects.create(
            kind="members",
            file_name=f"dot-{i}.xlsx",
            sha256="0" * 64,
            user=personas.ward_a_officer,
            status=ImportRun.Status.DONE,
        )
        # Two by two at the same instant: the id breaks the tie.
        at = base + dt.timedelta(minutes=i // 2)
        ImportRun.objects.filter(pk=run.pk).update(created_at=at)
    for i in range(3):  # ward B's: not in ward A's list
        ImportRun.objects.create(
            kind="members",
            file_name=f"b-{i}.xlsx",
            sha256="0" * 64,
            user=personas.ward_b_officer,
            status=ImportRun.Status.DONE,
        )
    client.force_login(personas.ward_a_officer)
    url = reverse("import_list")
    seen = walk(
        client,
        url,
        {},
        lambda r: [run.pk for run in r.context["runs"]],
        lambda r: r.context["runs"],
    )
    mine = ImportRun.objects.filter(user=personas.ward_a_officer).order_by("-created_at", "-pk")
    once_in_order(seen, list(mine.values_list("pk", flat=True)))
    assert len(seen) == 13
    first = client.get(url).content.decode()
    assert f'href="{url}?cursor=' in first  # the links go to the list, from any page


# ----- alerts -----------------------------------------------------------------------------
def test_alerts_page_pages_the_computed_list(client, org, personas):
    # Listed candidates near 60 on 01/09/2017: over the limit (overdue) when born before
    # 01/08/1957, warned a year ahead otherwise; equal birthdays tie on the due date.
    for i in range(14):
        born = D(1957, 3, 1) + dt.timedelta(days=40 * (i // 2))
        p = f.person(f"Đinh Văn Lão {chr(90 - i)}", born, "M")
        Candidate.objects.create(
            person=p, cell=org.cell_a1, listed_on=D(2016, 1, 1), stage_since=D(2016, 1, 1)
        )
    outside = f.person("Đinh Văn Bê", D(1957, 1, 1), "M")
    Candidate.objects.create(
        person=outside, cell=org.cell_b1, listed_on=D(2016, 1, 1), stage_since=D(2016, 1, 1)
    )
    client.force_login(personas.ward_a_officer)
    url = reverse("alerts")

    def keys(r):
        return [(a.candidate.pk, a.kind, a.due) for a in r.context["alerts"]]

    seen = walk(client, url, {"date": "01/09/2017"}, keys)
    visible = Candidate.objects.filter(cell__path__startswith=org.ward_a.path)
    expected = deadlines.alerts(visible, D(2017, 9, 1))
    once_in_order(seen, [(a.candidate.pk, a.kind, a.due) for a in expected])
    assert len(seen) == 14 and outside.pk not in {c for c, _k, _d in seen}
    overdue = [a.overdue for a in expected]
    assert overdue == sorted(overdue, reverse=True) and any(overdue) and not all(overdue)
    first = client.get(url, {"date": "01/09/2017"})
    assert "14 cảnh báo" in first.content.decode()
    export = client.get(url, {"date": "01/09/2017", "format": "csv", "purpose": "Báo cáo quý"})
    assert export.content.decode().count("Đinh Văn Lão") == 14  # the file is never paged
