"""The dashboard, coverage and development pages timed through Django's test Client as a
board officer (two-factor passed), with each page's output and SQL written to OUTDIR so
two runs (before and after a change) can be compared byte for byte:

    DATABASE_URL=… PYTHONPATH=$PWD .venv/bin/python bench/report_pages.py demo OUTDIR
    DATABASE_URL=…/copy_of_dv300k … bench/report_pages.py 300k OUTDIR
    cmp BEFORE/dashboard.out AFTER/dashboard.out

`demo` logs in as btc.pleiku (as `dangvien bench`); `300k` adds a board officer of T01
to the database (use a writable copy, never dv300k). RUNS (default 5) timed runs after
one counted run; ONLY=dashboard,coverage picks pages; PROFILE=1 writes a cProfile
listing. Prints the median, min and max in ms, the query count and the load average."""

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from contextlib import ExitStack

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

DEMO = [
    ("dashboard", "/dashboard/"),
    ("coverage", "/statistics/coverage/?unit=GIALAI"),
    ("coverage_json", "/statistics/coverage/?unit=GIALAI&format=json"),
    ("development", "/statistics/development/?unit=PLEIKU&from=01/07/2015&to=30/06/2020"),
    ("development_year", "/statistics/development/?unit=GIALAI&from=01/01/2020&to=31/12/2020"),
]
SCALE = [
    ("dashboard", "/dashboard/"),
    ("coverage", "/statistics/coverage/?unit=T01"),
    ("development_year", "/statistics/development/?unit=T01&from=01/01/2020&to=31/12/2020"),
]
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def officer(mode: str):
    if mode == "demo":
        return get_user_model().objects.get(username="btc.pleiku")
    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit

    user, _ = get_user_model().objects.get_or_create(username="bench.board.t01")
    unit = OrgUnit.objects.get(code="T01")
    Role.objects.get_or_create(user=user, unit=unit, kind=Role.Kind.ORG_BOARD)
    return user


def main(mode: str, out: str) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    runs = int(os.environ.get("RUNS", "5"))
    os.makedirs(out, exist_ok=True)
    pages = DEMO if mode == "demo" else SCALE
    if os.environ.get("ONLY"):
        pages = [p for p in pages if p[0] in os.environ["ONLY"].split(",")]
    client = Client(HTTP_HOST="localhost")
    user = officer(mode)
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    result: dict = {"load": os.getloadavg(), "pages": {}}
    for name, url in pages:
        with ExitStack() as stack:
            logs = [stack.enter_context(CaptureQueriesContext(connections[a])) for a in connections]
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = [q for log in logs for q in log.captured_queries]
        with open(f"{out}/{name}.out", "wb") as f:
            f.write(CSRF.sub(b"", response.content))
        with open(f"{out}/{name}.sql", "w") as f:
            f.writelines(f"{q['time']} {q['sql'][:400]}\n" for q in queries)
        if os.environ.get("PROFILE"):
            profile = cProfile.Profile()
            profile.enable()
            client.get(url)
            profile.disable()
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(200)
            with open(f"{out}/{name}.prof.txt", "w") as f:
                f.write(text.getvalue())
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url)
            took.append((time.perf_counter() - start) * 1000)
        took = took or [0.0]
        row = {
            "queries": len(queries),
            "median": round(statistics.median(took)),
            "min": round(min(took)),
            "max": round(max(took)),
        }
        result["pages"][name] = row
        print(name, row, flush=True)
    result["load_after"] = os.getloadavg()
    with open(f"{out}/bench.json", "w") as f:
        json.dump(result, f, indent=1)
    print("load average before, after:", result["load"], result["load_after"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
