"""`dangvien bench`: time the paths users wait on, on the demo organisation.

Wall-clock medians over repeated runs on this machine; run on an otherwise idle machine
(`make bench` uses its own SQLite file, or DATABASE_URL).
"""

import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
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


def import_bench(n: int) -> list[tuple[str, float, float]]:
    """`dangvien import members FILE` (XLSX) in a child process, as an office runs it:
    first `--dry-run` (the check), then for real (check again and write), on a small
    file and on one of `n` rows. The peak memory each child reports shows whether it
    grows with the file (flat: it does not)."""
    from dangvien.imports.bigfile import write_member_file

    out: list[tuple[str, float, float]] = []
    env = {**os.environ, "DATABASE_URL": database_url()}
    with tempfile.TemporaryDirectory() as folder:
        for prefix, rows in enumerate(sorted({min(n, 10_000), n}), start=8):
            path = write_member_file(
                Path(folder) / f"members-{rows}.xlsx", rows, seed=rows, card_prefix=str(prefix)
            )
            label = f"{rows:,}".replace(",", ".")
            for what, extra in (("check (--dry-run)", ["--dry-run"]), ("check + write", [])):
                start = time.perf_counter()
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "dangvien",
                        "import",
                        "members",
                        str(path),
                        "--no-progress",
                        "--verbosity=2",
                        *extra,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise CommandError(done.stderr[-2000:])
                ms = (time.perf_counter() - start) * 1000
                out.append((f"import {label} members: {what}", ms, 0.0))
                if "Bộ nhớ tối đa: " not in done.stdout:
                    raise CommandError(done.stdout[-2000:] + done.stderr[-2000:])
                peak = float(done.stdout.rsplit("Bộ nhớ tối đa: ", 1)[1].split()[0])
                out.append(("  peak memory of that process (MB)", peak, 0.0))
    return out


def database_url() -> str:
    """The URL of the database this command uses, for the child processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    if db.get("PASSWORD"):
        user += ":" + quote(db["PASSWORD"], safe="")
    user = f"{user}@" if user else ""
    return f"postgres://{user}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


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
        province, now = OrgUnit.objects.get(code="GIALAI"), timezone.localdate()
        results.append(
            ("structure(GIALAI, today)", *median_ms(lambda: structure(province, now), runs))
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
            ("page /units/ (2017 tree)", "/units/?date=2017-11-30"),
            ("page /people/?q=nguyen van", "/people/?q=nguyen+van"),
            ("page /localities/", "/localities/?date=2017-11-30"),
            ("page /candidates/board/", "/candidates/board/"),
            ("page /dashboard/ (province, today)", "/dashboard/"),
            ("page /statistics/coverage/ (province)", "/statistics/coverage/?unit=GIALAI"),
            (
                "page /statistics/development/ (term)",
                "/statistics/development/?unit=PLEIKU&from=01/07/2015&to=30/06/2020",
            ),
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
