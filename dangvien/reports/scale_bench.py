"""The scale benchmark (issue #14, items 6 and 7): a synthetic country of N members
(`dangvien generate`) per size and database, then the paths users wait on, each in a child
process of its own so that its peak memory is its own (`os.wait4`'s rusage), and DuckDB
answering the structure report's question from the raw rows exported to Parquet: the
measuring stick for the precomputed counts.

`dangvien bench-scale --sizes 10000 --sqlite --postgres postgres://postgres@127.0.0.1:5432`
writes `bench/results.json` (merged: other sections are kept) and prints a Markdown table.
Each figure is the median of several runs with min and max, and the load average of the
machine before and after it (the benchmark machine may be shared).

The children: `python -m dangvien.reports.scale_bench probe NAME --runs R`, with
DATABASE_URL set, print one JSON line of timings; the parent never opens the database.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PAST = dt.date(2019, 6, 30)
PROVINCE = "T01"
SEARCH = "nguyen van an"
OFFICER = "bench.scale"
RESULTS = Path("bench/results.json")
MARK = "SCALE-BENCH "  # the probe's JSON line, among whatever else a child prints


# ---------------------------------------------------------------------------- timing


def summary(times_ms: list[float], p95: bool = False) -> dict:
    out = {
        "median_ms": round(statistics.median(times_ms), 1),
        "min_ms": round(min(times_ms), 1),
        "max_ms": round(max(times_ms), 1),
        "runs": len(times_ms),
    }
    if p95:
        q = statistics.quantiles(times_ms, n=20, method="inclusive") if len(times_ms) > 1 else None
        out["p95_ms"] = round(q[18] if q else times_ms[0], 1)
    return out


def timed(fn: Callable[[], object], runs: int, warm: bool = True) -> tuple[list[float], object]:
    """`runs` timings of `fn`, after one untimed call (imports, templates, caches)."""
    result = fn() if warm else None
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def load() -> float:
    return round(os.getloadavg()[0], 2)


def run_child(args: list[str], env: dict[str, str]) -> tuple[int, str, float, float]:
    """Run a child to its end: (return code, its output, wall ms, its peak memory in MB)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - start) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return proc.returncode, out.read(), wall, usage.ru_maxrss / 1024  # KB on Linux


# ---------------------------------------------------------------------------- probes
# Run inside a child with Django set up on the benchmark's database.


def officer():
    """An organisation-board officer of the province, with the second factor passed: a
    test Client logged in as them (the dashboard and the people search are theirs)."""
    from django.contrib.auth import get_user_model

    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit

    user, _ = get_user_model().objects.get_or_create(username=OFFICER)
    Role.objects.get_or_create(
        user=user, kind=Role.Kind.ORG_BOARD, unit=OrgUnit.objects.get(code=PROVINCE)
    )
    return user, logged_in(user)


def logged_in(user):
    """A test Client logged in as `user`, the second factor passed."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# The people search across scopes and kinds of text: a prefix, a short word, a word
# and the start of the next, a full name, a later word only, and a text nobody has.
SEARCH_MIX = ["ngu", "an", "van a", "nguyen van an", "thi hoa", "xyzw"]


def search_officers():
    """Test clients for the people search in scopes of every width: an administrator
    (everybody), the province's officer, the officer of its first commune-level
    committee and of that committee's first grassroots organisation."""
    from django.contrib.auth import get_user_model

    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit

    province = OrgUnit.objects.get(code=PROVINCE)
    commune = (
        OrgUnit.objects.filter(parent=province, kind=OrgUnit.Kind.SUPERIOR).order_by("code").first()
    )
    within = OrgUnit.objects.filter(path__startswith=(commune or province).path)
    grassroots = within.filter(kind=OrgUnit.Kind.GRASSROOTS_COMMITTEE).order_by("code").first()
    out = {}
    for name, unit in (
        ("admin", None),
        ("province", province),
        ("commune", commune),
        ("grassroots", grassroots),
    ):
        if name != "admin" and unit is None:
            continue
        user, _ = get_user_model().objects.get_or_create(username=f"{OFFICER}.{name}")
        if unit is None:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        else:
            Role.objects.get_or_create(user=user, kind=Role.Kind.ORG_BOARD, unit=unit)
        out[name] = logged_in(user)
    return out


def page(client, url: str) -> Callable[[], object]:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get


def http_round_trip(client, url: str, runs: int) -> list[float]:
    """GET `url` from a gunicorn (one worker) on loopback, with the officer's session."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "dangvien.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=os.environ.copy(),
    )
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{url}", headers={"Cookie": cookie, "Host": "localhost"}
    )
    try:
        for _ in range(300):  # up to 30 s for the worker to answer
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    r.read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)

        def get():
            with urllib.request.urlopen(request, timeout=60) as r:
                if r.status != 200:
                    raise RuntimeError(f"{url} answered {r.status}")
                return r.read()

        return timed(get, runs)[0]
    finally:
        server.terminate()
        server.wait(30)


def probe(name: str, runs: int) -> dict:
    from django.utils import timezone

    from dangvien.orgs.models import OrgUnit
    from dangvien.reports.coverage import coverage
    from dangvien.reports.development import development
    from dangvien.reports.structure import structure

    today = timezone.localdate()
    top = OrgUnit.objects.get(parent__isnull=True, code="VN")
    province = OrgUnit.objects.get(code=PROVINCE)
    structures = {
        "structure_vn_today": (top, today),
        "structure_vn_past": (top, PAST),
        "structure_t01_today": (province, today),
        "structure_t01_past": (province, PAST),
    }
    if name in structures:
        unit, day = structures[name]
        times, report = timed(lambda: structure(unit, day), runs)
        return {"times": times, "members": report.figures["members"]}  # type: ignore[attr-defined]
    if name == "coverage_t01":
        return {"times": timed(lambda: coverage(province, today), runs)[0]}
    if name == "development_t01_year":
        year = today.year - 1
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return {"times": timed(lambda: development(province, start, end), runs)[0]}
    if name == "search_mix":
        # Every officer's page for every text, `runs` rounds; the figure is over all
        # the requests, the slowest pair named.
        pairs = {}
        for who, client in search_officers().items():
            for q in SEARCH_MIX:
                get = page(client, "/people/?q=" + q.replace(" ", "+"))
                get()
                pairs[f"{who} {q}"] = get
        all_times: list[float] = []
        each: dict[str, list[float]] = {k: [] for k in pairs}
        for _ in range(runs):
            for k, get in pairs.items():
                t0 = time.perf_counter()
                get()
                each[k].append((time.perf_counter() - t0) * 1000)
                all_times.append(each[k][-1])
        medians = {k: round(statistics.median(v), 1) for k, v in each.items()}
        return {"times": all_times, "pairs": medians}
    if name == "search_queryset":
        from dangvien.people.models import Person
        from dangvien.people.views import PAGE_SIZE

        user, _client = officer()

        def search():
            qs = Person.objects.scoped(user).find(SEARCH).order_by("skey", "pk")
            return list(qs.values_list("pk", flat=True)[:PAGE_SIZE])

        return {"times": timed(search, runs)[0]}
    _user, client = officer()
    search_url = "/people/?q=" + SEARCH.replace(" ", "+")
    if name == "dashboard":
        return {"times": timed(page(client, "/dashboard/"), runs)[0]}
    if name == "dashboard_cold":
        # The first visit after a write anywhere: the cached figures (`stats.fresh`) are
        # stale, so the page computes its alerts, coverage gaps and charts again.
        from django.db import transaction

        from dangvien.stats import fresh

        get, times = page(client, "/dashboard/"), []
        get()
        for _ in range(runs):
            with transaction.atomic():
                fresh.bump()
            t0 = time.perf_counter()
            get()
            times.append((time.perf_counter() - t0) * 1000)
        return {"times": times}
    if name == "search_page":
        return {"times": timed(page(client, search_url), runs)[0]}
    if name == "search_http":
        return {"times": http_round_trip(client, search_url, runs)}
    if name == "import_file":  # writes the member file for the import child
        from dangvien.imports.bigfile import write_member_file

        rows, path = runs, Path(os.environ["SCALE_BENCH_IMPORT_FILE"])
        write_member_file(path, rows, seed=rows, card_prefix="7")
        return {"times": []}
    if name == "duckdb":
        return duckdb_probe(runs, today)
    raise ValueError(f"unknown probe {name}")


# ---------------------------------------------------------------------------- DuckDB


def export_sql() -> tuple[str, str]:
    """One row per stint with its member's and unit's columns the structure report
    counts; and the exemptions. SQL from the ORM, so that table names are the project's."""
    from django.db.models import F

    from dangvien.membership.models import Stint
    from dangvien.records.models import Exemption

    p = "membership__person__"
    stints = Stint.objects.values(
        stint_id=F("id"),
        ms_id=F("membership_id"),
        s_start=F("start_on"),
        s_end=F("end_on"),
        path=F("unit__path"),
        ceremony_on=F("membership__ceremony_on"),
        exit_on=F("membership__exit_on"),
        confirmed_on=F("membership__confirmed_on"),
        sex=F(f"{p}sex"),
        birth_date=F(f"{p}birth_date"),
        ethnicity=F(f"{p}ethnicity__code"),
        religion=F(f"{p}religion__code"),
        general_education=F(f"{p}general_education"),
        professional=F(f"{p}professional"),
        political_theory=F(f"{p}political_theory"),
        occupation=F(f"{p}occupation"),
        youth_union=F(f"{p}youth_union_member"),
        business_owner=F(f"{p}business_owner"),
    ).order_by()
    exemptions = Exemption.objects.values(
        ms_id=F("membership_id"), e_start=F("start_on"), e_end=F("end_on")
    ).order_by()
    out = []
    for qs in (stints, exemptions):
        sql, params = qs.query.sql_with_params()
        assert not params, "the export takes no parameters"
        out.append(sql)
    return out[0], out[1]


TYPES = {
    "s_start": "DATE",
    "s_end": "DATE",
    "ceremony_on": "DATE",
    "exit_on": "DATE",
    "confirmed_on": "DATE",
    "birth_date": "DATE",
    "e_start": "DATE",
    "e_end": "DATE",
    "path": "VARCHAR",
    "sex": "VARCHAR",
    "ethnicity": "VARCHAR",
    "religion": "VARCHAR",
    "general_education": "VARCHAR",
    "professional": "VARCHAR",
    "political_theory": "VARCHAR",
    "occupation": "VARCHAR",
    "youth_union": "BOOLEAN",
    "business_owner": "BOOLEAN",
}


def export_csv(sql: str, path: Path) -> None:
    """PostgreSQL: COPY … TO STDOUT (no row passes through Python); SQLite: a csv writer."""
    from django.db import connection

    with connection.cursor() as cursor, path.open("wb") as f:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    f.write(block)
            return
        cursor.execute(sql)
        text = open(f.fileno(), "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
        writer = csv.writer(text)
        writer.writerow([c[0] for c in cursor.description])
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
        text.flush()


def to_parquet(duck, csv_path: Path, parquet: Path) -> None:
    with csv_path.open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    types = ", ".join(f"'{c}': '{TYPES[c]}'" for c in header if c in TYPES)
    duck.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, types={{{types}}})) "
        f"TO '{parquet}' (FORMAT parquet)"
    )


def duck_structure(duck, folder: Path, path: str, day: dt.date) -> dict:
    """The structure report's counts for the subtree at `path` on `day`, from Parquet."""
    from dangvien.core.dates import add_years
    from dangvien.people.models import COLLEGE_OR_HIGHER, GeneralEducation, Sex
    from dangvien.reference.models import Ethnicity, Religion
    from dangvien.reports.structure import AGE_BANDS, YOUTH_MAX_AGE, band_label

    stints, exemptions = folder / "stints.parquet", folder / "exemptions.parquet"
    members = f"""
        WITH ex AS (
            SELECT DISTINCT ms_id FROM '{exemptions}'
            WHERE e_start <= $day AND (e_end IS NULL OR e_end > $day)
        )
        SELECT m.*, ex.ms_id IS NOT NULL AS exempt FROM '{stints}' m LEFT JOIN ex USING (ms_id)
        WHERE s_start <= $day AND (s_end IS NULL OR s_end > $day)
          AND ceremony_on <= $day AND (exit_on IS NULL OR exit_on > $day)
          AND starts_with(path, $path)
    """
    college = ", ".join(f"'{v}'" for v in COLLEGE_OR_HIGHER)
    head = f"""
        SELECT count(*) AS members,
            count(*) FILTER (confirmed_on <= $day) AS official,
            count(*) FILTER (exempt) AS exempt,
            count(*) FILTER (sex = '{Sex.FEMALE}') AS women,
            count(*) FILTER (ethnicity <> '{Ethnicity.KINH}') AS ethnic_minority,
            count(*) FILTER (religion <> '{Religion.NONE}') AS religious,
            count(*) FILTER (birth_date > $youth) AS youth,
            count(*) FILTER (general_education = '{GeneralEducation.UPPER_SECONDARY}')
                AS upper_secondary,
            count(*) FILTER (professional IN ({college})) AS college_or_higher,
            count(*) FILTER (youth_union) AS youth_union,
            count(*) FILTER (business_owner) AS business_owner
        FROM ({members})
    """
    ages = f"""
        SELECT year($day) - year(birth_date)
            - CASE WHEN month(birth_date) > month($day)
                OR (month(birth_date) = month($day) AND day(birth_date) > day($day))
              THEN 1 ELSE 0 END AS age, count(*)
        FROM ({members}) GROUP BY age
    """
    groups = ["sex", "ethnicity", "religion", "general_education", "professional"]
    groups += ["political_theory", "occupation"]
    sets = ", ".join(f"({g})" for g in groups)
    grouped = f"""
        SELECT {", ".join(f"coalesce({g}, '')" for g in groups)},
            {", ".join(f"grouping({g})" for g in groups)}, count(*)
        FROM ({members}) GROUP BY GROUPING SETS ({sets})
    """
    params = {"day": day, "path": path, "youth": add_years(day, -(YOUTH_MAX_AGE + 1))}

    def run(sql: str):  # DuckDB refuses a parameter the statement does not use
        return duck.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})

    cursor = run(head)
    names = [d[0] for d in cursor.description]
    figures = dict(zip(names, cursor.fetchone(), strict=True))
    by_age = dict(run(ages).fetchall())
    figures["age"] = {
        band_label(lo, hi): sum(
            n for a, n in by_age.items() if (lo is None or a >= lo) and (hi is None or a <= hi)
        )
        for lo, hi in AGE_BANDS
    }
    breakdowns: dict[str, dict[str, int]] = {g: {} for g in groups}
    for row in run(grouped).fetchall():
        keys, flags, n = row[: len(groups)], row[len(groups) : -1], row[-1]
        for g, key, flag in zip(groups, keys, flags, strict=True):
            if not flag:
                breakdowns[g][key] = n
    figures["breakdowns"] = breakdowns
    return figures


def differences(report, duck: dict) -> list[str]:
    """The figures on which DuckDB and dangvien disagree (empty: all equal)."""
    from dangvien.reports.structure import FLAG_KEYS

    out = []
    for key in ["members", "youth", *FLAG_KEYS]:
        if report.figures[key] != duck[key]:
            out.append(f"{key}: dangvien {report.figures[key]}, DuckDB {duck[key]}")
    for name, rows in report.breakdowns.items():
        theirs = duck["age"] if name == "age" else duck["breakdowns"][name]
        ours = {row.key: row.count for row in rows}
        for key in sorted(set(ours) | {k for k, n in theirs.items() if n}):
            if ours.get(key, 0) != theirs.get(key, 0):
                out.append(f"{name}/{key}: dangvien {ours.get(key, 0)}, DuckDB {theirs.get(key)}")
    return out


def duckdb_probe(runs: int, today: dt.date) -> dict:
    import duckdb

    from dangvien.orgs.models import OrgUnit
    from dangvien.reports.structure import structure

    out: dict = {"times": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        duck = duckdb.connect()
        start = time.perf_counter()
        for name, sql in zip(("stints", "exemptions"), export_sql(), strict=True):
            export_csv(sql, folder / f"{name}.csv")
            to_parquet(duck, folder / f"{name}.csv", folder / f"{name}.parquet")
        out["export_ms"] = round((time.perf_counter() - start) * 1000, 1)
        out["parquet_mb"] = round(
            sum(p.stat().st_size for p in folder.glob("*.parquet")) / 2**20, 1
        )
        out["rows"] = duck.execute(f"SELECT count(*) FROM '{folder}/stints.parquet'").fetchone()[0]  # type: ignore[index]
        for key, code, day in (("vn_today", "VN", today), ("t01_past", PROVINCE, PAST)):
            unit = OrgUnit.objects.get(code=code)
            times, duck_figures = timed(partial(duck_structure, duck, folder, unit.path, day), runs)
            ours = structure(unit, day)
            diff = differences(ours, duck_figures)  # type: ignore[arg-type]
            if diff:
                print("WARNING: DuckDB and dangvien differ on", key, *diff[:20], sep="\n  ")
            out[key] = {
                "times": times,
                "members": ours.figures["members"],
                "duckdb_members": duck_figures["members"],  # type: ignore[index]
                "equal": not diff,
                "differences": diff[:20],
            }
        duck.close()
    return out


# ---------------------------------------------------------------------------- the run

PROBES = [  # (name, p95 wanted, runs: "runs" or "page_runs")
    ("structure_vn_today", False, "runs"),
    ("structure_vn_past", False, "runs"),
    ("structure_t01_today", False, "runs"),
    ("structure_t01_past", False, "runs"),
    ("coverage_t01", False, "runs"),
    ("development_t01_year", False, "runs"),
    ("dashboard", True, "page_runs"),
    ("dashboard_cold", False, "runs"),
    ("search_queryset", True, "page_runs"),
    ("search_page", True, "page_runs"),
    ("search_http", True, "page_runs"),
    ("search_mix", True, "runs"),
]


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def child_env(url: str) -> dict[str, str]:
    here = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "dangvien.settings",
        "PYTHONPATH": f"{here}{os.pathsep}{path}" if path else here,
    }


def checked(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    code, output, wall, peak = run_child(args, env)
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({code}):\n{output[-3000:]}")
    return output, wall, peak


def run_probe(name: str, runs: int, env: dict[str, str]) -> tuple[dict, float]:
    args = [sys.executable, "-m", "dangvien.reports.scale_bench", "probe", name]
    output, _wall, peak = checked([*args, "--runs", str(runs)], env)
    line = next(x for x in reversed(output.splitlines()) if x.startswith(MARK))
    for other in output.splitlines():
        if other.startswith("WARNING"):
            print(other, file=sys.stderr)
    return json.loads(line[len(MARK) :]), peak


class Database:
    """A benchmark database: its own SQLite file, or its own PostgreSQL database on a
    server (created empty, dropped at the end); or an existing one, kept."""

    def __init__(
        self,
        vendor: str,
        size: int,
        server: str = "",
        folder: Path | None = None,
        prefix: str = "dangvien_bench",
    ):
        self.vendor, self.size, self.server, self.own = vendor, size, server, True
        if vendor == "sqlite":
            assert folder is not None
            self.file = folder / f"{prefix}_{label(size)}.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            parts = urlsplit(server)
            self.name = f"{prefix}_{label(size)}".lower()
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    @classmethod
    def existing(cls, url: str, size: int) -> "Database":
        db = cls.__new__(cls)
        db.vendor = "sqlite" if url.startswith("sqlite") else "postgresql"
        db.size, db.url, db.own = size, url, False
        return db

    def admin(self, sql: str) -> None:
        import psycopg

        parts = urlsplit(self.server)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
            c.execute(sql)

    def create(self) -> None:
        self.drop()
        if self.vendor == "postgresql":
            self.admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if not self.own:
            return
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        else:
            self.admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def measure(db: Database, opts, generation: dict | None, keep: Callable[[dict], object]) -> dict:
    """Every measurement on one database of one size; `keep` saves the entry after each
    one (`"complete": false` until the last), so a run cut short keeps what it measured."""
    env = child_env(db.url)
    entry: dict = {
        "members": db.size,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "load_end": [],
        "complete": False,
        "measurements": {},
    }
    m = entry["measurements"]
    if generation is not None:
        m["generate"] = generation
    else:
        m["generate"] = generate(db, opts, env)
    keep(entry)
    for name, p95, runs_key in PROBES:
        before = load()
        got, peak = run_probe(name, getattr(opts, runs_key), env)
        m[name] = {**summary(got["times"], p95), "peak_rss_mb": round(peak, 1)}
        m[name].update(load_start=before, load_end=load())
        for extra in ("members", "pairs"):
            if extra in got:
                m[name][extra] = got[extra]
        print(f"  {name}: {m[name]['median_ms']} ms", file=sys.stderr)
        entry["load_end"] = [round(x, 2) for x in os.getloadavg()]
        keep(entry)
    before = load()
    got, peak = run_probe("duckdb", opts.runs, env)
    for key in ("vn_today", "t01_past"):
        d = got[key]
        ours = m["structure_vn_today" if key == "vn_today" else "structure_t01_past"]
        m[f"duckdb_{key}"] = {
            **summary(d["times"]),
            "peak_rss_mb": round(peak, 1),
            "load_start": before,
            "load_end": load(),
            "members": d["members"],
            "duckdb_members": d["duckdb_members"],
            "equal": d["equal"],
            "differences": d["differences"],
            "ratio_dangvien_to_duckdb": round(ours["median_ms"] / statistics.median(d["times"]), 3),
        }
    m["duckdb_export"] = {
        "median_ms": got["export_ms"],
        "min_ms": got["export_ms"],
        "max_ms": got["export_ms"],
        "runs": 1,
        "peak_rss_mb": round(peak, 1),
        "rows": got["rows"],
        "parquet_mb": got["parquet_mb"],
    }
    keep(entry)
    if opts.import_rows:
        m["import"] = import_rows(opts.import_rows, env)
    entry["load_end"] = [round(x, 2) for x in os.getloadavg()]
    entry["complete"] = True
    keep(entry)
    return entry


def generate(db: Database, opts, env: dict[str, str]) -> dict:
    """`dangvien generate` into an empty database, `--generate-runs` times (the last one
    stays for the measurements)."""
    walls, peaks, rates, rows, before = [], [], [], 0, load()
    for _ in range(opts.generate_runs):
        db.create()
        args = [sys.executable, "-m", "dangvien", "generate", "--members", str(db.size)]
        output, wall, peak = checked(args, env)
        rows, rate, _seconds = generated(output)
        rates.append(rate)
        walls.append(wall)
        peaks.append(peak)
    out = summary(walls)
    med = statistics.median(walls)
    out.update(
        rows=rows,
        rows_per_s=round(rows / med * 1000) if rows else None,  # the child's whole wall
        rows_per_s_writing=statistics.median(rates),  # as the command reports it
        peak_rss_mb=round(max(peaks), 1),
        load_start=before,
        load_end=load(),
    )
    return out


def generated(output: str) -> tuple[int, int, float]:
    """Rows, rows per second and seconds of `dangvien generate`'s closing line."""
    done = re.search(
        r"\((\d+) [^)]*\) \S+ (?:sqlite|postgresql) \S+ ([\d.]+) [^:]*: (\d+) ", output
    )
    if not done:
        return 0, 0, 0.0
    return int(done.group(1)), int(done.group(3)), float(done.group(2))


def from_log(path: Path) -> dict:
    """The generation's figures from the log of a database generated earlier: the
    command's closing line and, when it ran under `/usr/bin/time -v`, its wall and peak
    memory."""
    text = path.read_text(encoding="utf-8")
    rows, rate, seconds = generated(text)
    if not rows:
        raise ValueError(f"{path}: no closing line of `dangvien generate`")
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text
    )
    if wall:
        h, mi, sec = wall.groups()
        seconds = int(h or 0) * 3600 + int(mi) * 60 + float(sec)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    ms = round(seconds * 1000, 1)
    return {
        **summary([ms]),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "rows_per_s_writing": rate,
        "peak_rss_mb": round(int(peak.group(1)) / 1024, 1) if peak else None,
        "source": str(path),
    }


def import_rows(rows: int, env: dict[str, str]) -> dict:
    """`dangvien import members FILE` of `rows` rows, in a child (check and write)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"members-{rows}.xlsx"
        run_probe("import_file", rows, {**env, "SCALE_BENCH_IMPORT_FILE": str(path)})
        before = load()
        args = [sys.executable, "-m", "dangvien", "import", "members", str(path), "--no-progress"]
        _output, wall, peak = checked(args, env)
    return {
        **summary([wall]),
        "rows": rows,
        "peak_rss_mb": round(peak, 1),
        "load_start": before,
        "load_end": load(),
    }


def git_commit() -> str:
    try:
        here = Path(__file__).resolve().parent
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def save(results_path: Path, vendor: str, size_label: str, entry: dict) -> dict:
    """Merge one entry into results.json: every other section and entry is kept."""
    data = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
    scale = data.setdefault("scale", {})
    scale.setdefault(vendor, {})[size_label] = entry
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return data


ROWS = [
    ("generate", "generation (whole, rows/s)"),
    ("structure_vn_today", "structure VN today"),
    ("structure_vn_past", f"structure VN {PAST:%d/%m/%Y}"),
    ("structure_t01_today", "structure T01 today"),
    ("structure_t01_past", f"structure T01 {PAST:%d/%m/%Y}"),
    ("duckdb_vn_today", "DuckDB: structure VN today"),
    ("duckdb_t01_past", f"DuckDB: structure T01 {PAST:%d/%m/%Y}"),
    ("duckdb_export", "DuckDB: export to Parquet (once)"),
    ("coverage_t01", "coverage T01 today"),
    ("development_t01_year", "development T01, last year"),
    ("dashboard", "dashboard (officer of T01), p95"),
    ("dashboard_cold", "dashboard, first visit after a write"),
    ("search_queryset", "person search, queryset, p95"),
    ("search_page", "person search, page in process, p95"),
    ("search_http", "person search, HTTP to gunicorn, p95"),
    ("search_mix", "person search, 4 scopes × 6 texts, p95"),
    ("import", "import of member rows (check + write)"),
]


def cell(m: dict | None) -> str:
    if not m:
        return "–"
    ms = m["median_ms"]
    text = f"{ms / 1000:.1f} s" if ms >= 10_000 else f"{ms:.0f} ms" if ms >= 10 else f"{ms} ms"
    if m.get("runs", 1) > 1:
        text += f" ({m['min_ms']:.0f}–{m['max_ms']:.0f})"
    if "p95_ms" in m:
        text += f", p95 {m['p95_ms']:.0f}"
    if m.get("rows_per_s"):
        text += f", {m['rows_per_s']:,} rows/s"
        if m.get("rows_per_s_writing"):
            text += f" ({m['rows_per_s_writing']:,} writing)"
    if "ratio_dangvien_to_duckdb" in m:
        text += f", dangvien/DuckDB {m['ratio_dangvien_to_duckdb']}"
        if not m["equal"]:
            text += " **NOT EQUAL**"
    if m.get("rows") and "rows_per_s" not in m:
        text += f", {m['rows']:,} rows"
    if m.get("peak_rss_mb"):
        text += f"; {m['peak_rss_mb']:.0f} MB"
    return text


def table(data: dict) -> str:
    columns = [
        (vendor, size, entry)
        for vendor, sizes in sorted(data.get("scale", {}).items())
        for size, entry in sizes.items()
        if isinstance(entry, dict) and "measurements" in entry
    ]
    names = [
        f"{v} {s}" + ("" if e.get("complete", True) else " (cut short)") for v, s, e in columns
    ]
    head = "| measurement | " + " | ".join(names) + " |"
    lines = [head, "|---" * (len(columns) + 1) + "|"]
    for key, text in ROWS:
        cells = [cell(e["measurements"].get(key)) for _v, _s, e in columns]
        lines.append(f"| {text} | " + " | ".join(cells) + " |")
    loads = [f"{e['load_start'][0]}→{(e['load_end'] or ['?'])[0]}" for _v, _s, e in columns]
    lines.append("| load average (1 min) start→end | " + " | ".join(loads) + " |")
    lines.append("| date (UTC) | " + " | ".join(e["date"][:16] for _v, _s, e in columns) + " |")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    p.add_argument("--sizes", default="10000", help="members, comma-separated")
    p.add_argument("--sqlite", action="store_true", help="measure on SQLite files")
    p.add_argument("--postgres", default="", help="a PostgreSQL server URL (no database)")
    p.add_argument(
        "--database-url",
        default="",
        help="measure this already generated database (one size); it is written to "
        "(a benchmark user, the imported rows): give a copy",
    )
    p.add_argument("--generation-log", default="", help="with --database-url: its generation log")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--page-runs", type=int, default=20, help="runs of the pages (for p95)")
    p.add_argument("--generate-runs", type=int, default=1)
    p.add_argument("--import-rows", type=int, default=100_000, help="0: skip the import")
    p.add_argument("--keep", action="store_true", help="keep the generated databases")
    p.add_argument("--results", default=str(RESULTS))
    p.add_argument("--workdir", default="", help="folder of the SQLite files")
    p.add_argument("--prefix", default="dangvien_bench", help="of the databases' names")
    p.add_argument("--table", action="store_true", help="print the table of --results only")
    return p


def main(argv: list[str]) -> dict:
    opts = parser().parse_args(argv)
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]
    results_path = Path(opts.results)
    if opts.table:
        saved: dict = json.loads(results_path.read_text(encoding="utf-8"))
        print(table(saved))
        return saved
    machine = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "git_commit": git_commit(),
    }
    data: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(opts.workdir or tmp)
        targets: list[Database] = []
        if opts.database_url:
            if len(sizes) != 1:
                raise SystemExit("--database-url measures one size: give it with --sizes")
            targets.append(Database.existing(opts.database_url, sizes[0]))
        for size in sizes if not opts.database_url else []:
            if opts.sqlite:
                targets.append(Database("sqlite", size, folder=folder, prefix=opts.prefix))
            if opts.postgres:
                targets.append(
                    Database("postgresql", size, server=opts.postgres, prefix=opts.prefix)
                )
        if not targets:
            raise SystemExit("nothing to measure: give --sqlite, --postgres or --database-url")
        for db in targets:
            print(f"{db.vendor} {label(db.size)}: {db.url}", file=sys.stderr)
            generation = None
            if not db.own:
                generation = from_log(Path(opts.generation_log)) if opts.generation_log else {}

            def keep(entry: dict, db: Database = db) -> None:
                nonlocal data
                data = save(results_path, db.vendor, label(db.size), {**entry, "machine": machine})

            try:
                measure(db, opts, generation, keep)
            finally:
                if not opts.keep:
                    db.drop()
    print(table(data))
    return data


if __name__ == "__main__":
    if sys.argv[1:2] == ["probe"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
        django.setup()
        args = argparse.ArgumentParser()
        args.add_argument("probe")
        args.add_argument("name")
        args.add_argument("--runs", type=int, default=5)
        a = args.parse_args()
        print(MARK + json.dumps(probe(a.name, a.runs)), flush=True)
    else:
        main(sys.argv[1:])
