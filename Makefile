# `make demo` and `make test` are the two commands a fresh machine needs (README).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO := $(wildcard dangvien/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint format messages bench clean

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

test: $(STAMP) messages
	$(BIN)/pytest

# Timings on the demo organisation, in its own SQLite file (or DATABASE_URL).
bench: $(STAMP) messages
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/bench.sqlite3} $(BIN)/dangvien bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy dangvien

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) dangvien.sqlite3* staticfiles
