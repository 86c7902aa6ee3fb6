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
        first = scoping.scope_paths(user)
        with CaptureQueriesContext(connection) as q:
            again = scoping.scope_paths(user)
            places = scoping.locality_paths(user)
        assert again == first
        assert places == scoping.locality_paths(user)
        # The places ask for their own paths once; the roles and units are known.
        assert len(q.captured_queries) == 1
        again.append("X/")  # a caller changing its list changes nobody else's
        assert scoping.scope_paths(user) == first


def test_nothing_is_kept_outside_a_request(personas, org):
    user = personas.ward_a_officer
    scoping.scope_paths(user)
    with CaptureQueriesContext(connection) as q:
        scoping.scope_paths(user)
    assert len(q.captured_queries) > 0


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
