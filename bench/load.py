"""Load test on loopback: gunicorn serving the database of DATABASE_URL, locust users
browsing it (bench/locustfile.py), the figures merged into bench/results.json as "load".

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_300k \\
        .venv/bin/python bench/load.py --users 50 --run-time 300 --workers 3

Bounded: a fixed number of users and a run time; it stops by itself, and gunicorn is
stopped on the way out (also on Ctrl-C, SIGTERM or an error). Needs the `bench` extra
(`pip install -e .[bench]`: locust). It writes to the database: bench users (names
`bench-load-…`, roles on the top unit, on provinces and on wards), their sessions with
two-factor passed, and what the pages themselves write (audit entries of the person
pages, sessions); use a copy, not a production database.
"""

import argparse
import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
PREFIX = "bench-load-"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--users", type=int, default=50, help="concurrent locust users")
    p.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    p.add_argument("--run-time", type=int, default=300, help="seconds of load")
    p.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    p.add_argument("--wait-min", type=float, default=1, help="seconds between pages, least")
    p.add_argument("--wait-max", type=float, default=5, help="seconds between pages, most")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--section", default="load", help="key of the figures in the results file")
    args = p.parse_args(argv)
    if not args.database_url:
        p.error("set DATABASE_URL or --database-url (a generated country: dangvien generate)")
    if args.users < 1 or args.run_time < 1 or args.workers < 1:
        p.error("--users, --run-time and --workers must be positive")
    return args


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # The sessions minted here are checked by gunicorn with the same key.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def accounts() -> tuple[list, list, list]:
    """(national, province, ward) bench users: an administrator on the top unit, board
    officers on up to five provinces, grassroots officers on up to ten wards (or any
    grassroots committee when the organisation has no wards)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit

    today = timezone.localdate()
    units = OrgUnit.objects.on(today)
    top = units.order_by("depth", "path").first()
    if top is None:
        raise SystemExit("no party organisation in this database: run dangvien generate first")
    provinces = list(units.filter(parent=top, kind=OrgUnit.Kind.SUPERIOR).order_by("code")[:5])
    grassroots = units.filter(kind=OrgUnit.Kind.GRASSROOTS_COMMITTEE).order_by("path")
    wards = list(grassroots.filter(category=OrgUnit.Category.COMMUNE_WARD)[:10]) or list(
        grassroots[:10]
    )
    User = get_user_model()

    def user(name: str, kind: str, unit: OrgUnit):
        u, _ = User.objects.get_or_create(username=PREFIX + name)
        u.set_unusable_password()
        u.save()
        Role.objects.get_or_create(user=u, kind=kind, unit=unit)
        return u

    national = [user("national", Role.Kind.ADMIN, top)]
    board = [user(p.code, Role.Kind.ORG_BOARD, p) for p in provinces] or national
    ward = [user(w.code, Role.Kind.GRASSROOTS_OFFICER, w) for w in wards] or board
    return national, board, ward


def scope(user, rng: random.Random) -> dict:
    """Units, people and name fragments of a user's scope, for the pages to ask for."""
    from django.utils import timezone

    from dangvien.orgs.models import OrgUnit
    from dangvien.people.models import Person

    codes = list(
        OrgUnit.objects.visible_to(user)
        .on(timezone.localdate())
        .order_by("depth", "path")
        .values_list("code", flat=True)[:30]
    )
    people = list(Person.objects.visible_to(user).order_by().values_list("pk", "full_name")[:3000])
    people = rng.sample(people, min(200, len(people)))
    names = sorted({w for _, full in people for w in (full.split()[0], full.split()[-1])})
    if not codes or not people:
        raise SystemExit(f"{user.username}: no unit or person in scope")
    return {"units": codes, "people": [pk for pk, _ in people], "names": names[:50]}


def sessions(n: int, seed: int = 1) -> list[dict]:
    """n logged-in sessions, two-factor passed (as `dangvien bench` does): one in ten
    national, three in ten province board, six in ten ward officers."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    rng = random.Random(seed)
    national, board, ward = accounts()
    scopes = {u.pk: scope(u, rng) for u in {*national, *board, *ward}}
    out = []
    for i in range(n):
        group = national if i % 10 == 0 else board if i % 10 <= 3 else ward
        user = group[(i // 10) % len(group)]
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        out.append({"user": user.username, "cookie": cookie, **scopes[user.pk]})
    return out


def members_today() -> dict:
    from django.db import connection
    from django.utils import timezone

    from dangvien.membership.models import Membership
    from dangvien.people.models import Person

    return {
        "members": Membership.objects.on(timezone.localdate()).count(),
        "people": Person.objects.count(),
        "database": connection.vendor,
    }


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, log: Path) -> Iterator[str]:
    """gunicorn on 127.0.0.1 (DEBUG off, static files by whitenoise), stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REQUIRE_TWO_FACTOR": "1",
        # Persistent connections, as a deployment sets them (docs/deployment.md).
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "dangvien.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn stopped ({proc.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + "/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer in 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """The whole process group: the gunicorn master and its workers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_locust(base: str, plan: Path, args: argparse.Namespace, folder: Path) -> Path:
    prefix = folder / "locust"
    env = {
        **os.environ,
        "LOAD_PLAN": str(plan),
        "LOAD_WAIT_MIN": str(args.wait_min),
        "LOAD_WAIT_MAX": str(args.wait_max),
    }
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        base,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.run_time}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        # Bounded even if locust hangs: its run time, the stop timeout and a margin.
        code = proc.wait(timeout=args.run_time + 120)
    finally:
        stop(proc)
    if code != 0:
        raise SystemExit(f"locust ended with {code}")
    return Path(f"{prefix}_stats.csv")


def figures(stats: Path) -> tuple[dict, dict]:
    """Per page and overall: requests, failures, rps and the percentiles (ms)."""

    def row(r: dict) -> dict:
        def ms(key: str) -> float | None:
            return None if r[key] in ("", "N/A") else float(r[key])

        return {
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "rps": round(float(r["Requests/s"]), 2),
            "mean_ms": round(float(r["Average Response Time"]), 1),
            "p50_ms": ms("50%"),
            "p95_ms": ms("95%"),
            "p99_ms": ms("99%"),
            "max_ms": round(float(r["Max Response Time"]), 1),
        }

    pages, overall = {}, {}
    with stats.open(newline="") as f:
        for r in csv.DictReader(f):
            if r["Name"] == "Aggregated":
                overall = row(r)
            else:
                pages[r["Name"]] = row(r)
    return pages, overall


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


def merge(path: Path, key: str, section: dict) -> None:
    """Read-modify-write under a lock: other sections of the file are kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"dangvien-results-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = {}
        if path.exists() and path.read_text().strip():
            data = json.loads(path.read_text())
        data[key] = section
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    # Ctrl-C and SIGTERM both unwind through the `finally` that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    setup_django(args.database_url)
    size = members_today()
    plan = {"cookie": "sessionid", "sessions": sessions(args.users)}
    from django.conf import settings
    from django.db import connections

    plan["cookie"] = settings.SESSION_COOKIE_NAME
    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="dangvien-load-") as tmp:
        folder = Path(tmp)
        (folder / "plan.json").write_text(json.dumps(plan))
        load_before = os.getloadavg()
        started = dt.datetime.now(dt.UTC)
        log = folder / "gunicorn.log"
        with gunicorn(args.database_url, args.workers, log) as base:
            stats = run_locust(base, folder / "plan.json", args, folder)
        load_after = os.getloadavg()
        # Requests a worker spent longer than gunicorn's --timeout on: it was killed.
        worker_timeouts = log.read_text(errors="replace").count("WORKER TIMEOUT")
        pages, overall = figures(stats)
    section = {
        "date": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        **size,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "duration_s": args.run_time,
        "think_time_s": [args.wait_min, args.wait_max],
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "gunicorn_worker_timeouts": worker_timeouts,
        "overall": overall,
        "pages": pages,
    }
    merge(args.results, args.section, section)
    o = overall
    print(
        f"{o.get('requests', 0)} requests, {o.get('rps', 0)}/s, p50 {o.get('p50_ms')} ms, "
        f"p95 {o.get('p95_ms')} ms, p99 {o.get('p99_ms')} ms, {o.get('failures', 0)} failures "
        f"-> {args.results} [{args.section}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
