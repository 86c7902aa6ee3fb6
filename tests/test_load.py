"""The load test (issue 14, item 8): `bench/load.py` on a tiny generated country, for a
few seconds with two users, through gunicorn and locust, on the test's own database."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dangvien.demo.country import Country

from .shared_db import child_database

# Only looked up, not imported: locust patches the standard library (gevent) on import.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,
    reason="the `bench` extra (locust) is not installed",
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_the_load_test_browses_without_failures(tmp_path):
    Country(1000, seed=5).run()
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"other": {"kept": True}}))
    with child_database(tmp_path) as env:
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load.py"),
                "--users=2",
                "--spawn-rate=2",
                "--run-time=6",
                "--workers=1",
                "--wait-min=0.1",
                "--wait-max=0.3",
                f"--results={results}",
            ],
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads(results.read_text())
    assert data["other"] == {"kept": True}  # another section is never clobbered
    load = data["load"]
    assert load["users"] == 2 and load["gunicorn_workers"] == 1
    assert load["members"] == 1000
    assert load["overall"]["requests"] > 0
    assert load["overall"]["failures"] == 0, done.stdout[-3000:]
    assert load["overall"]["p95_ms"] > 0
    assert set(load["pages"]) <= {
        "dashboard",
        "people list",
        "people search",
        "person page",
        "unit tree",
        "statistics",
        "coverage",
        "candidates",
    }
    assert sum(p["requests"] for p in load["pages"].values()) == load["overall"]["requests"]
