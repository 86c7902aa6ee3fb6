"""Fixed personas (as healthchecks has Alice, Bob, Charlie) and their organisation.

City committee CITY → ward committees WARDA and WARDB, each with cells serving
residential groups. Personas: `city_officer` (organisation board, whole city),
`ward_a_officer`, `ward_b_officer`, `secretary_a` (cell secretary of cell A1).
"""

import os
import threading
from types import SimpleNamespace

import django.test
import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangvien.accounts.models import Role
from dangvien.core import dbrouter
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.reference.loader import load_reference
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion

from . import factories as f

D = f.D
K = OrgUnit.Kind


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server of the browser tests, one request at a time. On SQLite its
    threads share the test's in-memory connection: a page's stray request (a favicon)
    ending its transaction inside a form's post broke that post ("cannot start a
    transaction within a transaction")."""

    lock = threading.Lock()

    def set_app(self, application):
        def serial(environ, start_response):
            with self.lock:
                return application(environ, start_response)

        super().set_app(serial)


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(autouse=True)
def _reference_lists(db):
    # Figures cached under a version (`stats.fresh`) must not outlive their test: the
    # versions start again with each test's rolled-back database.
    from django.core.cache import cache

    cache.clear()
    # Transactional tests flush tables, migrations' rows included: load them again.
    if not Ethnicity.objects.exists():
        load_reference(Ethnicity, Religion, ProvinceCode)
    # …and the mark the stats migration leaves on a database with no members.
    from dangvien.membership.models import Membership
    from dangvien.stats.models import Built

    if not Built.objects.exists() and not Membership.objects.exists():
        Built.objects.create(built_at=timezone.now())


@pytest.fixture(autouse=True)
def _precomputed_counts_stay_right(_reference_lists):
    """After every test, whatever it wrote and through whichever path, the superior
    committees' structure reports read from the precomputed counts equal a recount from
    the rows, on the dates the rows change (and today). The demo-sized databases are
    checked by their own tests instead."""
    yield
    import datetime as dt

    from dangvien.membership.models import Membership, Stint
    from dangvien.stats.check import differences
    from dangvien.stats.models import Built

    if not Built.objects.exists() or not 0 < Membership.objects.count() <= 300:
        return
    marks = set(Stint.objects.values_list("start_on", flat=True))
    marks |= {d for d in Stint.objects.values_list("end_on", flat=True) if d}
    marks |= {d for d in Membership.objects.values_list("confirmed_on", flat=True) if d}
    days = sorted(marks)[-3:] + [dt.date.today()]
    for unit in OrgUnit.objects.filter(kind=K.SUPERIOR):
        for day in days:
            assert differences(unit, day) == [], (unit.code, day)


@pytest.fixture(autouse=True)
def _imports_inline(settings, tmp_path):
    # Background tasks (upload-page imports) run inside the request in tests, with their
    # files in a temporary folder; tests of the queue itself switch to the database
    # backend and run the worker (tests/test_tasks.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.EXPORT_DIR = tmp_path / "exports"


@pytest.fixture(autouse=True)
def _replica_only_where_declared(request, settings):
    """Only tests that declare the `replica` database read from it (tests/test_replica.py);
    elsewhere the alias may not be set up as the test mirror, so it stays unused."""
    marker = request.node.get_closest_marker("django_db")
    databases = marker.kwargs.get("databases", ()) if marker else ()
    if databases != "__all__" and "replica" not in databases:
        settings.REPLICA_READS = False
    dbrouter.reset()


@pytest.fixture
def org(db):
    city_loc = f.locality("CITY", "Thành phố Thử", Locality.Kind.CITY)
    ward_a_loc = f.locality("WA", "Phường A", Locality.Kind.WARD, city_loc)
    ward_b_loc = f.locality("WB", "Phường B", Locality.Kind.WARD, city_loc)
    tdp_a1 = f.locality("WA-TDP1", "Tổ dân phố 1", Locality.Kind.RESIDENTIAL_GROUP, ward_a_loc)
    tdp_a2 = f.locality("WA-TDP2", "Tổ dân phố 2", Locality.Kind.RESIDENTIAL_GROUP, ward_a_loc)
    tdp_b1 = f.locality("WB-TDP1", "Tổ dân phố 1", Locality.Kind.RESIDENTIAL_GROUP, ward_b_loc)
    city = f.unit("CITY", "Đảng bộ thành phố Thử", K.SUPERIOR, loc=city_loc)
    ward_a = f.unit(
        "WARDA",
        "Đảng bộ phường A",
        K.GRASSROOTS_COMMITTEE,
        city,
        loc=ward_a_loc,
        category=OrgUnit.Category.COMMUNE_WARD,
    )
    ward_b = f.unit(
        "WARDB",
        "Đảng bộ phường B",
        K.GRASSROOTS_COMMITTEE,
        city,
        loc=ward_b_loc,
        category=OrgUnit.Category.COMMUNE_WARD,
    )
    cell_a1 = f.unit("A1", "Chi bộ Tổ dân phố 1", K.CELL, ward_a, serves=[tdp_a1])
    cell_a2 = f.unit("A2", "Chi bộ Tổ dân phố 2", K.CELL, ward_a, serves=[tdp_a2])
    cell_b1 = f.unit("B1", "Chi bộ Tổ dân phố 1 (B)", K.CELL, ward_b, serves=[tdp_b1])
    an = f.person("Nguyễn Văn An", D(1980, 5, 1), "M", residence=tdp_a1, citizen_id="064080123456")
    binh = f.person(
        "Trần Thị Bình", D(1995, 2, 10), "F", ethnicity="10", religion="03", residence=tdp_a2
    )
    cuong = f.person("Lê Văn Cường", D(1960, 7, 7), "M", residence=tdp_b1)
    dung = f.person("Phạm Thị Dung", D(1999, 9, 9), "F", residence=tdp_a1)  # not a member
    f.member(an, cell_a1, ceremony=D(2005, 6, 1))
    f.member(binh, cell_a2, ceremony=D(2017, 3, 1), confirmed=None)
    f.member(cuong, cell_b1, ceremony=D(1990, 1, 15))
    return SimpleNamespace(
        city=city,
        ward_a=ward_a,
        ward_b=ward_b,
        cell_a1=cell_a1,
        cell_a2=cell_a2,
        cell_b1=cell_b1,
        an=an,
        binh=binh,
        cuong=cuong,
        dung=dung,
        city_loc=city_loc,
        ward_a_loc=ward_a_loc,
        ward_b_loc=ward_b_loc,
        tdp_a1=tdp_a1,
    )


class Client(django.test.Client):
    """The test client; force_login also passes the two-factor step when the user has a
    confirmed TOTP device (as the city officer persona has)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return Client()


def with_totp(user):
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


@pytest.fixture
def personas(org):
    return SimpleNamespace(
        city_officer=with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city)),
        ward_a_officer=f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a),
        ward_b_officer=f.user("ward.b", Role.Kind.GRASSROOTS_OFFICER, org.ward_b),
        secretary_a=f.user("secretary.a1", Role.Kind.CELL_SECRETARY, org.cell_a1),
    )


def pytest_collection_modifyitems(config, items):
    """Browser tests run where Chromium is; CI sets REQUIRE_BROWSER=1 so they never skip."""
    if os.path.exists("/usr/bin/chromium") or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason="/usr/bin/chromium not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
