"""The one scoping gate, proven with the fixed personas."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import Person


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_units_visible_to_each_persona(personas, org):
    assert codes(OrgUnit.objects.visible_to(personas.city_officer)) == {
        "CITY",
        "WARDA",
        "WARDB",
        "A1",
        "A2",
        "B1",
    }
    assert codes(OrgUnit.objects.visible_to(personas.ward_a_officer)) == {"WARDA", "A1", "A2"}
    assert codes(OrgUnit.objects.visible_to(personas.ward_b_officer)) == {"WARDB", "B1"}
    assert codes(OrgUnit.objects.visible_to(personas.secretary_a)) == {"A1"}
    assert not OrgUnit.objects.visible_to(AnonymousUser()).exists()


def test_people_visible_to_each_persona(personas, org):
    names = lambda u: set(Person.objects.visible_to(u).values_list("full_name", flat=True))  # noqa: E731
    assert names(personas.city_officer) == {
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Phạm Thị Dung",
    }
    # Dung is not a member: her ward's committee sees her because she lives there.
    assert names(personas.ward_a_officer) == {"Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"}
    assert names(personas.ward_b_officer) == {"Lê Văn Cường"}
    assert names(personas.secretary_a) == {"Nguyễn Văn An"}


def test_localities_visible_to_ward_officer(personas, org):
    assert codes(Locality.objects.visible_to(personas.ward_a_officer)) == {
        "WA",
        "WA-TDP1",
        "WA-TDP2",
    }
    assert len(codes(Locality.objects.visible_to(personas.city_officer))) == 6


def test_transferred_member_moves_out_of_the_old_wards_scope(personas, org):
    from dangvien.membership.models import Stint

    stint = Stint.objects.get(membership__person=org.an)
    stint.end_on, stint.reason_out = org.an.birth_date.replace(year=2015), "TRANSFER"
    stint.save(update_fields=["end_on", "reason_out"])
    Stint.objects.create(
        membership=stint.membership, unit=org.cell_b1, start_on=stint.end_on, reason_in="TRANSFER"
    )
    assert not Person.objects.visible_to(personas.ward_a_officer).filter(pk=org.an.pk).exists()
    assert Person.objects.visible_to(personas.ward_b_officer).filter(pk=org.an.pk).exists()


@pytest.mark.parametrize("name", ["person_detail"])
def test_ward_b_officer_gets_404_for_a_ward_a_person_by_url(client, personas, org, name):
    client.force_login(personas.ward_b_officer)
    response = client.get(reverse(name, args=[org.an.pk]))
    assert response.status_code == 404
    assert "Nguyễn Văn An" not in response.content.decode()
    client.force_login(personas.ward_a_officer)
    assert client.get(reverse(name, args=[org.an.pk])).status_code == 200


def test_ward_b_officer_gets_404_for_a_ward_a_unit(client, personas, org):
    client.force_login(personas.ward_b_officer)
    assert client.get(reverse("unit_detail", args=["A1"])).status_code == 404
    assert client.get(reverse("unit_detail", args=["B1"])).status_code == 200


def test_lists_and_statistics_stay_inside_scope(client, personas, org):
    client.force_login(personas.ward_b_officer)
    body = client.get(reverse("person_list")).content.decode()
    assert "Lê Văn Cường" in body and "Nguyễn Văn An" not in body
    body = client.get(reverse("unit_tree")).content.decode()
    assert "Chi bộ Tổ dân phố 1 (B)" in body and "Đảng bộ phường A" not in body
    response = client.get(reverse("statistics"), {"unit": "WARDA"})
    assert response.status_code == 200
    assert response.context["unit"].code == "WARDB"  # refused, fell back to own unit
    assert "WARDA" in response.context["error"]


def test_forged_ids_give_404_not_500(client, personas, org):
    client.force_login(personas.city_officer)
    assert client.get("/people/999999/").status_code == 404
    assert client.get("/people/abc/").status_code == 404
    assert client.get("/units/NOPE/").status_code == 404


def test_anonymous_user_is_sent_to_login(client, org):
    for url in ("/", "/people/", f"/people/{org.an.pk}/", "/statistics/", "/units/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_404_page_is_in_vietnamese_and_names_no_one(client, personas, org, settings):
    settings.DEBUG = False
    client.force_login(personas.ward_b_officer)
    response = client.get(f"/people/{org.an.pk}/", HTTP_ACCEPT_LANGUAGE="vi")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý của bạn." in body
    assert "Nguyễn Văn An" not in body and "064080123456" not in body


def test_admin_site_is_for_superusers_only(client, personas):
    personas.city_officer.is_staff = True
    personas.city_officer.save(update_fields=["is_staff"])
    client.force_login(personas.city_officer)
    assert client.get("/admin/people/person/").status_code == 302  # sent to the admin login


def test_personal_filters_need_personal_sight_of_everyone_filtered(client, personas, org):
    """A user with both a names-only leader role (ward A) and a secretary's role (cell A1)
    may filter by personal fields inside A1 only, where they see everyone's details."""
    from dangvien.accounts.models import Role
    from dangvien.accounts.scoping import names_only_paths, personal_everywhere

    from . import factories as f

    mixed = f.user("mixed", Role.Kind.LEADER, org.ward_a)
    Role.objects.create(user=mixed, kind=Role.Kind.CELL_SECRETARY, unit=org.cell_a1)
    assert names_only_paths(mixed) == [org.ward_a.path]
    assert not personal_everywhere(mixed)
    assert personal_everywhere(mixed, under=org.cell_a1.path)
    assert not personal_everywhere(mixed, under=org.ward_a.path)
    assert not personal_everywhere(mixed, under=org.cell_a2.path)
    assert personal_everywhere(personas.ward_a_officer) and personal_everywhere(
        personas.city_officer
    )
    client.force_login(mixed)
    refused = client.get(reverse("person_list"), {"sex": "M"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert "chỉ xem được họ tên" in refused.content.decode()
    inside = client.get(reverse("person_list"), {"sex": "M", "unit": "A1"})
    assert [p.full_name for p in inside.context["page"]] == ["Nguyễn Văn An"]
    # The grant lifts the refusal.
    Role.objects.filter(user=mixed, kind=Role.Kind.LEADER).update(personal_data=True)
    assert personal_everywhere(mixed)


def test_a_names_only_leader_is_not_offered_personal_filters_or_columns(client, personas, org):
    """Names only and no personal grant anywhere: the list offers the name, unit and
    status filters and shows no personal column; a forged personal filter is still
    refused in words. A role with a grant somewhere keeps every filter (it may use them
    inside that subtree)."""
    from dangvien.accounts.models import Role

    from . import factories as f

    leader = f.user("leader.only", Role.Kind.LEADER, org.ward_a)
    client.force_login(leader)
    page = client.get(reverse("person_list"), HTTP_ACCEPT_LANGUAGE="vi")
    body = page.content.decode()
    assert [b.name for b in page.context["form"].shown()] == ["q", "unit", "status"]
    assert 'name="religion"' not in body and "Tôn giáo" not in body and "Ngày sinh" not in body
    assert "Nguyễn Văn An" in body
    forged = client.get(reverse("person_list"), {"religion": "believer"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert "chỉ xem được họ tên" in forged.content.decode()
    assert not forged.context["page"].items
    Role.objects.create(user=leader, kind=Role.Kind.CELL_SECRETARY, unit=org.cell_a1)
    mixed = client.get(reverse("person_list"), HTTP_ACCEPT_LANGUAGE="vi")
    assert 'name="religion"' in mixed.content.decode()
    client.force_login(personas.ward_a_officer)
    officer = client.get(reverse("person_list"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'name="religion"' in officer and "Ngày sinh" in officer


def test_prefix_q_drops_the_paths_under_another_and_selects_the_same_units(org):
    from dangvien.accounts.scoping import prefix_q

    paths = [u.path for u in OrgUnit.objects.all()]
    q = prefix_q("path", paths)
    # Only the top units' paths are left, and they select every unit.
    tops = sorted({p for p in paths if not any(p != o and p.startswith(o) for o in paths)})
    assert [value for _lookup, value in q.children] == tops
    assert OrgUnit.objects.filter(q).count() == len(paths)
    ward = org.ward_a.path
    assert set(OrgUnit.objects.filter(prefix_q("path", [ward, ward + "X/", ward]))) == set(
        OrgUnit.objects.filter(path__startswith=ward)
    )
    assert not OrgUnit.objects.filter(prefix_q("path", [])).exists()
