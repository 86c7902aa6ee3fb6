"""`dangvien bench`: time the paths users wait on, on the demo organisation.

Wall-clock medians over repeated runs on this machine; run on an otherwise idle machine
(`make bench` uses its own SQLite file, or DATABASE_URL).
"""

import datetime as dt
import io
import json
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangvien.admission.deadlines import alerts
from dangvien.admission.models import Candidate
from dangvien.orgs.models import OrgUnit
from dangvien.reports.structure import structure
from dangvien.rules.checks import report
from dangvien.rules.dossier import parse

DAY = dt.date(2017, 11, 30)
DOSSIER = {
    "person": {
        "birth_date": "1995-03-04",
        "general_education": "12/12",
        "youth_union_member": True,
    },
    "course": {"certificate_date": "2016-05-10"},
    "introducers": [
        {
            "kind": "member",
            "full_member_since": "2009-01-01",
            "worked_together_since": "2015-01-01",
        },
        {"kind": "youth_union", "resolution_date": "2017-06-01"},
    ],
    "youth_union_exists": True,
    "verification": {"required": 4, "answered": 4},
    "cell_vote": {"date": "2017-07-03", "full_members": 12, "in_favour": 8},
    "decision": {"date": "2017-09-01"},
    "ceremony": {"date": "2017-09-20"},
}


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_bench(n: int) -> list[tuple[str, float, float]]:
    """Check then write a member file of `n` rows (XLSX) into the demo database; a small
    file first, so the peak memory of both can be compared (flat: no growth per row)."""
    from dangvien.imports import members
    from dangvien.imports.bigfile import write_member_file

    out = []
    with tempfile.TemporaryDirectory() as folder:
        for prefix, rows in enumerate(sorted({min(n, 10_000), n}), start=8):
            path = write_member_file(
                Path(folder) / f"members-{rows}.xlsx", rows, seed=rows, card_prefix=str(prefix)
            )
            start = time.perf_counter()
            plan = members.validate(path, DAY.today())
            checked = time.perf_counter()
            if not plan.ok:
                raise CommandError("; ".join(p.line() for p in plan.problems[:5]))
            members.commit(plan, path)
            done = time.perf_counter()
            out.append(
                (f"import {rows:,} members: check".replace(",", "."), (checked - start) * 1000, 0.0)
            )
            out.append(
                (f"import {rows:,} members: write".replace(",", "."), (done - checked) * 1000, 0.0)
            )
            out.append((f"  peak memory after {rows:,} rows (MB)".replace(",", "."), rss_mb(), 0.0))
    return out


class Command(BaseCommand):
    help = "Benchmark demo generation, reports, pages and rule checks."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--import-rows",
            type=int,
            default=100_000,
            help="rows of the member-import benchmark (0: skip it)",
        )

    def handle(self, *args, runs=10, **opts):
        results: list[tuple[str, float, float]] = []
        start = time.perf_counter()
        call_command("demo", "--no-serve", "--reset", stdout=io.StringIO())
        results.append(("demo generation (whole)", (time.perf_counter() - start) * 1000, 0))
        city = OrgUnit.objects.get(code="PLEIKU")
        ward = OrgUnit.objects.get(code="HOALU")
        results.append(
            ("structure(PLEIKU, 30/11/2017)", *median_ms(lambda: structure(city, DAY), runs))
        )
        results.append(
            ("structure(HOALU, 30/11/2017)", *median_ms(lambda: structure(ward, DAY), runs))
        )
        results.append(
            ("alerts, whole city", *median_ms(lambda: alerts(Candidate.objects.all(), DAY), runs))
        )
        results.append(
            ("rules check, 1 dossier", *median_ms(lambda: report(parse(DOSSIER)), runs * 10))
        )
        client = Client(HTTP_HOST="localhost")
        user = get_user_model().objects.get(username="btc.pleiku")
        client.force_login(user)
        # The board officer's second factor, passed as after a real code.
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        for label, url in [
            ("page /statistics/ (city)", "/statistics/?unit=PLEIKU&date=2017-11-30"),
            ("page /units/ (490 units)", "/units/?date=2017-11-30"),
            ("page /people/?q=nguyen van", "/people/?q=nguyen+van"),
            ("page /localities/", "/localities/?date=2017-11-30"),
            ("page /candidates/board/", "/candidates/board/"),
        ]:
            if client.get(url).status_code != 200:
                raise CommandError(f"{url} did not answer 200")
            results.append((label, *median_ms(lambda url=url: client.get(url), runs)))
        if opts["import_rows"]:
            results += import_bench(opts["import_rows"])
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "database": connection.vendor,
                        "runs": runs,
                        "results": [
                            {"what": w, "median_ms": round(m, 1), "max_ms": round(x, 1)}
                            for w, m, x in results
                        ],
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(f"database: {connection.vendor}, runs: {runs}")
        self.stdout.write(f"{'what':40} {'median ms':>10} {'max ms':>10}")
        for what, med, worst in results:
            self.stdout.write(f"{what:40} {med:10.1f} {worst:10.1f}")
