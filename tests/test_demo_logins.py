"""The demo logins, among them a names-only leader anyone can try (issue 10, item 2)."""

from django.contrib.auth import get_user_model

from dangvien.accounts.models import Role
from dangvien.demo.load import DEMO_PASSWORD, Loader
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person

from . import factories as f

D = f.D


def test_the_hoa_lu_leader_sees_names_only(client, db):
    from dangvien.demo.load import DEMO_USERS
    from dangvien.demo.reform import REFORM_DAY

    province = f.unit("GIALAI", "Đảng bộ tỉnh Gia Lai", OrgUnit.Kind.SUPERIOR)
    pleiku = f.unit("PLEIKU", "Đảng bộ thành phố Pleiku", OrgUnit.Kind.SUPERIOR, province)
    units = {"GIALAI": province, "PLEIKU": pleiku}
    codes = {code for *_who, periods in DEMO_USERS for code, _start, _until in periods}
    for code in sorted(codes - set(units)):
        new = code.endswith(("-P", "-X"))
        units[code] = f.unit(
            code,
            f"Đảng bộ {code}",
            OrgUnit.Kind.GRASSROOTS_COMMITTEE,
            province if new else pleiku,
            valid_from=REFORM_DAY if new else D(2000, 1, 1),
        )
    units["HOALU"].successors.add(units["PLEIKU-P"])  # phường Pleiku replaced Hoa Lư
    cell = f.unit("HOALU-CB1", "Chi bộ 1", OrgUnit.Kind.CELL, units["HOALU"])
    an = f.person("Nguyễn Văn An", D(1980, 5, 1), "M")
    f.member(an, cell, ceremony=D(2005, 6, 1))
    Loader(log=lambda _m: None).write_users(units)
    leader = get_user_model().objects.get(username="lanhdao.hoalu")
    assert leader.check_password(DEMO_PASSWORD)
    roles = sorted(leader.roles.values_list("kind", "unit__code", "personal_data", "valid_to"))
    assert roles == [
        (Role.Kind.LEADER, "HOALU", False, REFORM_DAY),
        (Role.Kind.LEADER, "PLEIKU-P", False, None),
    ]
    # Today the leader of phường Pleiku sees Hoa Lư's records, names only.
    assert Person.objects.visible_to(leader).get() == an
    assert not Person.objects.visible_to(leader, personal=True).exists()
    client.force_login(leader)
    body = client.get(f"/people/{an.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Nguyễn Văn An" in body and "01/05/1980" not in body
