"""The demo logins, among them a names-only leader anyone can try (issue 10, item 2)."""

from django.contrib.auth import get_user_model

from dangvien.accounts.models import Role
from dangvien.demo.load import DEMO_PASSWORD, Loader
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person

from . import factories as f

D = f.D


def test_the_hoa_lu_leader_sees_names_only(client, db):
    pleiku = f.unit("PLEIKU", "Đảng bộ thành phố Pleiku", OrgUnit.Kind.SUPERIOR)
    units = {
        "PLEIKU": pleiku,
        "HOALU": f.unit(
            "HOALU", "Đảng bộ phường Hoa Lư", OrgUnit.Kind.GRASSROOTS_COMMITTEE, pleiku
        ),
        "TAYSON": f.unit(
            "TAYSON", "Đảng bộ phường Tây Sơn", OrgUnit.Kind.GRASSROOTS_COMMITTEE, pleiku
        ),
    }
    cell = f.unit("HOALU-CB1", "Chi bộ 1", OrgUnit.Kind.CELL, units["HOALU"])
    an = f.person("Nguyễn Văn An", D(1980, 5, 1), "M")
    f.member(an, cell, ceremony=D(2005, 6, 1))
    Loader(log=lambda _m: None).write_users(units)
    leader = get_user_model().objects.get(username="lanhdao.hoalu")
    assert leader.check_password(DEMO_PASSWORD)
    role = leader.roles.get()
    assert (role.kind, role.unit.code, role.personal_data) == (Role.Kind.LEADER, "HOALU", False)
    assert Person.objects.visible_to(leader).get() == an
    assert not Person.objects.visible_to(leader, personal=True).exists()
    client.force_login(leader)
    body = client.get(f"/people/{an.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Nguyễn Văn An" in body and "01/05/1980" not in body
