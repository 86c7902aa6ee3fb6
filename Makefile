# `make demo` and `make test` are the two commands a fresh machine needs (README).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO := $(wildcard dangvien/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

BENCH_STAMP := $(VENV)/.bench-stamp
# The scale benchmark: sizes (members) and the PostgreSQL server it creates its own
# databases on (dangvien_bench_10k, …; dropped at the end). Empty PG_SERVER: SQLite only.
SIZES ?= 10000
PG_SERVER ?=
SCALE_OPTS ?=

.PHONY: demo test lint format messages bench bench-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]' 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	touch $(STAMP)

# GNU msgfmt where it is (the stricter check), else the project's pure-Python compiler
# (the one `pip install .` runs through setup.py).
%.mo: %.po
	if command -v msgfmt >/dev/null; then msgfmt --check-format -o $@ $<; \
	else $(PYTHON) dangvien/core/msgfmt.py $< >/dev/null; fi

messages: $(MO)

demo: $(STAMP) messages
	DEBUG=$${DEBUG:-1} REQUIRE_TWO_FACTOR=$${REQUIRE_TWO_FACTOR:-0} $(BIN)/dangvien demo

# The suite on every core (pytest-xdist; one database per worker). A file's tests stay
# on one worker: the replica tests pause the standby's replay, which no test of another
# file may see. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto
test: $(BENCH_STAMP) messages
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

# DuckDB, for the scale benchmark only (the `bench` extra).
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]' 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	touch $(BENCH_STAMP)

# Timings on the demo organisation, in its own SQLite file (or DATABASE_URL); then the
# scale benchmark at 10k members (bench/results.json, a Markdown table on stdout).
bench: $(STAMP) messages
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/bench.sqlite3} $(BIN)/dangvien bench
	$(MAKE) bench-scale SIZES=10000

# `make bench-scale SIZES=10000,300000 PG_SERVER=postgres://postgres@127.0.0.1:5432`
bench-scale: $(BENCH_STAMP) messages
	$(BIN)/dangvien bench-scale --sizes $(SIZES) --sqlite \
		$(if $(PG_SERVER),--postgres $(PG_SERVER)) $(SCALE_OPTS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy dangvien

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) dangvien.sqlite3* staticfiles
