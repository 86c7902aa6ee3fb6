"""PG_PARALLEL_WORKERS: the web server's one-core queries (settings.py, dangvien/wsgi.py)."""

import json
import os
import subprocess
import sys

SHOW = (
    "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'dangvien.settings'; "
    "{load}; from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {{}}).get('options', '')))"
)


def options(env: dict, load: str = "django.setup()") -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "PG_PARALLEL_WORKERS"}
    return subprocess.run(
        [sys.executable, "-c", SHOW.format(load=load)],
        env={**base, "DATABASE_URL": "postgres://u@127.0.0.1:1/x", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_web_server_asks_for_no_parallel_workers_and_commands_keep_the_server_s():
    web = options({}, load="import dangvien.wsgi")
    assert json.loads(web.stdout) == "-c max_parallel_workers_per_gather=0", web.stderr
    command = options({})
    assert json.loads(command.stdout) == "", command.stderr
    chosen = options({"PG_PARALLEL_WORKERS": "2"}, load="import dangvien.wsgi")
    assert json.loads(chosen.stdout) == "-c max_parallel_workers_per_gather=2", chosen.stderr


def test_behind_pgbouncer_it_is_not_sent_and_a_bad_value_is_refused_in_words():
    pooled = options({"DISABLE_SERVER_SIDE_CURSORS": "1"}, load="import dangvien.wsgi")
    assert json.loads(pooled.stdout) == "", pooled.stderr
    bad = options({"PG_PARALLEL_WORKERS": "nhiều"})
    assert bad.returncode != 0
    assert "PG_PARALLEL_WORKERS='nhiều': cần một số nguyên từ 0 đến 64" in bad.stderr
