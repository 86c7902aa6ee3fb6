"""The scale benchmark end to end at a tiny size: every measurement is in results.json
with numbers, DuckDB counts the members dangvien counts, and other sections survive."""

import json
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from dangvien.reports import scale_bench

MEASURED = [
    "generate",
    *(name for name, _p95, _runs in scale_bench.PROBES),
    "duckdb_vn_today",
    "duckdb_t01_past",
    "duckdb_export",
    "import",
]


def test_scale_bench_end_to_end(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"load": {"kept": True}}))
    argv = ["--sizes", "1000", "--runs", "1", "--page-runs", "2", "--import-rows", "200"]
    argv += ["--results", str(results), "--workdir", str(tmp_path)]
    if connection.vendor == "postgresql":
        # Its own database on the same server, named after the test database; dropped.
        db = connection.settings_dict
        server = urlunsplit(urlsplit(scale_bench_url(db))._replace(path=""))
        argv += ["--postgres", server, "--prefix", f"{db['NAME']}_scale"]
    else:
        argv += ["--sqlite"]
    scale_bench.main(argv)

    data = json.loads(results.read_text())
    assert data["load"] == {"kept": True}
    entry = data["scale"][connection.vendor]["1k"]
    assert entry["complete"] is True
    assert entry["machine"]["cpu_count"] >= 1
    assert len(entry["load_start"]) == 3 and len(entry["load_end"]) == 3
    m = entry["measurements"]
    assert sorted(m) == sorted(MEASURED)
    for name in MEASURED:
        for key in ("median_ms", "min_ms", "max_ms"):
            assert isinstance(m[name][key], float | int) and m[name][key] > 0, (name, key)
        assert m[name]["min_ms"] <= m[name]["median_ms"] <= m[name]["max_ms"]
        assert m[name]["peak_rss_mb"] > 10, name
    for name in ("dashboard", "search_queryset", "search_page", "search_http"):
        assert m[name]["runs"] == 2 and m[name]["p95_ms"] >= m[name]["median_ms"]
    assert m["generate"]["rows"] > 1000 and m["generate"]["rows_per_s"] > 0
    assert m["import"]["rows"] == 200
    assert m["structure_vn_today"]["members"] == 1000
    for name in ("duckdb_vn_today", "duckdb_t01_past"):
        assert m[name]["duckdb_members"] == m[name]["members"] > 0
        assert m[name]["equal"] is True, m[name]["differences"]
        assert m[name]["ratio_dangvien_to_duckdb"] > 0
    assert m["duckdb_vn_today"]["members"] == 1000
    assert "| structure VN today |" in capsys.readouterr().out
    if connection.vendor == "sqlite":
        assert not list(tmp_path.glob("*.sqlite3"))  # dropped at the end


def scale_bench_url(db: dict) -> str:
    user = db.get("USER") or ""
    if db.get("PASSWORD"):
        user += f":{db['PASSWORD']}"
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
