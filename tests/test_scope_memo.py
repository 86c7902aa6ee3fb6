"""The scope's answers are kept for one request (`scoping.memoised`), and forgotten when a
role or unit changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangvien.accounts import scoping
from dangvien.accounts.models import Role
from dangvien.orgs.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_a_request_asks_the_database_once_per_question(personas, org):
    user = personas.ward_a_officer
    with scoping.memoised():
        with CaptureQueriesContext(connection) as q:
            first = scoping.scope_paths(user)
        # The roles, the units they succeeded (one generation here), their paths.
        assert len(q.captured_queries) == 3
        with CaptureQueriesContext(connection) as q:
            again = scoping.scope_paths(user)
            places = scoping.locality_paths(user)
            personal = scoping.scope_paths(user, personal=True)
            writable = scoping.writable_paths(user)
            unrestricted = scoping.is_unrestricted(user)
        assert again == first == personal == writable and not unrestricted
        assert places == scoping.locality_paths(user)
        # Every other question is answered from those three.
        assert len(q.captured_queries) == 0
        again.append("X/")  # a caller changing its list changes nobody else's
        assert scoping.scope_paths(user) == first


def test_nothing_is_kept_outside_a_request(personas, org):
    user = personas.ward_a_officer
    scoping.scope_paths(user)
    with CaptureQueriesContext(connection) as q:
        scoping.scope_paths(user)
    # Asked afresh, and each part once for the one question (`answered_once`).
    assert len(q.captured_queries) == 3


def test_the_answers_are_those_of_the_role_queries(personas, org):
    """What `all_roles` filters in Python is what `roles_for` filters in SQL: dates,
    the leader without the personal-data grant, the leaders who only read."""
    import datetime as dt

    from django.utils import timezone

    user = personas.ward_b_officer
    today = timezone.localdate()
    Role.objects.create(user=user, kind=Role.Kind.LEADER, unit=org.ward_a, personal_data=False)
    Role.objects.create(
        user=user,
        kind=Role.Kind.GRASSROOTS_OFFICER,
        unit=OrgUnit.objects.get(code="CITY"),
        valid_to=today - dt.timedelta(days=1),
    )
    paths = {
        personal: sorted(
            set(
                OrgUnit.objects.filter(
                    pk__in=scoping.roles_for(user, personal).values("unit")
                ).values_list("path", flat=True)
            )
        )
        for personal in (False, True)
    }
    assert scoping.scope_paths(user) == paths[False] == [org.ward_a.path, org.ward_b.path]
    assert scoping.scope_paths(user, personal=True) == paths[True] == [org.ward_b.path]
    assert scoping.writable_paths(user) == [org.ward_b.path]
    assert scoping.names_only_paths(user) == [org.ward_a.path]


def test_a_role_or_unit_changed_in_the_request_is_seen(personas, org):
    user = personas.ward_b_officer
    ward_a = OrgUnit.objects.get(code="WARDA")
    with scoping.memoised():
        assert not any(p.startswith(ward_a.path) for p in scoping.scope_paths(user))
        assert scoping.writable_paths(user) == scoping.scope_paths(user)
        role = Role.objects.create(user=user, kind=Role.Kind.GRASSROOTS_OFFICER, unit=ward_a)
        assert ward_a.path in scoping.scope_paths(user)
        assert ward_a.path in scoping.writable_paths(user)
        role.delete()
        assert ward_a.path not in scoping.scope_paths(user)


def test_pages_see_a_role_granted_between_requests(client, personas, org):
    user = personas.ward_b_officer
    client.force_login(user)
    url = reverse("person_list")
    assert "Nguyễn Văn An" not in client.get(url).content.decode()
    Role.objects.create(user=user, kind=Role.Kind.GRASSROOTS_OFFICER, unit=org.ward_a)
    assert "Nguyễn Văn An" in client.get(url).content.decode()
