"""Correcting a person's details: the action, the page (with its confirmation step), the
API, scope, concurrent edits and the audit."""

import datetime as dt
import json
import os
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from dangvien.accounts.models import AuditEntry, Role
from dangvien.core.errors import ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.people.models import Person
from dangvien.records.people import NeedsConfirmation, may_edit, update_person
from dangvien.reports.structure import structure

from . import factories as f
from .admission_helpers import lan

D = dt.date


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def fresh(p: Person) -> Person:
    return Person.objects.get(pk=p.pk)


# ----- the action ------------------------------------------------------------------------


def test_an_edit_is_saved_audited_and_bumps_the_version(org, personas):
    an = org.an
    saved = update_person(
        an,
        {"full_name": "  Nguyễn  Văn Ân ", "phone": "0905 123 456", "address": "12 Lê Lợi"},
        version=0,
        by=personas.ward_a_officer,
    )
    an = fresh(an)
    assert (an.full_name, an.phone, an.address, an.version) == (
        "Nguyễn Văn Ân",
        "0905 123 456",
        "12 Lê Lợi",
        1,
    )
    assert saved.version == 1 and an.search_name == "nguyen van an"
    entry = AuditEntry.objects.filter(model="people.person", object_id=str(an.pk)).latest("pk")
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.before["full_name"] == "Nguyễn Văn An"
    assert entry.after["full_name"] == "Nguyễn Văn Ân"
    assert entry.before["phone"] == "" and entry.after["phone"] == "0905 123 456"


def test_nothing_changed_keeps_the_version(org, personas):
    update_person(org.an, {"full_name": "Nguyễn Văn An"}, version=0, by=personas.ward_a_officer)
    assert fresh(org.an).version == 0


def test_two_concurrent_edits_one_wins_the_other_is_told(org, personas):
    first = Person.objects.get(pk=org.an.pk)  # both opened the form at version 0
    second = Person.objects.get(pk=org.an.pk)
    update_person(first, {"phone": "0905111111"}, version=first.version, by=personas.ward_a_officer)
    with pytest.raises(ChangedMeanwhile) as e:
        update_person(second, {"address": "Tổ 3"}, version=second.version, by=personas.secretary_a)
    assert "Người khác đã sửa hồ sơ của Nguyễn Văn An" in str(e.value)
    an = fresh(org.an)
    assert (an.phone, an.address, an.version) == ("0905111111", "", 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="two connections writing at once: PostgreSQL",
)
def test_two_edits_at_the_same_moment_on_postgresql(org, personas):
    """Two threads, two connections, one version read: exactly one edit is written."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(phone):
        try:
            p = Person.objects.get(pk=org.an.pk)
            barrier.wait()
            update_person(p, {"phone": phone}, version=0, by=personas.ward_a_officer)
            outcomes.append("saved")
        except ChangedMeanwhile:
            outcomes.append("told")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("0905111111", "0905222222")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "told"]
    assert fresh(org.an).version == 1


def test_a_change_to_past_statistics_needs_confirmation(org, personas):
    day = D(2017, 11, 30)
    assert structure(org.city, day).figures["women"] == 1
    with pytest.raises(NeedsConfirmation) as e:
        update_person(org.an, {"sex": "F", "citizen_id": ""}, version=0, by=personas.city_officer)
    assert e.value.fields == ["sex"] and "giới tính" in str(e.value)
    assert fresh(org.an).sex == "M" and fresh(org.an).version == 0  # nothing written
    assert structure(org.city, day).figures["women"] == 1
    update_person(
        org.an, {"sex": "F", "citizen_id": ""}, version=0, by=personas.city_officer, confirm=True
    )
    # The report for a past date counts the corrected record.
    assert structure(org.city, day).figures["women"] == 2
    assert structure(org.city, D(2004, 1, 1)).figures["members"] == 1  # only Cường then


def test_ethnicity_and_religion_by_name_or_code(org, personas):
    with pytest.raises(NeedsConfirmation) as e:
        update_person(
            org.an, {"ethnicity": "Ê-đê", "religion": "02"}, version=0, by=personas.city_officer
        )
    assert e.value.fields == ["ethnicity", "religion"]
    update_person(
        org.an,
        {"ethnicity": "Ê-đê", "religion": "02"},
        version=0,
        by=personas.city_officer,
        confirm=True,
    )
    an = fresh(org.an)
    assert an.ethnicity.name == "Ê-đê" and an.religion.code == "02"
    assert structure(org.city, D(2017, 11, 30)).figures["ethnic_minority"] == 2
    with pytest.raises(InvalidField) as bad:
        update_person(org.an, {"ethnicity": "Không rõ"}, version=1, by=personas.city_officer)
    assert bad.value.field == "ethnicity" and "Dân tộc" in str(bad.value)


def test_cccd_is_checked_part_by_part(org, personas):
    officer = personas.ward_a_officer
    cases = [
        ("06408012345", "phải có đúng 12 chữ số"),  # length
        ("999080123456", "không phải mã tỉnh"),  # province 999
        ("064180123456", "chữ số thứ 4 (1) cho biết giới tính nữ"),  # An is male
        ("064081123456", "chữ số thứ 5–6 (81)"),  # born 1980
    ]
    for number, words in cases:
        with pytest.raises(InvalidField) as e:
            update_person(org.an, {"citizen_id": number}, version=0, by=officer)
        assert e.value.field == "citizen_id"
        assert str(e.value).startswith("Số CCCD") and words in str(e.value), str(e.value)
    assert fresh(org.an).citizen_id == "064080123456" and fresh(org.an).version == 0
    # A sex that no longer fits the stored number: refused at the number.
    with pytest.raises(InvalidField) as e:
        update_person(org.an, {"sex": "F"}, version=0, by=officer, confirm=True)
    assert e.value.field == "citizen_id" and "nữ" in str(e.value)
    assert fresh(org.an).sex == "M"


def test_a_duplicate_cccd_is_refused_naming_the_field(org, personas):
    f.person("Hà Văn Tư", D(1980, 1, 1), citizen_id="064080000111")
    with pytest.raises(InvalidField) as e:
        update_person(
            org.an,
            {"citizen_id": "064080000111", "phone": "0905000000"},
            version=0,
            by=personas.ward_a_officer,
        )
    assert e.value.field == "citizen_id"
    assert str(e.value) == "Số CCCD: 064080000111 đã được ghi cho một người khác."
    an = fresh(org.an)
    assert (an.citizen_id, an.phone, an.version) == ("064080123456", "", 0)


def test_bad_values_are_refused_with_the_field(org, personas):
    officer = personas.ward_a_officer
    for changes, field in [
        ({"full_name": "   "}, "full_name"),
        ({"birth_date": D(2100, 1, 1)}, "birth_date"),
        ({"birth_date": "31/02/1980"}, "birth_date"),
        ({"general_education": "PHD"}, "general_education"),
        ({"phone": "gọi tôi"}, "phone"),
        ({"address": "x" * 300}, "address"),
        ({"residence": "WA-TDP2"}, "residence"),
        ({"full_name": "An\x00"}, "full_name"),
    ]:
        with pytest.raises(InvalidField) as e:
            update_person(org.an, changes, version=0, by=officer, confirm=True)
        assert e.value.field == field, changes
    # The admission ceremony must stay after the 18th birthday.
    with pytest.raises(InvalidField) as e:
        update_person(
            org.an,
            {"birth_date": D(1990, 5, 1), "citizen_id": ""},
            version=0,
            by=officer,
            confirm=True,
        )
    assert e.value.field == "birth_date" and "18" in str(e.value)
    assert fresh(org.an).version == 0


def test_scope_of_who_may_edit(org, personas):
    candidate = lan(org).person  # on cell A1's source list
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    assert may_edit(personas.secretary_a, org.an)  # a member of their cell
    assert not may_edit(personas.secretary_a, org.binh)  # cell A2
    assert may_edit(personas.secretary_a, candidate)  # their cell's candidate
    assert not may_edit(personas.secretary_a, org.dung)  # a plain resident: the ward's
    assert may_edit(personas.ward_a_officer, org.dung)
    assert not may_edit(personas.ward_b_officer, org.dung)
    assert not may_edit(personas.ward_b_officer, org.an)
    assert may_edit(personas.city_officer, org.cuong)
    assert not may_edit(leader, org.an)
    with pytest.raises(NotAllowed):
        update_person(org.an, {"phone": "0905000000"}, version=0, by=personas.ward_b_officer)
    assert fresh(org.an).phone == ""


def test_a_member_who_left_is_edited_by_their_last_unit(org, personas):
    f.member(
        f.person("Tạ Văn Sơn", D(1950, 1, 1)),
        org.cell_b1,
        ceremony=D(1980, 1, 1),
        exit_on=D(2015, 1, 1),
        exit_reason="DEATH",
    )
    son = Person.objects.get(full_name="Tạ Văn Sơn")
    assert may_edit(personas.ward_b_officer, son)
    assert not may_edit(personas.ward_a_officer, son)


# ----- the page --------------------------------------------------------------------------


def form_of(person: Person, **changes) -> dict:
    data = {
        "full_name": person.full_name,
        "birth_date": person.birth_date.strftime("%d/%m/%Y"),
        "sex": person.sex,
        "citizen_id": person.citizen_id or "",
        "ethnicity": person.ethnicity.code,
        "religion": person.religion.code,
        "general_education": person.general_education,
        "professional": person.professional,
        "political_theory": person.political_theory,
        "occupation": person.occupation,
        "phone": person.phone,
        "address": person.address,
        "version": person.version,
        "confirmed": "",
    }
    if person.youth_union_member:
        data["youth_union_member"] = "on"
    if person.business_owner:
        data["business_owner"] = "on"
    return {**data, **changes}


def test_edit_page_saves_and_the_change_shows_on_the_person_page(client, org, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert reverse("person_edit", args=[org.an.pk]) in page  # the button
    url = reverse("person_edit", args=[org.an.pk])
    body = client.get(url).content.decode()
    assert 'value="Nguyễn Văn An"' in body and 'value="01/05/1980"' in body
    response = client.post(
        url, form_of(org.an, phone="0905 123 456", business_owner="on", occupation="FARMER")
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/people/{org.an.pk}/")
    an = fresh(org.an)
    assert an.phone == "0905 123 456" and an.business_owner and an.occupation == "FARMER"
    page = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert "Đã lưu hồ sơ của Nguyễn Văn An." in page
    # The history of changes says what changed, in words.
    assert "Số điện thoại</em>: – → 0905 123 456" in page
    assert "Nghề nghiệp</em>: Khác → Nông, lâm, ngư nghiệp" in page


def test_birth_date_change_asks_for_confirmation_first(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_edit", args=[org.an.pk])
    data = form_of(org.an, birth_date="02/05/1980")
    body = client.post(url, data).content.decode()
    assert "làm thay đổi số liệu thống kê" in body and "ngày sinh" in body.lower()
    assert "01/05/1980" in body and "02/05/1980" in body
    assert fresh(org.an).birth_date == D(1980, 5, 1)  # not yet
    confirmed = client.post(url, {**data, "confirmed": "birth_date=1980-05-02"})
    assert confirmed.status_code == 302
    assert fresh(org.an).birth_date == D(1980, 5, 2)


def test_a_value_changed_after_the_warning_is_warned_again(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_edit", args=[org.an.pk])
    data = form_of(org.an, birth_date="03/05/1980", confirmed="birth_date=1980-05-02")
    body = client.post(url, data).content.decode()
    assert "làm thay đổi số liệu thống kê" in body
    assert fresh(org.an).birth_date == D(1980, 5, 1)


def test_edit_page_errors_in_vietnamese_next_to_the_field(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_edit", args=[org.an.pk])
    f.person("Hà Văn Tư", D(1980, 1, 1), citizen_id="064080000111")
    body = client.post(url, form_of(org.an, citizen_id="064080000111")).content.decode()
    assert "Số CCCD: 064080000111 đã được ghi cho một người khác." in body
    body = client.post(url, form_of(org.an, birth_date="31/02/1980")).content.decode()
    assert 'class="field invalid"' in body
    stale = client.post(url, form_of(org.an, phone="0905000000", version=7)).content.decode()
    assert "Người khác đã sửa hồ sơ" in stale
    assert fresh(org.an).phone == ""


def test_edit_page_scope(client, org, personas):
    url = reverse("person_edit", args=[org.an.pk])
    client.force_login(personas.ward_b_officer)
    assert client.get(url).status_code == 404
    assert client.post(url, form_of(org.an, phone="0905000000")).status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert client.get(url).status_code == 403
    page = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert url not in page  # no button for a role that only reads
    assert fresh(org.an).phone == ""


# ----- the API ---------------------------------------------------------------------------


def patch(client, pk, body):
    return client.patch(f"/api/people/{pk}", json.dumps(body), content_type="application/json")


def test_api_read_and_patch(client, org, personas):
    client.force_login(personas.ward_a_officer)
    record = client.get(f"/api/people/{org.an.pk}").json()
    assert record["version"] == 0 and record["citizen_id"] == "064080123456"
    assert record["residences"][0]["locality"] == "WA-TDP1"
    r = patch(client, org.an.pk, {"version": 0, "phone": "0905123456", "ethnicity": "Kinh"})
    assert r.status_code == 200, r.content
    assert r.json()["phone"] == "0905123456" and r.json()["version"] == 1
    stale = patch(client, org.an.pk, {"version": 0, "address": "Tổ 3"})
    assert stale.status_code == 409 and "Người khác đã sửa" in stale.json()["error"]
    ask = patch(client, org.an.pk, {"version": 1, "birth_date": "1980-05-02", "citizen_id": ""})
    assert ask.status_code == 400
    assert ask.json()["field"] == "confirm" and ask.json()["fields"] == ["birth_date"]
    done = patch(
        client,
        org.an.pk,
        {"version": 1, "birth_date": "1980-05-02", "citizen_id": "", "confirm": True},
    )
    assert done.status_code == 200 and done.json()["birth_date"] == "1980-05-02"
    f.person("Hà Văn Tư", D(1980, 1, 1), citizen_id="064080000111")
    dup = patch(client, org.an.pk, {"version": 2, "citizen_id": "064080000111"})
    assert dup.status_code == 400 and dup.json()["field"] == "citizen_id"
    assert "Số CCCD" in dup.json()["error"]


def test_api_scope(client, org, personas):
    client.force_login(personas.ward_b_officer)
    assert patch(client, org.an.pk, {"version": 0, "phone": "0905000000"}).status_code == 404
    assert client.get(f"/api/people/{org.an.pk}").status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert patch(client, org.an.pk, {"version": 0, "phone": "0905000000"}).status_code == 403
    names_only = client.get(f"/api/people/{org.an.pk}").json()
    assert set(names_only) == {"id", "full_name"}
    assert fresh(org.an).phone == ""


def test_retention_erases_the_telephone_and_address_too(org, personas):
    from dangvien.admission.retention import anonymise

    c = lan(org)
    update_person(
        c.person,
        {"phone": "0905 777 888", "address": "5 Hùng Vương"},
        version=0,
        by=personas.ward_a_officer,
    )
    anonymise(c)
    p = fresh(c.person)
    assert (p.phone, p.address) == ("", "")


ENGLISH = [
    "Edit the details",
    "Places of residence",
    "before the records begin",
    "Record the move",
    "New place of residence",
    "Living there from",
    "Home address",
    "Telephone",
    "Confirm and save",
    "After the change",
    "Private-business owner",
    "Political theory",
]


def test_no_english_on_the_vietnamese_pages(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_edit", args=[org.an.pk])
    pages = [
        client.get(reverse("person_detail", args=[org.an.pk])).content.decode(),
        client.get(url).content.decode(),
        client.post(url, form_of(org.an, sex="F", citizen_id="")).content.decode(),
    ]
    assert "Sửa thông tin" in pages[0] and "Xác nhận và lưu" in pages[2]
    for page in pages:
        for words in ENGLISH:
            assert words not in page, words
