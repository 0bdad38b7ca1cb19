# fangkong: `make demo` runs the platform on SQLite with a demo sub-district; `make test` runs every check.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
ONLY ?=
PYTEST_ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test lint typecheck migrations-check test-sqlite test-pg test-browser bench messages clean

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	FANGKONG_DEBUG=1 $(BIN)/fangkong demo

serve: install
	FANGKONG_DEBUG=1 $(BIN)/fangkong serve

test: install lint typecheck migrations-check test-sqlite test-pg

lint: install
	$(BIN)/ruff check src bench bin conftest.py
	$(BIN)/ruff format --check src bench bin conftest.py

typecheck: install
	$(BIN)/mypy src

migrations-check: install
	FANGKONG_VAR_DIR=$$(mktemp -d) $(BIN)/fangkong makemigrations --check --dry-run

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS)

# The PostgreSQL leg runs when DATABASE_URL names a server or one answers on 127.0.0.1:5432. Locally it is
# skipped when no server answers; in CI (CI=true) that fails the run, since some SQL only runs there.
test-pg: install
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if DATABASE_URL="$$url" $(BIN)/python bin/db-available; then \
	  echo "PostgreSQL leg: $$url"; \
	  DATABASE_URL="$$url" $(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then echo "PostgreSQL leg failed: CI=true and no server answers" >&2; exit 1; \
	else echo "PostgreSQL leg skipped: no server answers"; fi

test-browser: install
	$(BIN)/pytest -q -m browser $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(ONLY)

messages: install
	cd src/fangkong && ../../$(BIN)/fangkong makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/fangkong compilemessages

clean:
	rm -rf $(VENV) var
