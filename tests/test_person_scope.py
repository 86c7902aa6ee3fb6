"""Pulling a person into one's scope (issue 10, item 1): an officer never attaches a
person outside their scope, on the new-candidate page or in an import from the upload
page, and the answer does not tell whether the typed details match the stored person."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangvien.admission.models import Candidate
from dangvien.imports import candidates, members
from dangvien.imports.models import ImportRun
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from .test_admission_pages import NEW
from .test_import_more import CAND, members_row

DUNG_ID = "064199000321"  # Phạm Thị Dung, born 09/09/1999, lives in ward A, not a member
REFUSAL = "không thể đưa vào danh sách ở đây"
S = ImportRun.Status


def dung_with_id(org):
    org.dung.citizen_id = DUNG_ID
    org.dung.save()
    return org.dung


def dung_form(**change):
    return {
        **NEW,
        "cell": "B1",
        "residence": "WB-TDP1",
        "full_name": "Phạm Thị Dung",
        "birth_date": "09/09/1999",
        "sex": "F",
        "citizen_id": DUNG_ID,
        "tags": ["WOMAN"],
        **change,
    }


def refusal(client, data):
    response = client.post(reverse("candidate_new"), data, HTTP_ACCEPT_LANGUAGE="vi")
    form = response.context["form"]
    return response.status_code, form.non_field_errors(), dict(form.errors)


def test_an_officer_cannot_list_another_wards_person(client, personas, org):
    dung = dung_with_id(org)
    client.force_login(personas.ward_b_officer)
    people = Person.objects.count()
    right = refusal(client, dung_form())
    wrong_name = refusal(client, dung_form(full_name="Người Khác"))
    wrong_birth = refusal(client, dung_form(birth_date="19/09/1999"))
    assert right[0] == 200 and REFUSAL in right[1][0] and "Ban Tổ chức" in right[1][0]
    # The same answer whether or not the typed name and birth date are the stored ones.
    assert right == wrong_name == wrong_birth
    body = client.post(reverse("candidate_new"), dung_form()).content.decode()
    assert (
        "đã được ghi cho một người khác" not in body
        and "Phạm Thị Dung" not in body.split('role="alert"')[1][:400]
    )
    assert not Candidate.objects.exists() and Person.objects.count() == people
    assert not Person.objects.visible_to(personas.ward_b_officer).filter(pk=dung.pk).exists()
    assert client.get(reverse("person_detail", args=[dung.pk])).status_code == 404


def test_an_officer_lists_a_person_of_their_own_scope_and_the_board_anyone(client, personas, org):
    dung = dung_with_id(org)
    client.force_login(personas.ward_a_officer)
    # In scope, a CCCD recorded for someone else is still said plainly.
    status, errors, _ = refusal(
        client, dung_form(cell="A1", residence="WA-TDP1", full_name="Người Khác")
    )
    assert "đã được ghi cho một người khác" in errors[0]
    response = client.post(reverse("candidate_new"), dung_form(cell="A1", residence="WA-TDP1"))
    assert response.status_code == 302
    assert Candidate.objects.get().person == dung  # the stored person, not a copy
    Candidate.objects.all().delete()
    client.force_login(personas.city_officer)
    response = client.post(reverse("candidate_new"), dung_form())
    assert response.status_code == 302 and Candidate.objects.get().cell == org.cell_b1
    assert Candidate.objects.get().person == dung


def upload(client, kind, header, rows, name="tep.csv"):
    lines = [",".join(header)] + [",".join(str(r.get(c) or "") for c in header) for r in rows]
    data = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    client.post("/imports/new/", {"kind": kind, "file": SimpleUploadedFile(name, data)})
    return ImportRun.objects.order_by("-pk").first()


def dung_row(**change):
    return {
        **CAND,
        "Họ và tên": "Phạm Thị Dung",
        "Ngày sinh": "09/09/1999",
        "Giới tính": "Nữ",
        "Số CCCD": DUNG_ID,
        "Dân tộc": "Kinh",
        "Mã địa bàn cư trú": "WB-TDP1",
        "Mã chi bộ": "B1",
        "Nhóm ưu tiên": "",
        "Số CCCD người giúp đỡ": "",
        **change,
    }


def messages_of(run):
    return [(p["column"], p["message"]) for p in run.problems]


def test_candidate_import_from_the_page_never_attaches_an_outside_person(client, personas, org):
    dung = dung_with_id(org)
    client.force_login(personas.ward_b_officer)
    right = upload(client, "candidates", candidates.COLUMNS, [dung_row()])
    wrong = upload(client, "candidates", candidates.COLUMNS, [dung_row(**{"Họ và tên": "Ai Đó"})])
    # An, a member of ward A: not "already a member" (that would tell), the same refusal.
    an = upload(
        client,
        "candidates",
        candidates.COLUMNS,
        [
            dung_row(
                **{
                    "Họ và tên": "Nguyễn Văn An",
                    "Ngày sinh": "01/05/1980",
                    "Giới tính": "Nam",
                    "Số CCCD": "064080123456",
                }
            )
        ],
    )
    assert right.status == wrong.status == an.status == S.INVALID
    assert messages_of(right) == messages_of(wrong) == messages_of(an)
    column, message = messages_of(right)[0]
    assert column == "Số CCCD" and REFUSAL in message and "Ban Tổ chức" in message
    assert not Candidate.objects.exists()
    # By name and birth date only: never matched outside the scope (a new person, who
    # is not Dung, is listed; Dung stays out of ward B's sight).
    by_name = upload(client, "candidates", candidates.COLUMNS, [dung_row(**{"Số CCCD": ""})])
    assert by_name.status == S.READY and (by_name.new, by_name.review) == (1, [])
    client.post(f"/imports/{by_name.pk}/write/")
    assert Candidate.objects.get().person != dung
    assert not Person.objects.visible_to(personas.ward_b_officer).filter(pk=dung.pk).exists()


def test_the_board_may_import_anyone_onto_a_list(client, personas, org):
    dung = dung_with_id(org)
    client.force_login(personas.city_officer)
    run = upload(client, "candidates", candidates.COLUMNS, [dung_row()])
    assert run.status == S.READY, run.problems
    client.post(f"/imports/{run.pk}/write/")
    assert Candidate.objects.get().person == dung


def test_member_import_from_the_page_never_attaches_an_outside_person(client, personas, org):
    client.force_login(personas.ward_b_officer)
    an_row = {
        **members_row(card=""),
        "Họ và tên": "Nguyễn Văn An",
        "Ngày sinh": "01/05/1980",
        "Giới tính": "Nam",
        "Số CCCD": "064080123456",
        "Mã đơn vị": "B1",
        "Mã địa bàn cư trú": "WB-TDP1",
    }
    right = upload(client, "members", members.COLUMNS, [an_row])
    wrong = upload(client, "members", members.COLUMNS, [{**an_row, "Họ và tên": "Ai Đó"}])
    assert right.status == wrong.status == S.INVALID
    assert messages_of(right) == messages_of(wrong)
    column, message = messages_of(right)[0]
    assert column == "Số CCCD" and REFUSAL in message and "Ban Tổ chức" in message
    assert "người khác" not in message
    assert Membership.objects.filter(person=org.an).count() == 1
    assert not Person.objects.visible_to(personas.ward_b_officer).filter(pk=org.an.pk).exists()
    # The board may record it (An's second membership, in ward B, after the first).
    client.force_login(personas.city_officer)
    ok = upload(client, "members", members.COLUMNS, [an_row])
    assert all(REFUSAL not in m for _, m in messages_of(ok))
